// A Hypercore: a signed, Merkle-verified append-only log, as hypercore@11.37.1
// lib/core.js and index.js (append, get, truncate, proofs, verify).
//
// A Core owns its in-memory header (tree state, bitfield) and reads and writes
// everything else through Storage. Every change is one Storage::write(): the
// call returns only after it committed, so a returned length is durable.
// Not thread-safe: one thread owns a Core. The Storage must outlive it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bitfield.hpp"
#include "crypto/sign.hpp"
#include "merkle_tree.hpp"
#include "proof.hpp"
#include "reorg.hpp"
#include "storage.hpp"
#include "verifier.hpp"

namespace hc::core {

class Core {
 public:
  struct CreateOptions {
    crypto::KeyPair key_pair;
    bool compat = false;                // key = public key (Hypercore 10 style)
    std::optional<Manifest> manifest;   // default: one ed25519 signer, the key pair
    std::optional<std::string> name;    // a local name to find it by
  };

  // What verify() did with a proof from a peer.
  struct VerifyResult {
    bool upgraded = false;                 // the core grew to a newer signed length
    std::optional<std::uint64_t> block;    // a block that was stored
    bool reorged = false;                  // the core moved to a newer fork
  };

  // A reorg under way (see verify): what it needs next.
  struct ReorgWant {
    std::uint64_t fork = 0;  // ask the peer on this fork
    Reorg::Want want;
    bool operator==(const ReorgWant&) const = default;
  };

  // Events for layers above (replication, subscriptions): called after commit.
  struct Events {
    std::function<void(std::uint64_t old_length, std::uint64_t new_length)> on_append;
    std::function<void(std::uint64_t new_length, std::uint64_t fork)> on_truncate;
    std::function<void(std::uint64_t index)> on_download;
  };

  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // A new writable core.
  static Result<std::unique_ptr<Core>> create(Storage& storage, const CreateOptions& options);
  // A new core known only by its key: filled by verified remote data.
  static Result<std::unique_ptr<Core>> create_remote(Storage& storage, const Hash32& key);
  // An existing core; checks the record for consistency.
  static Result<std::unique_ptr<Core>> open(Storage& storage, const CoreRecord& record);
  static Result<std::unique_ptr<Core>> open(Storage& storage, const Hash32& key);

  CoreId id() const { return record_.id; }
  const Hash32& key() const { return record_.key; }
  const Hash32& discovery_key() const { return record_.discovery_key; }
  const std::optional<std::string>& name() const { return record_.name; }
  const std::optional<Manifest>& manifest() const { return record_.manifest; }
  bool writable() const { return record_.secret_key.has_value(); }
  bool compat() const;
  // The current tree; its signature is empty while a writable head is unsigned.
  const TreeState& tree() const { return record_.tree; }
  std::uint64_t length() const { return record_.tree.length; }
  std::uint64_t byte_length() const { return record_.tree.byte_length; }
  std::uint64_t fork() const { return record_.tree.fork; }
  // The signature of the current tree. Appends do not wait for it: a writable
  // core signs its head when the signature is first needed (here, or for a
  // proof), so a burst of appends costs one signature, and an acknowledged
  // append is durable whether or not its head was signed (it can always be
  // signed again from the stored tree and the secret key).
  const Bytes& signature() const;
  Hash32 tree_hash() const { return record_.tree.hash(); }
  // Blocks [0, n) are all stored locally.
  std::uint64_t contiguous_length() const { return contiguous_length_; }
  bool has(std::uint64_t index) const { return bitfield_.get(index); }
  const Bitfield& bitfield() const { return bitfield_; }
  Events& events() { return events_; }

  // Appends blocks in one transaction; returns the new length.
  Result<std::uint64_t> append(std::span<const ByteView> blocks);
  Result<std::uint64_t> append(ByteView block) { return append(std::span<const ByteView>(&block, 1)); }
  // block_not_available if it is not stored locally.
  Result<Bytes> get(std::uint64_t index);
  Result<TreeNode> get_node(std::uint64_t index);
  // Truncates to `length` and moves to `fork` (default: fork + 1), re-signed.
  Status truncate(std::uint64_t length, std::optional<std::uint64_t> fork = std::nullopt);

  // How many tree levels above `index` (a tree index) a proof for it must
  // carry for this core to verify it: the `nodes` of a request (missingNodes).
  Result<std::uint64_t> missing_nodes(std::uint64_t index);

  // Whether this core can prove an upgrade from `remote_length` to its own
  // length (the sync message's canUpgrade; MerkleTree.upgradeable): always
  // from 0, never from its own length or beyond, else when it holds the roots
  // of `remote_length`.
  bool can_upgrade_from(std::uint64_t remote_length);

  // The answer to a peer's request, with the block value and, for non-compat
  // cores when asked, the manifest. block_not_available when the block is missing
  // or the request is for another fork.
  Result<Proof> proof(const ProofRequest& request);
  // Verifies a peer's proof against the signed tree and stores what it proves.
  // Nothing unverified is stored. Data for an older fork is fork_mismatch.
  //
  // Data for a newer fork is a reorg (replicator.js _onreorgdata): a fork
  // proof (an upgrade from 0) is checked against the manifest and starts one;
  // while reorg_want() is set, hash proofs of that fork narrow down where the
  // trees diverge. When that is known, the core truncates to the common
  // ancestor and adopts the new tree in one write, fires on_truncate(ancestor,
  // fork) and then on_append for the new fork's growth, and the result says
  // reorged. A fork proof for an older fork than the reorg under way, or a
  // hash proof with no reorg of its fork under way, is fork_mismatch.
  Result<VerifyResult> verify(const Proof& proof);
  // The hash proof the reorg under way needs, if any.
  std::optional<ReorgWant> reorg_want();

  // The lowest length this core was truncated to (by truncate() or a reorg)
  // at a fork newer than `fork`, since this Core was opened; nullopt if none.
  // May be lower than the truth for old forks (the record is bounded), never
  // higher: a follower that resumes from it skips nothing.
  std::optional<std::uint64_t> truncated_since(std::uint64_t fork) const;

 private:
  class Nodes;
  Core(Storage& storage, CoreRecord record);
  Status load_bitfield();
  Result<Verifier> verifier_for(const std::optional<Manifest>& offered) const;
  crypto::KeyPair key_pair() const;
  // Signs the head if this writable core has not signed it yet.
  void sign_head() const;
  Result<VerifyResult> verify_newer_fork(const Proof& proof);
  // Drops the reorg under way if our tree changed since it started.
  void drop_stale_reorg();
  Status apply_reorg(const Reorg& reorg, const std::optional<Manifest>& learned);
  void note_truncation(std::uint64_t length, std::uint64_t fork);

  struct PendingReorg {
    Reorg reorg;
    std::optional<Manifest> learned;  // the manifest its proof taught us
  };
  struct Truncation {
    std::uint64_t fork = 0;
    std::uint64_t length = 0;
  };
  static constexpr std::size_t kMaxTruncations = 64;

  Storage& storage_;
  // Mutable only so that const signature() can sign the head lazily.
  mutable CoreRecord record_;
  Bitfield bitfield_;
  std::uint64_t contiguous_length_ = 0;
  Events events_;
  std::optional<PendingReorg> reorg_;
  std::vector<Truncation> truncations_;  // oldest first, forks increasing
};

}  // namespace hc::core
