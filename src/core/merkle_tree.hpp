// The Merkle tree of a core, as hypercore@11.37.1 lib/merkle-tree.js.
//
// TreeState is what a signature covers (roots, length, fork) plus the
// signature itself. TreeBatch grows a copy of the roots by appending blocks or
// verified nodes (appendRoot) and collects every node it creates, so a caller
// can store them in one transaction. Nodes that are not roots are read through
// NodeReader, which storage implements.
#pragma once

#include <optional>
#include <vector>

#include "crypto/hash.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"
#include "flat_tree.hpp"
#include "verifier.hpp"

namespace hc::core {

using crypto::TreeNode;

// Read access to stored tree nodes. Implementations report a missing node as
// nullopt and a storage failure as an error.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual Result<std::optional<TreeNode>> get_node(std::uint64_t index) = 0;
};

// A node that must exist: missing is invalid_operation (the request referred to
// data we do not have), as getTreeNodeOrError.
Result<TreeNode> require_node(NodeReader& reader, std::uint64_t index);

TreeNode leaf_node(std::uint64_t block_index, ByteView value);
TreeNode parent_node(std::uint64_t index, const TreeNode& a, const TreeNode& b);

struct TreeState {
  std::uint64_t fork = 0;
  std::uint64_t length = 0;
  std::uint64_t byte_length = 0;
  std::vector<TreeNode> roots;
  Bytes signature;  // empty while length is 0 (or for prologue cores)

  Hash32 hash() const { return crypto::tree_hash(roots); }
  SignedTree signed_tree() const { return {hash(), length, fork}; }
};

class TreeBatch {
 public:
  explicit TreeBatch(const TreeState& base);

  // Appends one block: its leaf, then every parent that completes.
  void append(ByteView block);
  // Pushes a verified node as the newest root; ite points at it. Merges it with
  // the previous root while they are siblings (appendRoot).
  void append_root(const TreeNode& node, flat::Iterator& ite);

  TreeState& state() { return state_; }
  const TreeState& state() const { return state_; }
  std::vector<TreeNode>& nodes() { return nodes_; }
  const std::vector<TreeNode>& nodes() const { return nodes_; }

 private:
  TreeState state_;
  std::vector<TreeNode> nodes_;
};

// The roots of the tree at `length`, read from storage (getRootsFromStorage).
Result<std::vector<TreeNode>> roots_at(NodeReader& reader, std::uint64_t length);

// Byte offset of a tree index (its left span) within the tree (getByteOffset).
Result<std::uint64_t> byte_offset(NodeReader& reader, const TreeState& tree, std::uint64_t index);

}  // namespace hc::core
