#include "reorg.hpp"

#include <algorithm>
#include <map>

#include "errors.hpp"
#include "proof_verify.hpp"

namespace hc::core {
namespace {

// A stored node equal to `node` (its hash covers its size).
Result<bool> stored_equal(NodeReader& stored, const TreeNode& node) {
  HC_TRY(std::optional<TreeNode> existing, stored.get_node(node.index));
  return existing && existing->hash == node.hash && existing->size == node.size;
}

}  // namespace

Result<Reorg> Reorg::start(const TreeState& local, const Proof& proof, NodeReader& stored,
                           const std::optional<Prologue>& prologue) {
  if (!proof.upgrade || proof.upgrade->start != 0) return Errc::invalid_operation;
  Reorg r;
  r.base_fork_ = local.fork;
  r.base_length_ = local.length;
  r.base_hash_ = local.hash();

  // The new tree from nothing: its roots come from the proof alone.
  TreeState empty;
  empty.fork = proof.fork;
  HC_TRY(TreeVerification v, verify_proof_tree(empty, proof, prologue));
  r.tree_ = v.batch.state();
  r.nodes_ = v.batch.nodes();
  // Block or hash nodes are kept only when the upgrade proved them.
  if (!v.unverified) r.nodes_.insert(r.nodes_.end(), v.tree_nodes.begin(), v.tree_nodes.end());

  for (const auto& root : r.tree_.roots) {
    HC_TRY(bool same, stored_equal(stored, root));
    if (same) continue;
    r.set_diff(root);
    break;
  }
  if (!r.diff_) {
    // Every root of the new tree is ours: it is a prefix of our tree.
    r.ancestors_ = std::min(r.tree_.length, local.length);
    return r;
  }
  HC_CHECK(r.descend(r.nodes_, stored));
  return r;
}

Status Reorg::update(const Proof& proof, NodeReader& stored) {
  if (!want_ || !diff_ || proof.upgrade || (!proof.block && !proof.hash)) {
    return Errc::invalid_operation;
  }
  TreeState empty;
  empty.fork = proof.fork;
  HC_TRY(TreeVerification v, verify_proof_tree(empty, proof));
  if (!v.unverified || v.unverified->index != diff_->index || v.unverified->hash != diff_->hash) {
    return Errc::invalid_proof;
  }
  const std::uint64_t before = diff_->index;
  HC_CHECK(descend(v.tree_nodes, stored));
  // An honest proof of `nodes` levels always reaches below the diff node; one
  // that does not (a bare node) would let a peer feed us nodes forever.
  if (diff_->index == before) return Errc::invalid_proof;
  nodes_.insert(nodes_.end(), v.tree_nodes.begin(), v.tree_nodes.end());
  return {};
}

Status Reorg::descend(const std::vector<TreeNode>& proved, NodeReader& stored) {
  if (!want_) return {};
  std::map<std::uint64_t, const TreeNode*> by_index;
  for (const auto& n : proved) by_index[n.index] = &n;
  const TreeNode* next = nullptr;
  flat::Iterator ite(diff_->index);
  while (ite.index() & 1) {
    auto left = by_index.find(ite.left_child());
    if (left == by_index.end()) break;
    HC_TRY(bool same, stored_equal(stored, *left->second));
    if (!same) {
      next = left->second;  // the divergence is in the left half
      continue;
    }
    auto right = by_index.find(ite.sibling());
    if (right == by_index.end()) break;
    next = right->second;
  }
  if (next) set_diff(*next);
  return {};
}

void Reorg::set_diff(const TreeNode& diff) {
  const std::uint64_t start = flat::left_span(diff.index) / 2;
  const std::uint64_t end = std::min(base_length_, flat::right_span(diff.index) / 2 + 1);
  diff_ = diff;
  ancestors_ = start;
  // A block, or a node past what we hold: the divergence is at its start.
  if ((diff.index & 1) == 0 || end <= start) {
    want_.reset();
    return;
  }
  want_ = Want{start, end, flat::depth(diff.index)};
}

}  // namespace hc::core
