#include "manifest.hpp"

#include "crypto/caps.hpp"
#include "crypto/hash.hpp"
#include "errors.hpp"

namespace hc::core {
namespace {

constexpr std::uint64_t kFlagPatch = 1, kFlagPrologue = 2, kFlagLinked = 4, kFlagUserData = 8;
constexpr std::size_t kSignerSize = 1 + 32 + 32;

void write_signer(encoding::Writer& w, const Signer& s) {
  w.uint(0);  // ed25519
  w.fixed(s.namespace_id);
  w.fixed(s.public_key);
}

Result<Signer> read_signer(encoding::Reader& r) {
  HC_TRY(std::uint64_t type, r.uint());
  if (type != 0) return Errc::unknown_manifest_type;
  Signer s;
  HC_TRY(s.namespace_id, r.fixed_array<32>());
  HC_TRY(s.public_key, r.fixed_array<32>());
  return s;
}

Result<std::vector<Signer>> read_signers(encoding::Reader& r) {
  HC_TRY(std::uint64_t n, r.array_length(kSignerSize));
  std::vector<Signer> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; i++) {
    HC_TRY(Signer s, read_signer(r));
    out.push_back(s);
  }
  return out;
}

Status read_hash_type(encoding::Reader& r) {
  HC_TRY(std::uint64_t hash, r.uint());
  if (hash != 0) return Errc::unknown_manifest_type;
  return {};
}

void write_v0(encoding::Writer& w, const Manifest& m) {
  w.uint(0);  // blake2b
  if (m.prologue && m.signers.empty()) {
    w.uint(0);
    w.fixed(m.prologue->hash);
    return;
  }
  if (m.quorum == 1 && m.signers.size() == 1 && !m.allow_patch) {
    w.uint(1);
    write_signer(w, m.signers[0]);
    return;
  }
  w.uint(2);
  w.uint(m.allow_patch ? 1 : 0);
  w.uint(m.quorum);
  w.uint(m.signers.size());
  for (const auto& s : m.signers) write_signer(w, s);
}

Result<Manifest> read_v0(encoding::Reader& r) {
  HC_CHECK(read_hash_type(r));
  HC_TRY(std::uint64_t type, r.uint());
  Manifest m;
  m.version = 0;
  if (type == 0) {
    m.quorum = 0;
    HC_TRY(Hash32 h, r.fixed_array<32>());
    m.prologue = Prologue{h, 0};
    return m;
  }
  if (type == 1) {
    HC_TRY(Signer s, read_signer(r));
    m.signers.push_back(s);
    return m;
  }
  if (type != 2) return encoding::Errc::invalid_value;
  HC_TRY(std::uint64_t flags, r.uint());
  m.allow_patch = (flags & 1) != 0;
  HC_TRY(m.quorum, r.uint());
  HC_TRY(m.signers, read_signers(r));
  return m;
}

}  // namespace

Manifest default_signer_manifest(const Hash32& public_key) {
  Manifest m;
  m.signers.push_back(Signer{crypto::caps::default_namespace(), public_key});
  return m;
}

void write_manifest(encoding::Writer& w, const Manifest& m) {
  w.uint(m.version);
  if (m.version == 0) return write_v0(w, m);
  std::uint64_t flags = 0;
  if (m.allow_patch) flags |= kFlagPatch;
  if (m.prologue) flags |= kFlagPrologue;
  if (m.linked) flags |= kFlagLinked;
  if (m.user_data) flags |= kFlagUserData;
  w.uint(flags);
  w.uint(0);  // blake2b
  w.uint(m.quorum);
  w.uint(m.signers.size());
  for (const auto& s : m.signers) write_signer(w, s);
  if (m.prologue) {
    w.fixed(m.prologue->hash);
    w.uint(m.prologue->length);
  }
  if (m.linked) {
    w.uint(m.linked->size());
    for (const auto& k : *m.linked) w.fixed(k);
  }
  if (m.user_data) w.buffer(*m.user_data);
}

Result<Manifest> read_manifest(encoding::Reader& r) {
  HC_TRY(std::uint64_t version, r.uint());
  if (version == 0) return read_v0(r);
  if (version > 3) return encoding::Errc::invalid_value;
  Manifest m;
  m.version = version;
  HC_TRY(std::uint64_t flags, r.uint());
  HC_CHECK(read_hash_type(r));
  HC_TRY(m.quorum, r.uint());
  HC_TRY(m.signers, read_signers(r));
  m.allow_patch = (flags & kFlagPatch) != 0;
  if (flags & kFlagPrologue) {
    Prologue p;
    HC_TRY(p.hash, r.fixed_array<32>());
    HC_TRY(p.length, r.uint());
    m.prologue = p;
  }
  if (flags & kFlagLinked) {
    HC_TRY(std::uint64_t n, r.array_length(32));
    std::vector<Hash32> linked;
    for (std::uint64_t i = 0; i < n; i++) {
      HC_TRY(Hash32 k, r.fixed_array<32>());
      linked.push_back(k);
    }
    m.linked = std::move(linked);
  }
  if (flags & kFlagUserData) {
    HC_TRY(ByteView data, r.buffer());
    m.user_data = to_bytes(data);
  }
  return m;
}

Bytes encode_manifest(const Manifest& m) {
  Bytes out;
  encoding::Writer w(out);
  write_manifest(w, m);
  return out;
}

Result<Manifest> decode_manifest(ByteView bytes) {
  encoding::Reader r(bytes);
  return read_manifest(r);
}

Hash32 manifest_hash(const Manifest& m) {
  return crypto::hash({crypto::caps::manifest(), encode_manifest(m)});
}

bool is_compat(const Hash32& key, const Manifest& m) {
  return m.signers.size() == 1 && m.signers[0].public_key == key;
}

}  // namespace hc::core
