#include "core.hpp"

#include <algorithm>

#include "crypto/hash.hpp"
#include "errors.hpp"
#include "proof_make.hpp"
#include "proof_verify.hpp"

namespace hc::core {

// Tree nodes of this core, read from storage.
class Core::Nodes final : public NodeReader {
 public:
  Nodes(Storage& s, CoreId id) : s_(s), id_(id) {}
  Result<std::optional<TreeNode>> get_node(std::uint64_t index) override {
    return s_.get_node(id_, index);
  }

 private:
  Storage& s_;
  CoreId id_;
};

Core::Core(Storage& storage, CoreRecord record) : storage_(storage), record_(std::move(record)) {}

bool Core::compat() const {
  return !record_.manifest || is_compat(record_.key, *record_.manifest);
}

Result<std::unique_ptr<Core>> Core::create(Storage& storage, const CreateOptions& options) {
  if (!crypto::validate_key_pair(options.key_pair)) return Errc::bad_argument;
  Manifest manifest = options.manifest ? *options.manifest
                                       : default_signer_manifest(options.key_pair.public_key);
  CoreRecord record;
  record.key = options.compat ? options.key_pair.public_key : manifest_hash(manifest);
  if (options.compat && !is_compat(record.key, manifest)) return Errc::bad_argument;
  const bool signer = std::any_of(manifest.signers.begin(), manifest.signers.end(),
                                  [&](const Signer& s) { return s.public_key == options.key_pair.public_key; });
  if (!signer) return Errc::bad_argument;  // it could never sign its tree
  record.discovery_key = crypto::discovery_key(record.key);
  record.name = options.name;
  record.manifest = manifest;
  record.secret_key = options.key_pair.secret_key;
  HC_TRY(record.id, storage.create_core(record));
  return std::unique_ptr<Core>(new Core(storage, std::move(record)));
}

Result<std::unique_ptr<Core>> Core::create_remote(Storage& storage, const Hash32& key) {
  CoreRecord record;
  record.key = key;
  record.discovery_key = crypto::discovery_key(key);
  HC_TRY(record.id, storage.create_core(record));
  return std::unique_ptr<Core>(new Core(storage, std::move(record)));
}

Result<std::unique_ptr<Core>> Core::open(Storage& storage, const CoreRecord& record) {
  // The header must describe a tree: its roots are exactly those of its length.
  const auto expected = flat::full_roots(2 * record.tree.length);
  if (expected.size() != record.tree.roots.size()) return Errc::storage_corrupt;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < expected.size(); i++) {
    if (record.tree.roots[i].index != expected[i]) return Errc::storage_corrupt;
    bytes += record.tree.roots[i].size;
  }
  if (bytes != record.tree.byte_length) return Errc::storage_corrupt;
  if (record.manifest && !is_compat(record.key, *record.manifest) &&
      manifest_hash(*record.manifest) != record.key) {
    return Errc::storage_corrupt;
  }
  std::unique_ptr<Core> core(new Core(storage, record));
  HC_CHECK(core->load_bitfield());
  return core;
}

Result<std::unique_ptr<Core>> Core::open(Storage& storage, const Hash32& key) {
  HC_TRY(std::optional<CoreRecord> record, storage.find_core(key));
  if (!record) return Errc::core_not_found;
  return open(storage, *record);
}

Status Core::load_bitfield() {
  HC_TRY(std::vector<BitfieldPage> pages, storage_.load_bitfield(record_.id));
  for (const auto& p : pages) {
    if (!bitfield_.load_page(p.index, p.bits)) return Errc::storage_corrupt;
  }
  contiguous_length_ = std::min(bitfield_.first_unset(0), record_.tree.length);
  return {};
}

Result<std::uint64_t> Core::append(std::span<const ByteView> blocks) {
  if (!writable()) return Errc::session_not_writable;
  if (blocks.empty()) return length();
  TreeBatch batch(record_.tree);
  for (auto b : blocks) batch.append(b);
  batch.state().signature.clear();  // signed when first needed (sign_head)

  const std::uint64_t old_length = length();
  CoreUpdate u;
  u.core = record_.id;
  u.nodes = std::move(batch.nodes());
  u.blocks.reserve(blocks.size());
  for (std::size_t i = 0; i < blocks.size(); i++) u.blocks.emplace_back(old_length + i, blocks[i]);
  bitfield_.set_range(old_length, blocks.size(), true);
  u.bitfield = bitfield_.take_dirty();
  u.tree = batch.state();
  if (auto st = storage_.write(std::span<const CoreUpdate>(&u, 1)); !st) {
    bitfield_.set_range(old_length, blocks.size(), false);
    bitfield_.take_dirty();
    return st.error();
  }
  record_.tree = std::move(*u.tree);
  if (contiguous_length_ == old_length) contiguous_length_ = bitfield_.first_unset(old_length);
  if (events_.on_append) events_.on_append(old_length, length());
  return length();
}

Result<Bytes> Core::get(std::uint64_t index) {
  if (index >= length() || !bitfield_.get(index)) return Errc::block_not_available;
  HC_TRY(std::optional<Bytes> block, storage_.get_block(record_.id, index));
  if (!block) return Errc::storage_corrupt;  // the bitfield said we had it
  return std::move(*block);
}

Result<TreeNode> Core::get_node(std::uint64_t index) {
  HC_TRY(std::optional<TreeNode> node, storage_.get_node(record_.id, index));
  if (!node) return Errc::block_not_available;
  return *node;
}

Status Core::truncate(std::uint64_t new_length, std::optional<std::uint64_t> fork) {
  if (!writable()) return Errc::session_not_writable;
  if (new_length > length()) return Errc::bad_argument;
  Nodes nodes(storage_, record_.id);
  TreeState next;
  next.fork = fork ? *fork : record_.tree.fork + 1;
  next.length = new_length;
  HC_TRY(next.roots, roots_at(nodes, new_length));
  for (const auto& r : next.roots) next.byte_length += r.size;

  const Verifier verifier(record_.key, *record_.manifest);
  if (new_length > 0 || !record_.manifest->prologue) {
    HC_TRY(next.signature, verifier.sign(next.signed_tree(), key_pair()));
  }

  const std::uint64_t old_length = length();
  CoreUpdate u;
  u.core = record_.id;
  // Like _commitUpgrade, delete only on a real cut: truncating to the same
  // length just re-signs at the new fork and keeps every stored node.
  if (new_length < old_length) {
    u.truncate = new_length;
    bitfield_.set_range(new_length, old_length - new_length, false);
  }
  u.bitfield = bitfield_.take_dirty();
  u.tree = next;
  if (auto st = storage_.write(std::span<const CoreUpdate>(&u, 1)); !st) {
    // Reload the bits we cleared: the write did not happen.
    bitfield_ = Bitfield();
    (void)load_bitfield();
    return st.error();
  }
  record_.tree = std::move(next);
  contiguous_length_ = std::min(contiguous_length_, new_length);
  note_truncation(new_length, record_.tree.fork);
  if (events_.on_truncate) events_.on_truncate(new_length, record_.tree.fork);
  return {};
}

void Core::note_truncation(std::uint64_t length, std::uint64_t fork) {
  if (truncations_.size() == kMaxTruncations) {
    // Merge the two oldest: lower than the truth for the fork between them.
    truncations_[1].length = std::min(truncations_[0].length, truncations_[1].length);
    truncations_.erase(truncations_.begin());
  }
  truncations_.push_back({fork, length});
}

std::optional<std::uint64_t> Core::truncated_since(std::uint64_t fork) const {
  std::optional<std::uint64_t> lowest;
  for (const auto& t : truncations_) {
    if (t.fork <= fork) continue;
    lowest = lowest ? std::min(*lowest, t.length) : t.length;
  }
  return lowest;
}

crypto::KeyPair Core::key_pair() const {
  crypto::KeyPair kp;
  kp.secret_key = *record_.secret_key;
  std::copy(kp.secret_key.begin() + 32, kp.secret_key.end(), kp.public_key.begin());
  return kp;
}

void Core::sign_head() const {
  TreeState& tree = record_.tree;
  if (!tree.signature.empty() || !writable() || tree.length == 0) return;
  const auto& prologue = record_.manifest->prologue;
  if (prologue && tree.length <= prologue->length) return;  // proven by the prologue
  auto sig = Verifier(record_.key, *record_.manifest).sign(tree.signed_tree(), key_pair());
  if (sig) tree.signature = std::move(*sig);  // fails only if we are not a signer
}

const Bytes& Core::signature() const {
  sign_head();
  return record_.tree.signature;
}

Result<std::uint64_t> Core::missing_nodes(std::uint64_t index) {
  const std::uint64_t head = 2 * length();
  flat::Iterator ite(index);
  if (ite.right_span() >= head) return std::uint64_t{0};
  std::uint64_t count = 0;
  while (!ite.contains(head)) {
    HC_TRY(std::optional<TreeNode> node, storage_.get_node(record_.id, ite.index()));
    if (node) break;
    if (++count >= 1024) return Errc::invalid_operation;
    ite.parent();
  }
  return count;
}

bool Core::can_upgrade_from(std::uint64_t remote_length) {
  if (remote_length == 0) return true;
  if (remote_length >= length()) return false;
  Nodes nodes(storage_, record_.id);
  return roots_at(nodes, remote_length).ok();
}

Result<Proof> Core::proof(const ProofRequest& request) {
  Nodes nodes(storage_, record_.id);
  // Like the replicator's _handleRequest, nothing is answered for another
  // fork, whatever is asked.
  if (request.fork != fork() || (request.block && !has(request.block->index))) {
    return Errc::block_not_available;
  }
  const std::optional<Prologue> prologue =
      record_.manifest ? record_.manifest->prologue : std::nullopt;
  if (request.upgrade) sign_head();
  HC_TRY(Proof p, make_proof(nodes, record_.tree, request, prologue));
  if (p.block) {
    HC_TRY(std::optional<Bytes> value, storage_.get_block(record_.id, p.block->index));
    if (!value) return Errc::block_not_available;
    p.block->value = std::move(*value);
  }
  if (request.manifest && !compat()) p.manifest = record_.manifest;
  return p;
}

Result<Verifier> Core::verifier_for(const std::optional<Manifest>& offered) const {
  if (record_.manifest) return Verifier(record_.key, *record_.manifest);
  // A reader that has not learned the manifest: take the offered one if it is
  // this core's, else assume the compat default (key = public key).
  Manifest m = offered ? *offered : default_signer_manifest(record_.key);
  if (manifest_hash(m) != record_.key && !is_compat(record_.key, m)) {
    return Errc::invalid_manifest;
  }
  return Verifier(record_.key, m);
}

Result<Core::VerifyResult> Core::verify(const Proof& proof) {
  drop_stale_reorg();
  if (proof.fork > fork()) return verify_newer_fork(proof);
  if (proof.fork != fork()) return Errc::fork_mismatch;
  const std::optional<Prologue> prologue =
      record_.manifest ? record_.manifest->prologue : std::nullopt;
  HC_TRY(TreeVerification v, verify_proof_tree(record_.tree, proof, prologue));

  VerifyResult result;
  CoreUpdate u;
  u.core = record_.id;
  std::optional<Manifest> learned;

  if (v.upgraded) {
    HC_TRY(Verifier verifier, verifier_for(proof.manifest));
    const TreeState& next = v.batch.state();
    if (!verifier.verify(next.signed_tree(), next.signature)) return Errc::invalid_signature;
    if (!record_.manifest) learned = verifier.manifest();
    if (next.length > length()) {
      result.upgraded = true;
      u.tree = next;
    } else {
      // Not newer than ours (a late answer): still signed for our fork, so its
      // nodes are good, unless they contradict ours — two signed trees of one
      // fork that disagree are refused.
      for (const auto& r : next.roots) {
        HC_TRY(std::optional<TreeNode> stored, storage_.get_node(record_.id, r.index));
        if (stored && stored->hash != r.hash) return Errc::invalid_proof;
      }
    }
  } else if (proof.manifest && !record_.manifest) {
    // A manifest with no upgrade (the answer to a manifest-only request) is
    // kept when it is this core's, as core.js _verifyShared does.
    if (manifest_hash(*proof.manifest) != record_.key) return Errc::invalid_manifest;
    learned = *proof.manifest;
  }
  if (v.unverified) {
    HC_TRY(std::optional<TreeNode> stored, storage_.get_node(record_.id, v.unverified->index));
    if (!stored) return Errc::invalid_operation;
    if (stored->hash != v.unverified->hash) return Errc::invalid_checksum;
    // A received node (a hash or seek proof with no siblings) is stored as
    // sent, but only its hash was checked: its size must match too. (Node
    // compares hashes only and would overwrite the node with a wrong size.)
    if (stored->size != v.unverified->size) return Errc::invalid_checksum;
  }

  u.nodes = std::move(v.tree_nodes);
  u.nodes.insert(u.nodes.end(), v.batch.nodes().begin(), v.batch.nodes().end());
  const std::uint64_t new_length = u.tree ? u.tree->length : length();
  if (proof.block && proof.block->index < new_length && !has(proof.block->index)) {
    u.blocks.emplace_back(proof.block->index, proof.block->value);
    bitfield_.set(proof.block->index, true);
    result.block = proof.block->index;
  }
  u.bitfield = bitfield_.take_dirty();
  if (learned) u.manifest = learned;

  if (auto st = storage_.write(std::span<const CoreUpdate>(&u, 1)); !st) {
    if (result.block) {
      bitfield_.set(*result.block, false);
      bitfield_.take_dirty();
    }
    return st.error();
  }
  const std::uint64_t old_length = length();
  if (u.tree) record_.tree = std::move(*u.tree);
  if (learned) record_.manifest = std::move(learned);
  contiguous_length_ = std::min(bitfield_.first_unset(contiguous_length_), length());
  if (result.upgraded && events_.on_append) events_.on_append(old_length, length());
  if (result.block && events_.on_download) events_.on_download(*result.block);
  return result;
}

void Core::drop_stale_reorg() {
  if (!reorg_) return;
  const Reorg& r = reorg_->reorg;
  if (r.base_fork() != fork() || r.base_length() != length() || r.base_hash() != tree_hash()) {
    reorg_.reset();
  }
}

std::optional<Core::ReorgWant> Core::reorg_want() {
  drop_stale_reorg();
  if (!reorg_ || !reorg_->reorg.want()) return std::nullopt;
  return ReorgWant{reorg_->reorg.fork(), *reorg_->reorg.want()};
}

Result<Core::VerifyResult> Core::verify_newer_fork(const Proof& proof) {
  Nodes nodes(storage_, record_.id);
  if (proof.upgrade && proof.upgrade->start == 0) {
    // A fork proof. One for an older fork than the reorg under way is late.
    if (reorg_ && reorg_->reorg.fork() > proof.fork) return Errc::fork_mismatch;
    const std::optional<Prologue> prologue =
        record_.manifest ? record_.manifest->prologue : std::nullopt;
    HC_TRY(Reorg reorg, Reorg::start(record_.tree, proof, nodes, prologue));
    HC_TRY(Verifier verifier, verifier_for(proof.manifest));
    const TreeState& next = reorg.tree();
    if (!verifier.verify(next.signed_tree(), next.signature)) return Errc::invalid_signature;
    std::optional<Manifest> learned;
    if (!record_.manifest) learned = verifier.manifest();
    reorg_ = PendingReorg{std::move(reorg), std::move(learned)};
  } else if (reorg_ && reorg_->reorg.fork() == proof.fork && !reorg_->reorg.finished() &&
             !proof.upgrade && (proof.hash || proof.block)) {
    HC_CHECK(reorg_->reorg.update(proof, nodes));
  } else {
    return Errc::fork_mismatch;
  }

  VerifyResult result;
  if (!reorg_->reorg.finished()) return result;
  PendingReorg done = std::move(*reorg_);
  reorg_.reset();
  HC_CHECK(apply_reorg(done.reorg, done.learned));
  result.reorged = true;
  result.upgraded = length() > done.reorg.ancestors();
  return result;
}

Status Core::apply_reorg(const Reorg& reorg, const std::optional<Manifest>& learned) {
  const std::uint64_t old_length = length();
  const std::uint64_t ancestors = reorg.ancestors();
  CoreUpdate u;
  u.core = record_.id;
  // As _commitUpgrade: blocks and nodes past the common ancestor go, then
  // the new tree's verified nodes come in, in the same transaction.
  if (ancestors < old_length) {
    u.truncate = ancestors;
    bitfield_.set_range(ancestors, old_length - ancestors, false);
  }
  u.nodes = reorg.nodes();
  u.bitfield = bitfield_.take_dirty();
  u.tree = reorg.tree();
  if (learned) u.manifest = learned;
  if (auto st = storage_.write(std::span<const CoreUpdate>(&u, 1)); !st) {
    bitfield_ = Bitfield();
    (void)load_bitfield();
    return st.error();
  }
  record_.tree = reorg.tree();
  if (learned) record_.manifest = learned;
  contiguous_length_ = std::min({contiguous_length_, ancestors, length()});
  note_truncation(ancestors, fork());
  if (events_.on_truncate) events_.on_truncate(ancestors, fork());
  if (length() > ancestors && events_.on_append) events_.on_append(ancestors, length());
  return {};
}

}  // namespace hc::core
