#include "merkle_tree.hpp"

#include "errors.hpp"

namespace hc::core {

Result<TreeNode> require_node(NodeReader& reader, std::uint64_t index) {
  HC_TRY(std::optional<TreeNode> node, reader.get_node(index));
  if (!node) return Errc::invalid_operation;
  return *node;
}

TreeNode leaf_node(std::uint64_t block_index, ByteView value) {
  return {2 * block_index, value.size(), crypto::leaf_hash(value)};
}

TreeNode parent_node(std::uint64_t index, const TreeNode& a, const TreeNode& b) {
  return {index, a.size + b.size, crypto::parent_hash(a, b)};
}

TreeBatch::TreeBatch(const TreeState& base) : state_(base) {}

void TreeBatch::append(ByteView block) {
  flat::Iterator ite(2 * state_.length);
  append_root(leaf_node(state_.length, block), ite);
}

void TreeBatch::append_root(const TreeNode& node, flat::Iterator& ite) {
  state_.length += ite.factor() / 2;
  state_.byte_length += node.size;
  state_.roots.push_back(node);
  nodes_.push_back(node);
  while (state_.roots.size() > 1) {
    const TreeNode& a = state_.roots[state_.roots.size() - 1];
    const TreeNode& b = state_.roots[state_.roots.size() - 2];
    if (ite.sibling() != b.index) {
      ite.sibling();  // back to the last root
      break;
    }
    TreeNode p = parent_node(ite.parent(), a, b);
    nodes_.push_back(p);
    state_.roots.pop_back();
    state_.roots.back() = p;
  }
}

Result<std::vector<TreeNode>> roots_at(NodeReader& reader, std::uint64_t length) {
  std::vector<TreeNode> roots;
  for (auto index : flat::full_roots(2 * length)) {
    HC_TRY(TreeNode node, require_node(reader, index));
    roots.push_back(node);
  }
  return roots;
}

Result<std::uint64_t> byte_offset(NodeReader& reader, const TreeState& tree, std::uint64_t index) {
  if (index == 2 * tree.length) return tree.byte_length;
  if (index & 1) index = flat::left_span(index);
  std::uint64_t head = 0, offset = 0;
  for (const auto& root : tree.roots) {
    head += 2 * (root.index - head + 1);
    if (index >= head) {
      offset += root.size;
      continue;
    }
    flat::Iterator ite(root.index);
    int steps = 0;
    while (ite.index() != index) {
      if (++steps >= 1024) return Errc::invalid_operation;
      if (index < ite.index()) {
        ite.left_child();
      } else {
        HC_TRY(TreeNode left, require_node(reader, ite.left_child()));
        offset += left.size;
        ite.sibling();
      }
    }
    return offset;
  }
  return Errc::bad_argument;
}

}  // namespace hc::core
