// What one connection knows of tree nodes without asking SQLite: nodes it
// read or wrote, and nodes it found missing. A downloading reader asks
// "is this node stored?" for the ancestors of every block it requests
// (Core::missing_nodes), and a writer's proofs read the same upper nodes
// again and again; each such SQLite lookup costs about a microsecond.
//
// Coherence: a node changes only by this connection's writes (one daemon
// owns the file, sqlite_storage.hpp). A write stages the nodes it stores and
// they enter the cache only when that write commits (drop_staged forgets
// them on a rollback); a truncation clears the cache. Bounded, in two
// generations: when the newer holds half the capacity it becomes the older
// one (the older is dropped), and what is found in the older moves back into
// the newer. So the nodes every proof and request touches (the upper levels)
// stay, and a full cache never starts again empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/merkle_tree.hpp"

namespace hc::storage {

class NodeCache {
 public:
  explicit NodeCache(std::size_t capacity) : capacity_(capacity) {}

  // Whether `key` is known: nullopt if not; else the node, or nullopt inside
  // when it is known to be missing.
  std::optional<std::optional<core::TreeNode>> find(std::int64_t key);
  // What a read found.
  void remember(std::int64_t key, const std::optional<core::TreeNode>& node);

  // A node the write under way stores; known once commit_staged() runs.
  void stage(std::int64_t key, const core::TreeNode& node);
  void commit_staged();
  void drop_staged() { staged_.clear(); }
  // Forgets everything (a truncation, a failed group).
  void clear();

  std::size_t size() const { return known_.size() + older_.size(); }

 private:
  void put(std::int64_t key, const std::optional<core::TreeNode>& node);

  using Map = std::unordered_map<std::int64_t, std::optional<core::TreeNode>>;
  std::size_t capacity_;
  Map known_;  // the newer generation
  Map older_;
  std::vector<std::pair<std::int64_t, core::TreeNode>> staged_;
};

}  // namespace hc::storage
