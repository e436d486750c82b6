#include "proof_make.hpp"

#include "errors.hpp"

namespace hc::core {
namespace {

// Bounds every tree walk: no valid walk is longer than the tree is deep.
constexpr int kMaxSteps = 1024;

struct Target {
  std::uint64_t index;  // tree index of the requested node
  std::uint64_t nodes;
  bool value;           // a block (its value is sent, not its leaf)
  std::uint64_t last;   // last block it covers
};

std::optional<Target> normalize(const ProofRequest& r) {
  if (r.block) return Target{2 * r.block->index, r.block->nodes, true, r.block->index};
  if (r.hash) return Target{r.hash->index, r.hash->nodes, false, flat::right_span(r.hash->index) / 2};
  return std::nullopt;
}

// The parts of a proof while it is built (TreeProof's `pending`).
struct Pending {
  std::optional<std::vector<TreeNode>> node, seek, upgrade, additional;
};

class Maker {
 public:
  Maker(NodeReader& reader, const TreeState& tree) : reader_(reader), tree_(tree) {}

  Status push(std::vector<TreeNode>& out, std::uint64_t index) {
    HC_TRY(TreeNode n, require_node(reader_, index));
    out.push_back(n);
    return {};
  }

  // getUnpaddedSize: negative when the blocks are smaller than the padding,
  // as in Node; only a padding too large for a JS number to hold exactly fails.
  Result<std::int64_t> unpadded_size(const TreeNode& node, std::uint64_t padding) {
    const std::uint64_t leaves = flat::count_leaves(node.index);
    if (padding > encoding::kMaxSafeInteger / leaves) return Errc::invalid_operation;
    return static_cast<std::int64_t>(node.size) - static_cast<std::int64_t>(padding * leaves);
  }

  Status seek_proof(std::uint64_t seek_root, std::uint64_t root, Pending& p) {
    flat::Iterator ite(seek_root);
    p.seek.emplace();
    HC_CHECK(push(*p.seek, ite.index()));
    for (int steps = 0; ite.index() != root; steps++) {
      if (steps >= kMaxSteps) return Errc::invalid_operation;
      ite.sibling();
      HC_CHECK(push(*p.seek, ite.index()));
      ite.parent();
    }
    return {};
  }

  Status block_and_seek_proof(const std::optional<Target>& node, bool seek, std::uint64_t seek_root,
                              std::uint64_t root, Pending& p) {
    if (!node) return seek_proof(seek_root, root, p);
    flat::Iterator ite(node->index);
    p.node.emplace();
    if (!node->value) HC_CHECK(push(*p.node, ite.index()));
    for (int steps = 0; ite.index() != root; steps++) {
      if (steps >= kMaxSteps) return Errc::invalid_operation;
      ite.sibling();
      if (seek && ite.contains(seek_root) && ite.index() != seek_root) {
        HC_CHECK(seek_proof(seek_root, ite.index(), p));
      } else {
        HC_CHECK(push(*p.node, ite.index()));
      }
      ite.parent();
    }
    return {};
  }

  // The nodes that take a tree of head `from` to head `to`; with `merge`, the
  // block/seek sub-proof stands in for the node that contains sub_tree.
  Status upgrade_proof(const std::optional<Target>& node, bool seek, std::uint64_t from,
                       std::uint64_t to, std::uint64_t sub_tree, bool merge, Pending& p,
                       std::optional<std::vector<TreeNode>>& out) {
    if (from == 0) out.emplace();
    for (flat::Iterator ite(0); ite.full_root(to); ite.next_tree()) {
      if (ite.index() + ite.factor() / 2 < from) continue;  // the requester has it
      if (!out && from > 0 && ite.contains(from - 2)) {
        // Connect the requester's last root up to this one.
        out.emplace();
        const std::uint64_t root = ite.index(), target = from - 2;
        ite.seek(target);
        for (int steps = 0; ite.index() != root; steps++) {
          if (steps >= kMaxSteps) return Errc::invalid_operation;
          ite.sibling();
          if (ite.index() > target) {
            if (merge && !p.node && !p.seek && ite.contains(sub_tree)) {
              HC_CHECK(block_and_seek_proof(node, seek, sub_tree, ite.index(), p));
            } else {
              HC_CHECK(push(*out, ite.index()));
            }
          }
          ite.parent();
        }
        continue;
      }
      if (!out) out.emplace();
      if (merge && !p.node && !p.seek && ite.contains(sub_tree)) {
        HC_CHECK(block_and_seek_proof(node, seek, sub_tree, ite.index(), p));
        continue;
      }
      HC_CHECK(push(*out, ite.index()));
    }
    return {};
  }

  // Finds the node holding byte `bytes` below `root`, trusting that it is there.
  Result<std::uint64_t> seek_trusted_tree(std::uint64_t root, std::int64_t bytes,
                                          std::uint64_t padding) {
    if (!bytes) return root;
    flat::Iterator ite(root);
    for (int steps = 0; ite.index() & 1; steps++) {
      if (steps >= kMaxSteps) return Errc::invalid_operation;
      HC_TRY(std::optional<TreeNode> left, reader_.get_node(ite.left_child()));
      if (!left) {
        ite.parent();
        return ite.index();
      }
      HC_TRY(std::int64_t size, unpadded_size(*left, padding));
      if (size == bytes) return ite.index();
      if (size > bytes) continue;
      bytes -= size;
      ite.sibling();
    }
    return ite.index();
  }

  Result<std::uint64_t> seek_from_head(std::uint64_t head, std::int64_t bytes,
                                       std::uint64_t padding) {
    for (auto root : flat::full_roots(head)) {
      HC_TRY(TreeNode node, require_node(reader_, root));
      HC_TRY(std::int64_t size, unpadded_size(node, padding));
      if (bytes == size) return root;
      if (bytes > size) {
        bytes -= size;
        continue;
      }
      return seek_trusted_tree(root, bytes, padding);
    }
    return head;
  }

  Result<std::uint64_t> seek_untrusted_tree(std::uint64_t root, std::int64_t bytes,
                                            std::uint64_t padding) {
    // hypercore@11.37.1 getByteOffsetBatch pushes the size of each whole root
    // left of `root` as a number, then sums `.size` over them: the offset is
    // NaN, every test below is false and seekTrustedTree(root, NaN) returns
    // `root`. So Node ignores a seek below any root but the first (no seek
    // nodes, never "Invalid seek"); do the same, for the same answer.
    if (flat::left_span(root) > flat::right_span(tree_.roots.front().index)) return root;
    HC_TRY(std::uint64_t unpadded, byte_offset(reader_, tree_, root));
    std::int64_t offset = static_cast<std::int64_t>(unpadded);
    const std::uint64_t leaves_before = flat::left_span(root) / 2;
    if (padding && leaves_before) {
      if (padding > encoding::kMaxSafeInteger / leaves_before) return Errc::invalid_operation;
      offset -= static_cast<std::int64_t>(padding * leaves_before);
    }
    if (offset > bytes) return Errc::invalid_operation;
    if (offset == bytes) return root;
    bytes -= offset;
    HC_TRY(TreeNode node, require_node(reader_, root));
    HC_TRY(std::int64_t size, unpadded_size(node, padding));
    if (size <= bytes) return Errc::invalid_operation;
    return seek_trusted_tree(root, bytes, padding);
  }

 private:
  NodeReader& reader_;
  const TreeState& tree_;
};

}  // namespace

Result<Proof> make_proof(NodeReader& reader, const TreeState& tree, const ProofRequest& request,
                         const std::optional<Prologue>& prologue) {
  Proof proof;
  proof.request = request.id;
  proof.fork = tree.fork;

  std::optional<ProofRequest::Upgrade> upgrade = request.upgrade;
  if (prologue && upgrade) {
    // Prologue cores prove the whole prologue at once.
    if (upgrade->start < prologue->length) {
      upgrade->start = 0;
      upgrade->length = prologue->length;
    }
  }

  const std::uint64_t head = 2 * tree.length;
  if (head == 0) return proof;  // nothing to prove from an empty tree
  const std::uint64_t from = upgrade ? 2 * upgrade->start : 0;
  const std::uint64_t to = upgrade ? from + 2 * upgrade->length : head;
  const std::optional<Target> node = normalize(request);
  const auto& seek = request.seek;

  if (from >= to || to > head) return Errc::invalid_operation;
  if (seek && upgrade && node && node->index >= from) return Errc::invalid_operation;
  if (seek && seek->bytes > encoding::kMaxSafeInteger) return Errc::invalid_operation;

  Maker maker(reader, tree);
  Pending p;
  std::uint64_t sub_tree = head;

  if (node && (!upgrade || node->last < upgrade->start)) {
    // nodesToRoot: climb `nodes` levels, never up to a node that contains `to`.
    if (node->nodes > 64) return Errc::invalid_operation;
    flat::Iterator ite(node->index);
    for (std::uint64_t i = 0; i < node->nodes; i++) {
      ite.parent();
      if (ite.contains(to)) return Errc::invalid_operation;
    }
    sub_tree = ite.index();
    std::uint64_t seek_root = head;
    if (seek) {
      HC_TRY(seek_root, maker.seek_untrusted_tree(sub_tree, static_cast<std::int64_t>(seek->bytes),
                                                  seek->padding));
    }
    HC_CHECK(maker.block_and_seek_proof(node, seek.has_value(), seek_root, sub_tree, p));
  } else if ((node || seek) && upgrade) {
    if (seek) {
      HC_TRY(sub_tree,
             maker.seek_from_head(to, static_cast<std::int64_t>(seek->bytes), seek->padding));
    } else {
      sub_tree = node->index;
    }
  }

  if (upgrade) {
    HC_CHECK(maker.upgrade_proof(node, seek.has_value(), from, to, sub_tree, true, p, p.upgrade));
    if (head > to) {
      HC_CHECK(maker.upgrade_proof(std::nullopt, false, to, head, head, false, p, p.additional));
    }
  }

  if (request.block) {
    if (!p.node) return Errc::invalid_operation;
    proof.block = Proof::Block{request.block->index, {}, std::move(*p.node)};
  } else if (request.hash) {
    if (!p.node) return Errc::invalid_operation;
    proof.hash = Proof::Hash{request.hash->index, std::move(*p.node)};
  }
  if (seek && p.seek) proof.seek = Proof::Seek{seek->bytes, std::move(*p.seek)};
  if (upgrade) {
    Proof::Upgrade u;
    u.start = upgrade->start;
    u.length = upgrade->length;
    if (p.upgrade) u.nodes = std::move(*p.upgrade);
    if (p.additional) u.additional_nodes = std::move(*p.additional);
    u.signature = tree.signature;
    proof.upgrade = std::move(u);
  }
  return proof;
}

}  // namespace hc::core
