// Verifying proofs (requester side), as hypercore@11.37.1 lib/merkle-tree.js
// verifyTree and verifyUpgrade.
//
// verify_tree folds the block/hash/seek nodes into one unverified root U.
// verify_upgrade grows the local roots with the upgrade nodes (U may stand in
// for one of them) and the additional nodes; the caller then checks the
// signature of the new tree, or, when U was not used, that U equals the
// stored node. Nothing here trusts an index, count or length it is given.
#pragma once

#include <optional>

#include "merkle_tree.hpp"
#include "proof.hpp"

namespace hc::core {

struct TreeVerification {
  TreeBatch batch;                      // local tree, grown by the upgrade if any
  std::vector<TreeNode> tree_nodes;     // nodes computed or received (to store)
  std::optional<TreeNode> unverified;   // must equal the stored node at its index
  bool upgraded = false;
};

// REQUIRES: proof.fork == local.fork (checked by the caller).
// With a prologue, an upgrade that does not cover it whole is invalid_proof.
Result<TreeVerification> verify_proof_tree(const TreeState& local, const Proof& proof,
                                           const std::optional<Prologue>& prologue = std::nullopt);

}  // namespace hc::core
