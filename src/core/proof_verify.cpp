#include "proof_verify.hpp"

#include "errors.hpp"

namespace hc::core {
namespace {

// Guards tree walks against indexes so large that flat-tree math overflows.
constexpr std::uint64_t kMaxFactor = std::uint64_t{1} << 58;

// Nodes in the order a proof must present them (NodeQueue); `extra` may stand
// in for any one of them with the same index.
class NodeQueue {
 public:
  NodeQueue(const std::vector<TreeNode>& nodes, std::optional<TreeNode> extra)
      : nodes_(nodes), extra_(std::move(extra)) {}

  Result<TreeNode> shift(std::uint64_t index) {
    if (extra_ && extra_->index == index) {
      TreeNode n = *extra_;
      extra_.reset();
      return n;
    }
    if (i_ >= nodes_.size()) return Errc::invalid_operation;
    const TreeNode& n = nodes_[i_++];
    if (n.index != index) return Errc::invalid_operation;
    return n;
  }
  bool empty() const { return !extra_ && i_ >= nodes_.size(); }
  bool extra_used() const { return !extra_; }

 private:
  const std::vector<TreeNode>& nodes_;
  std::optional<TreeNode> extra_;
  std::size_t i_ = 0;
};

bool index_ok(std::uint64_t index) { return index < (std::uint64_t{1} << 56); }

// Folds `first` with the queue's nodes as siblings going up.
Result<TreeNode> fold(flat::Iterator& ite, TreeNode root, NodeQueue& q,
                      std::vector<TreeNode>& out) {
  out.push_back(root);
  while (!q.empty()) {
    if (ite.factor() >= kMaxFactor) return Errc::invalid_operation;
    HC_TRY(TreeNode sib, q.shift(ite.sibling()));
    root = parent_node(ite.parent(), root, sib);
    out.push_back(sib);
    out.push_back(root);
  }
  return root;
}

Result<std::optional<TreeNode>> verify_tree(const Proof& proof, std::vector<TreeNode>& out) {
  const bool has_seek = proof.seek && !proof.seek->nodes.empty();
  if (!proof.block && !proof.hash && !has_seek) return std::optional<TreeNode>{};

  std::optional<TreeNode> root;
  if (has_seek) {
    const auto& nodes = proof.seek->nodes;
    if (!index_ok(nodes[0].index)) return Errc::invalid_operation;
    flat::Iterator ite(nodes[0].index);
    NodeQueue q(nodes, std::nullopt);
    HC_TRY(TreeNode first, q.shift(ite.index()));
    HC_TRY(root, fold(ite, first, q, out));
  }
  if (!proof.block && !proof.hash) return root;

  if (proof.block) {
    if (proof.block->index > encoding::kMaxSafeInteger / 2) return Errc::invalid_operation;
    flat::Iterator ite(2 * proof.block->index);
    NodeQueue q(proof.block->nodes, root);
    TreeNode leaf = leaf_node(proof.block->index, proof.block->value);
    HC_TRY(TreeNode r, fold(ite, leaf, q, out));
    return std::optional<TreeNode>(r);
  }
  if (!index_ok(proof.hash->index)) return Errc::invalid_operation;
  flat::Iterator ite(proof.hash->index);
  NodeQueue q(proof.hash->nodes, root);
  HC_TRY(TreeNode first, q.shift(ite.index()));
  HC_TRY(TreeNode r, fold(ite, first, q, out));
  return std::optional<TreeNode>(r);
}

// Returns whether the block root was used by the upgrade.
Result<bool> verify_upgrade(const Proof::Upgrade& upgrade, const std::optional<TreeNode>& block_root,
                            const std::optional<Prologue>& prologue, TreeBatch& batch) {
  if (prologue && upgrade.start < prologue->length &&
      (upgrade.start != 0 || upgrade.length < prologue->length)) {
    return Errc::invalid_proof;
  }
  if (upgrade.start > encoding::kMaxSafeInteger / 4 ||
      upgrade.length > encoding::kMaxSafeInteger / 4) {
    return Errc::invalid_operation;
  }

  NodeQueue q(upgrade.nodes, block_root);
  auto& roots = batch.state().roots;
  bool grow = !roots.empty();
  std::size_t i = 0;
  const std::uint64_t to = 2 * (upgrade.start + upgrade.length);
  flat::Iterator ite(0);

  for (; ite.full_root(to); ite.next_tree()) {
    if (i < roots.size() && roots[i].index == ite.index()) {
      i++;
      continue;
    }
    if (grow) {
      grow = false;
      const std::uint64_t root = ite.index();
      if (i < roots.size()) {
        ite.seek(roots.back().index);
        while (ite.index() != root) {
          if (ite.factor() >= kMaxFactor) return Errc::invalid_operation;
          HC_TRY(TreeNode n, q.shift(ite.sibling()));
          batch.append_root(n, ite);
        }
        continue;
      }
    }
    HC_TRY(TreeNode n, q.shift(ite.index()));
    batch.append_root(n, ite);
  }

  if (roots.empty()) return Errc::invalid_operation;
  if (prologue && batch.state().length == prologue->length &&
      batch.state().hash() != prologue->hash) {
    return Errc::invalid_proof;
  }

  const auto& extra = upgrade.additional_nodes;
  ite.seek(roots.back().index);
  std::size_t e = 0;
  while (e < extra.size() && extra[e].index == ite.sibling()) {
    if (ite.factor() >= kMaxFactor) return Errc::invalid_operation;
    batch.append_root(extra[e++], ite);
  }
  while (e < extra.size()) {
    const TreeNode& n = extra[e++];
    while (n.index != ite.index()) {
      if (ite.factor() == 2) return Errc::invalid_operation;
      ite.left_child();
    }
    batch.append_root(n, ite);
    if (ite.factor() >= kMaxFactor) return Errc::invalid_operation;
    ite.sibling();
  }

  batch.state().signature = upgrade.signature;
  return q.extra_used();
}

}  // namespace

Result<TreeVerification> verify_proof_tree(const TreeState& local, const Proof& proof,
                                           const std::optional<Prologue>& prologue) {
  TreeVerification v{TreeBatch(local), {}, std::nullopt, false};
  HC_TRY(v.unverified, verify_tree(proof, v.tree_nodes));
  if (proof.upgrade) {
    HC_TRY(bool used, verify_upgrade(*proof.upgrade, v.unverified, prologue, v.batch));
    if (used) v.unverified.reset();
    v.batch.state().fork = proof.fork;
    v.upgraded = true;
  }
  return v;
}

}  // namespace hc::core
