// A core's manifest: who may sign its tree, as hypercore@11.37.1 lib/messages.js
// (manifest, manifestv0) and lib/verifier.js (createManifest, defaultSignerManifest).
//
// The key of a non-compat core is manifest_hash(manifest). Encoding is
// canonical: decode + encode of a normalised manifest gives the bytes Node hashes.
#pragma once

#include <optional>
#include <vector>

#include "encoding/bytes.hpp"
#include "encoding/compact.hpp"
#include "encoding/result.hpp"

namespace hc::core {

struct Signer {
  // Only ed25519 (signature type 0) exists.
  Hash32 namespace_id{};
  Hash32 public_key{};
  bool operator==(const Signer&) const = default;
};

struct Prologue {
  Hash32 hash{};
  std::uint64_t length = 0;
  bool operator==(const Prologue&) const = default;
};

struct Manifest {
  std::uint64_t version = 1;
  // hash is always blake2b (0).
  bool allow_patch = false;
  std::uint64_t quorum = 1;
  std::vector<Signer> signers;
  std::optional<Prologue> prologue;
  std::optional<std::vector<Hash32>> linked;
  std::optional<Bytes> user_data;
  bool operator==(const Manifest&) const = default;
};

// {version 1, quorum 1, signers: [{ed25519, DEFAULT_NAMESPACE, public_key}]}
Manifest default_signer_manifest(const Hash32& public_key);

void write_manifest(encoding::Writer& w, const Manifest& m);
// Reads one manifest (versions 0..3) as Node does; bytes after it are left unread.
Result<Manifest> read_manifest(encoding::Reader& r);

Bytes encode_manifest(const Manifest& m);
Result<Manifest> decode_manifest(ByteView bytes);

// H(MANIFEST ‖ encode(m))
Hash32 manifest_hash(const Manifest& m);

// One signer whose public key is the core key (Verifier.isCompat).
bool is_compat(const Hash32& key, const Manifest& m);

}  // namespace hc::core
