#include "caps.hpp"

#include <algorithm>

#include "hash.hpp"

namespace hc::crypto::caps {
namespace {

const std::vector<Hash32>& ids() {
  static const std::vector<Hash32> v = namespace_ids("hypercore", 6);
  return v;
}

void put_u64le(std::uint8_t* out, std::uint64_t n) {
  for (int i = 0; i < 8; i++) out[i] = static_cast<std::uint8_t>(n >> (8 * i));
}

}  // namespace

const Hash32& tree() { return ids()[0]; }
const Hash32& replicate_initiator() { return ids()[1]; }
const Hash32& replicate_responder() { return ids()[2]; }
const Hash32& manifest() { return ids()[3]; }
const Hash32& default_namespace() { return ids()[4]; }
const Hash32& default_encryption() { return ids()[5]; }

std::array<std::uint8_t, 112> tree_signable(const Hash32& manifest_hash, const Hash32& tree_hash,
                                            std::uint64_t length, std::uint64_t fork) {
  std::array<std::uint8_t, 112> out;
  auto* p = out.data();
  p = std::copy(tree().begin(), tree().end(), p);
  p = std::copy(manifest_hash.begin(), manifest_hash.end(), p);
  p = std::copy(tree_hash.begin(), tree_hash.end(), p);
  put_u64le(p, length);
  put_u64le(p + 8, fork);
  return out;
}

std::array<std::uint8_t, 80> tree_signable_compat(const Hash32& tree_hash, std::uint64_t length,
                                                  std::uint64_t fork) {
  std::array<std::uint8_t, 80> out;
  auto* p = out.data();
  p = std::copy(tree().begin(), tree().end(), p);
  p = std::copy(tree_hash.begin(), tree_hash.end(), p);
  put_u64le(p, length);
  put_u64le(p + 8, fork);
  return out;
}

Hash32 replicate(bool is_initiator, const Hash32& key, ByteView handshake_hash) {
  return keyed_hash({is_initiator ? replicate_initiator() : replicate_responder(), key},
                    handshake_hash);
}

}  // namespace hc::crypto::caps
