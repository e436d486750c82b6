// Structural checks of the crypto layer. Byte-exact known answers come from
// the Node reference at test time (tests/interop).
#include <doctest/doctest.h>

#include "crypto/caps.hpp"
#include "crypto/corestore_keys.hpp"
#include "crypto/hash.hpp"
#include "crypto/sign.hpp"

using namespace hc;
using namespace hc::crypto;

TEST_CASE("signatures verify only for their message, key and size") {
  Hash32 seed{};
  KeyPair kp = key_pair_from_seed(seed);
  CHECK(validate_key_pair(kp));
  CHECK(key_pair_from_seed(seed).public_key == kp.public_key);  // deterministic
  const auto msg = as_bytes("hello");
  Signature64 sig = sign(msg, kp.secret_key);
  CHECK(sig == sign(msg, kp.secret_key));
  CHECK(verify(msg, sig, kp.public_key));
  CHECK(!verify(as_bytes("hellp"), sig, kp.public_key));
  CHECK(!verify(msg, ByteView(sig.data(), 63), kp.public_key));
  CHECK(!verify(msg, sig, ByteView(kp.public_key.data(), 31)));
  KeyPair other = random_key_pair();
  CHECK(!verify(msg, sig, other.public_key));
  other.public_key = kp.public_key;
  CHECK(!validate_key_pair(other));
}

TEST_CASE("tree hashes are domain separated and order independent for parents") {
  TreeNode a{0, 1, leaf_hash(as_bytes("a"))};
  TreeNode b{2, 1, leaf_hash(as_bytes("b"))};
  CHECK(parent_hash(a, b) == parent_hash(b, a));
  const std::uint8_t two = 2;
  CHECK(tree_hash({}) == hash({ByteView(&two, 1)}));
  CHECK(leaf_hash(as_bytes("a")) != leaf_hash(as_bytes("b")));
  CHECK(leaf_hash({}) != hash({}));
  TreeNode roots[] = {a, b};
  CHECK(tree_hash(roots) != tree_hash(std::span<const TreeNode>(roots, 1)));
}

TEST_CASE("namespaces, caps and corestore seeds are distinct and stable") {
  auto ns = namespace_ids("hypercore", 6);
  CHECK(ns.size() == 6);
  CHECK(ns[0] == caps::tree());
  CHECK(ns[3] == caps::manifest());
  CHECK(ns[4] == caps::default_namespace());
  CHECK(caps::tree_signable(ns[0], ns[1], 3, 0).size() == 112);
  CHECK(caps::tree_signable_compat(ns[1], 3, 0).size() == 80);
  Hash32 hh[2];
  hh[0].fill(0xaa);
  hh[1].fill(0xaa);
  CHECK(caps::replicate(true, ns[0], ByteView(hh[0].data(), 32)) !=
        caps::replicate(false, ns[0], ByteView(hh[0].data(), 32)));
  Hash32 primary;
  primary.fill(2);
  auto s1 = corestore::derive_seed(primary, corestore::kRootNamespace, "a");
  CHECK(s1 == corestore::derive_seed(primary, corestore::kRootNamespace, "a"));
  CHECK(s1 != corestore::derive_seed(primary, corestore::kRootNamespace, "b"));
  CHECK(s1 != corestore::derive_seed(primary, corestore::child_namespace(corestore::kRootNamespace, "x"), "a"));
}
