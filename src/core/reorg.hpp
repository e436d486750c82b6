// A move to a newer fork of a core (a peer truncated and maybe appended), as
// hypercore@11.37.1 lib/merkle-tree.js ReorgBatch and MerkleTree.reorg.
//
// It starts from a fork proof (an upgrade from length 0 at the new fork): the
// new tree's roots. The first root that differs from the node we store at its
// index holds the point where the two trees diverge. While that node is not a
// block (and covers blocks we hold), want() names a range of blocks of which
// one hash proof of `nodes` levels proves the node's children; each such
// proof narrows the search to the first child that differs. When finished,
// blocks [0, ancestors()) are the same on both forks: the core keeps them and
// adopts the new tree.
//
// Reorg only computes; the caller checks the new tree's signature and stores.
// Nothing here trusts an index or a count it is given (the proof decoders and
// verify_proof_tree bound them). A Reorg is valid only against the local tree
// it started from (base_*): the owner drops it when that tree changes.
#pragma once

#include <optional>
#include <vector>

#include "manifest.hpp"
#include "merkle_tree.hpp"
#include "proof.hpp"

namespace hc::core {

class Reorg {
 public:
  // The hash proof the search needs: hash{2*i, nodes} for a block i in
  // [start, end) that the remote has.
  struct Want {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint64_t nodes = 0;
    bool operator==(const Want&) const = default;
  };

  // From a fork proof for a newer fork than `local`'s: REQUIRES proof.upgrade
  // with start 0. The new tree carries the proof's signature, unchecked.
  static Result<Reorg> start(const TreeState& local, const Proof& proof, NodeReader& stored,
                             const std::optional<Prologue>& prologue);

  // A hash (or block) proof whose root is the node the search stands at:
  // narrows the search. invalid_proof if it proves another node, or does
  // not reach below it.
  // REQUIRES: !finished().
  Status update(const Proof& proof, NodeReader& stored);

  bool finished() const { return !want_; }
  const std::optional<Want>& want() const { return want_; }
  std::uint64_t fork() const { return tree_.fork; }
  // The new fork's signed tree.
  const TreeState& tree() const { return tree_; }
  // Blocks below this are the same on both forks.
  std::uint64_t ancestors() const { return ancestors_; }
  // Verified nodes of the new tree (to store with it).
  const std::vector<TreeNode>& nodes() const { return nodes_; }

  // The local tree it was computed against.
  std::uint64_t base_fork() const { return base_fork_; }
  std::uint64_t base_length() const { return base_length_; }
  const Hash32& base_hash() const { return base_hash_; }

 private:
  Reorg() = default;
  // Walks down from the current diff node through `proved`, to the first
  // child that differs from what we store.
  Status descend(const std::vector<TreeNode>& proved, NodeReader& stored);
  void set_diff(const TreeNode& diff);

  TreeState tree_;
  std::vector<TreeNode> nodes_;
  std::optional<TreeNode> diff_;
  std::uint64_t ancestors_ = 0;
  std::optional<Want> want_;
  std::uint64_t base_fork_ = 0;
  std::uint64_t base_length_ = 0;
  Hash32 base_hash_{};
};

}  // namespace hc::core
