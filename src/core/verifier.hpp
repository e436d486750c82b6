// Signs and verifies a core's tree, as hypercore@11.37.1 lib/verifier.js and
// lib/multisig.js.
//
// Compat cores (key = the signer's public key) sign the 80-byte compat
// signable and carry a raw 64-byte signature. Manifest v1+ cores sign the
// 112-byte signable with the manifest hash (= key) as context and carry a
// multisig envelope (68 bytes for one signer). Multisig patches are not
// supported: a signature that needs one does not verify.
#pragma once

#include <optional>

#include "crypto/sign.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"
#include "manifest.hpp"

namespace hc::core {

// What a signature covers: the tree at (roots → tree_hash, length, fork).
struct SignedTree {
  Hash32 tree_hash{};
  std::uint64_t length = 0;
  std::uint64_t fork = 0;
};

class Verifier {
 public:
  // key: the core key; manifest: its manifest (compat when its one signer is the key).
  Verifier(const Hash32& key, const Manifest& manifest);

  bool compat() const { return compat_; }
  const Manifest& manifest() const { return manifest_; }

  // The signature bytes as stored and sent. Fails with bad_argument when the
  // key pair is not a declared signer.
  Result<Bytes> sign(const SignedTree& tree, const crypto::KeyPair& key_pair) const;
  bool verify(const SignedTree& tree, ByteView signature) const;

 private:
  bool verify_one(std::size_t signer, const SignedTree& tree, ByteView sig) const;
  bool verify_multi(const SignedTree& tree, ByteView signature) const;

  Hash32 key_;
  Manifest manifest_;
  bool compat_;
  std::uint64_t version_;
};

}  // namespace hc::core
