#include "verifier.hpp"

#include <vector>

#include "crypto/caps.hpp"
#include "crypto/hash.hpp"
#include "encoding/compact.hpp"
#include "errors.hpp"

namespace hc::core {
namespace {

struct MultisigProof {
  std::uint64_t signer = 0;
  ByteView signature;
  bool patched = false;
};

// multiSignature (v1) or multiSignaturev0 envelopes; patch nodes are read
// (an envelope Node cannot decode fails here too) but not kept.
Result<std::vector<MultisigProof>> inflate(ByteView bytes, std::uint64_t version) {
  encoding::Reader r(bytes);
  HC_TRY(std::uint64_t n, r.array_length(66));
  std::vector<MultisigProof> proofs;
  for (std::uint64_t i = 0; i < n; i++) {
    MultisigProof p;
    if (version >= 1) {
      HC_TRY(p.signer, r.uint());
      HC_TRY(p.signature, r.fixed(64));
      HC_TRY(std::uint64_t patch, r.uint());
      p.patched = patch != 0;
    } else {
      HC_TRY(std::uint64_t flags, r.uint());
      HC_TRY(p.signer, r.uint());
      HC_TRY(p.signature, r.fixed(64));
      if (flags & 1) {
        p.patched = true;
        HC_TRY(std::uint64_t start, r.uint());
        HC_TRY(std::uint64_t length, r.uint());
        HC_TRY(std::uint64_t count, r.array_length());
        for (std::uint64_t j = 0; j < count; j++) {
          HC_TRY(std::uint64_t node, r.uint());
          (void)node;
        }
        (void)start, (void)length;
      }
    }
    proofs.push_back(p);
  }
  HC_TRY(std::uint64_t patch, r.array_length(34));
  for (std::uint64_t i = 0; i < patch; i++) {
    HC_TRY(std::uint64_t index, r.uint());
    HC_TRY(std::uint64_t size, r.uint());
    HC_TRY(ByteView hash, r.fixed(32));
    (void)index, (void)size, (void)hash;
  }
  return proofs;
}

}  // namespace

Verifier::Verifier(const Hash32& key, const Manifest& manifest)
    : key_(key),
      manifest_(manifest),
      compat_(is_compat(key, manifest)),
      version_(compat_ ? 0 : manifest.version) {}

bool Verifier::verify_one(std::size_t signer, const SignedTree& tree, ByteView sig) const {
  const Signer& s = manifest_.signers[signer];
  if (compat_) {
    auto msg = crypto::caps::tree_signable_compat(tree.tree_hash, tree.length, tree.fork);
    return crypto::verify(msg, sig, s.public_key);
  }
  const Hash32& ctx = version_ == 0 ? s.namespace_id : key_;
  auto msg = crypto::caps::tree_signable(ctx, tree.tree_hash, tree.length, tree.fork);
  return crypto::verify(msg, sig, s.public_key);
}

bool Verifier::verify_multi(const SignedTree& tree, ByteView signature) const {
  if (signature.empty() || manifest_.quorum == 0) return false;
  auto proofs = inflate(signature, version_);
  if (!proofs || proofs->size() < manifest_.quorum) return false;
  std::vector<bool> tried(manifest_.signers.size());
  for (std::uint64_t i = 0; i < manifest_.quorum; i++) {
    const auto& p = (*proofs)[i];
    // Patches are unsupported. Without allowPatch Node ignores the field, but
    // then the signature is over an older length and cannot verify anyway, so
    // a patched proof is refused either way (else a peer could alter the
    // envelope and have us store and serve the altered bytes).
    if (p.patched) return false;
    if (p.signer >= manifest_.signers.size() || tried[p.signer]) return false;
    tried[p.signer] = true;
    if (!verify_one(p.signer, tree, p.signature)) return false;
  }
  return true;
}

bool Verifier::verify(const SignedTree& tree, ByteView signature) const {
  if (version_ == 0) {
    if (signature.empty() || manifest_.signers.empty()) return false;
    if (compat_ || (!manifest_.allow_patch && manifest_.signers.size() == 1)) {
      return verify_one(0, tree, signature);
    }
    return verify_multi(tree, signature);
  }
  if (manifest_.prologue && tree.length <= manifest_.prologue->length) {
    return tree.length == manifest_.prologue->length && tree.tree_hash == manifest_.prologue->hash;
  }
  return verify_multi(tree, signature);
}

Result<Bytes> Verifier::sign(const SignedTree& tree, const crypto::KeyPair& key_pair) const {
  for (std::size_t i = 0; i < manifest_.signers.size(); i++) {
    const Signer& s = manifest_.signers[i];
    if (s.public_key != key_pair.public_key) continue;
    Signature64 sig;
    if (compat_) {
      sig = crypto::sign(crypto::caps::tree_signable_compat(tree.tree_hash, tree.length, tree.fork),
                         key_pair.secret_key);
    } else {
      const Hash32& ctx = version_ == 0 ? s.namespace_id : key_;
      sig = crypto::sign(crypto::caps::tree_signable(ctx, tree.tree_hash, tree.length, tree.fork),
                         key_pair.secret_key);
    }
    if (manifest_.signers.size() != 1 || version_ == 0) return Bytes(sig.begin(), sig.end());
    // One signer, manifest v1+: the multisig envelope {proofs:[{0, sig, 0}], patch: []}.
    Bytes out;
    encoding::Writer w(out);
    w.uint(1);
    w.uint(0);
    w.fixed(sig);
    w.uint(0);
    w.uint(0);
    return out;
  }
  return Errc::bad_argument;
}

}  // namespace hc::core
