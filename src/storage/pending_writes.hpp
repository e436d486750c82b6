// The writes of a storage group (core::Storage::begin_group) that SQLite has
// not seen yet, merged: what a peer sends in one read is dozens of verified
// blocks, each one CoreUpdate, and most of them touch the same rows — the
// sibling leaf and uncle nodes of block i's proof are the rows of blocks i+1,
// i+2..., the same bitfield page and header each time. Merged, they reach
// SQLite as one savepoint with each row, page and header written once,
// instead of a savepoint per block and an upsert per node.
//
// Only updates with no truncation and no manifest are merged (those are
// written at once, after what is pending); a later write of a node, block,
// page or header replaces an earlier one, as in MemoryStorage.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>

#include "core/storage.hpp"

namespace hc::storage {

class PendingWrites {
 public:
  // Half of a tree row or both (layout.hpp): a node, a block, or a block and
  // its leaf node.
  struct Row {
    std::optional<core::TreeNode> node;
    std::optional<Bytes> data;         // the block, for its row
    std::optional<std::int64_t> file;  // or where it is in its block file
  };
  struct Core {
    std::map<std::int64_t, Row> rows;    // by row key, ascending
    std::map<std::uint64_t, Bytes> pages;  // bitfield pages by page number
    std::optional<core::TreeState> tree;
  };

  // REQUIRES: !u.truncate && !u.manifest; every index fits the layout.
  // file_refs: none, or one per block of u: the block's file_ref if it was
  // written to its block file (it is not copied then). Copies the others.
  void add(const core::CoreUpdate& u, std::span<const std::optional<std::int64_t>> file_refs = {});
  bool empty() const { return cores_.empty(); }
  // What is pending for a row: the table holds the rest (a pending write
  // only adds or replaces), so a read of anything else need not wait.
  const Row* find(core::CoreId core, std::int64_t key) const;
  const std::map<core::CoreId, Core>& cores() const { return cores_; }
  void clear() { cores_.clear(); }

 private:
  std::map<core::CoreId, Core> cores_;
};

}  // namespace hc::storage
