#include "hash.hpp"

#include <sodium.h>

#include "sodium_init.hpp"

namespace hc::crypto {
namespace {

void put_u64le(std::uint8_t* out, std::uint64_t n) {
  for (int i = 0; i < 8; i++) out[i] = static_cast<std::uint8_t>(n >> (8 * i));
}

Hash32 hash_parts(std::initializer_list<ByteView> parts, ByteView key) {
  ensure_sodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.empty() ? nullptr : key.data(), key.size(), 32);
  for (auto p : parts) crypto_generichash_update(&st, p.data(), p.size());
  Hash32 out;
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

}  // namespace

Hash32 hash(std::initializer_list<ByteView> parts) { return hash_parts(parts, {}); }

Hash32 keyed_hash(std::initializer_list<ByteView> parts, ByteView key) {
  return hash_parts(parts, key);
}

Hash32 leaf_hash(ByteView block) {
  std::uint8_t header[9];
  header[0] = 0;
  put_u64le(header + 1, block.size());
  return hash({ByteView(header, 9), block});
}

Hash32 parent_hash(const TreeNode& a, const TreeNode& b) {
  const TreeNode& left = a.index < b.index ? a : b;
  const TreeNode& right = a.index < b.index ? b : a;
  std::uint8_t header[9];
  header[0] = 1;
  put_u64le(header + 1, left.size + right.size);
  return hash({ByteView(header, 9), left.hash, right.hash});
}

Hash32 tree_hash(std::span<const TreeNode> roots) {
  ensure_sodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  const std::uint8_t type = 2;
  crypto_generichash_update(&st, &type, 1);
  for (const auto& r : roots) {
    std::uint8_t buf[48];
    std::copy(r.hash.begin(), r.hash.end(), buf);
    put_u64le(buf + 32, r.index);
    put_u64le(buf + 40, r.size);
    crypto_generichash_update(&st, buf, sizeof buf);
  }
  Hash32 out;
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

Hash32 discovery_key(const Hash32& key) { return keyed_hash({as_bytes("hypercore")}, key); }

std::vector<Hash32> namespace_ids(std::string_view name, std::size_t count) {
  Hash32 base = hash({as_bytes(name)});
  std::vector<Hash32> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; i++) {
    std::uint8_t id = static_cast<std::uint8_t>(i);
    out.push_back(hash({base, ByteView(&id, 1)}));
  }
  return out;
}

}  // namespace hc::crypto
