#include "core_channel.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/errors.hpp"
#include "core/flat_tree.hpp"

namespace hc::wire {
namespace {

// Bits per bitfield message when answering a want: 4 KiB of words, so an
// answer for a big range goes in pieces.
constexpr std::uint64_t kBitfieldChunkBits = 32 * 1024;
// Node ignores wants longer than its want batch (lib/wants.js, 2^21 blocks),
// which also bounds the work one want can cost us. We ask in such batches too.
constexpr std::uint64_t kMaxWantLength = std::uint64_t{1} << 21;
// How far past the first missing block one update() looks for blocks to ask
// for, per request it may still send: bounds the work of each update.
constexpr std::uint64_t kScanPerSlot = 64;

}  // namespace

void CoreChannel::on_open() {
  opened_ = true;
  out_.cork();
  // Before the remote's sync we know nothing of it: Node starts with
  // canUpgrade true (an upgrade from 0 is always provable).
  can_upgrade_ = core_.can_upgrade_from(remote_length_);
  send_sync();
  send_contiguous_range();
  update();
  out_.uncork();
}

void CoreChannel::on_local_append(bool may_push) {
  if (!opened_) return;
  out_.cork();
  // on_request may have announced this length already (see there): then
  // only what changed below it is left to tell.
  if (core_.fork() != announced_fork_ || core_.length() != announced_length_) {
    announce();
  } else {
    send_contiguous_range();
  }
  if (may_push) push_head();
  out_.uncork();
}

void CoreChannel::push_head() {
  if (!remote_allow_push_ || !remote_downloading_ || core_.fork() != remote_fork_) return;
  // Only to a remote that holds all it announced (a follower that is caught
  // up, or was by our last push): one that is still downloading asks for
  // what it lacks, and would drop a push proven from another length.
  const std::uint64_t pushed = pushed_fork_ == core_.fork() ? pushed_length_ : 0;
  const std::uint64_t from = std::max(remote_length_, pushed);
  if (from >= core_.length() || remote_contiguous_ < remote_length_) return;
  Request r;
  r.fork = core_.fork();
  r.block = core::ProofRequest::Indexed{from, 0};  // past the remote's tree: no nodes
  r.upgrade = core::ProofRequest::Upgrade{from, core_.length() - from};
  r.manifest = remote_length_ == 0;  // as Node's push
  auto proof = core_.proof(r);
  if (!proof) return;  // nothing to push after all; the sync still tells the remote
  Data data = std::move(*proof);
  data.request = 0;
  data.fork = r.fork;
  note_pushed(core_.length());
  out_.send(data);
}

void CoreChannel::note_pushed(std::uint64_t length) {
  if (pushed_fork_ != core_.fork()) {
    pushed_fork_ = core_.fork();
    pushed_length_ = 0;
  }
  pushed_length_ = std::max(pushed_length_, length);
}

void CoreChannel::announce() {
  if (core_.fork() != announced_fork_) {
    // A new fork: what we told the remote we have past the cut is gone
    // (Node's ontruncate: onhave(drop), then the sync of the new fork).
    const std::uint64_t cut = std::min(core_.truncated_since(announced_fork_).value_or(0),
                                       announced_length_);
    if (announced_length_ > cut) {
      Range r;
      r.drop = true;
      r.start = cut;
      r.length = announced_length_ - cut;
      out_.send(r);
    }
    range_signaled_ = std::min(range_signaled_, cut);
  }
  can_upgrade_ = core_.can_upgrade_from(remote_length_);
  send_sync();
  send_contiguous_range();
}

Status CoreChannel::on_message(const Message& message) {
  return std::visit(
      [this](const auto& m) -> Status {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Sync>) {
          on_sync(m);
        } else if constexpr (std::is_same_v<T, Request>) {
          return on_request(m);
        } else if constexpr (std::is_same_v<T, Want>) {
          on_want(m);
        } else if constexpr (std::is_same_v<T, Range>) {
          on_range(m);
        } else if constexpr (std::is_same_v<T, Bitfield>) {
          on_bitfield(m);
        } else if constexpr (std::is_same_v<T, Data>) {
          return on_data(m);
        } else if constexpr (std::is_same_v<T, NoData>) {
          on_no_data(m);
        } else if constexpr (std::is_same_v<T, Cancel>) {
          // One still queued is not answered (Node drops it too); an
          // answered one is past recall.
          std::erase_if(queued_, [&](const Request& r) { return r.id == m.request; });
        }
        // unwant, extension: nothing to do.
        return {};
      },
      message);
}

void CoreChannel::send_sync() {
  const bool same_fork = core_.fork() == remote_fork_;
  Sync s;
  s.fork = core_.fork();
  s.length = core_.length();
  s.remote_length = same_fork ? remote_length_ : 0;
  s.can_upgrade = same_fork && can_upgrade_;
  s.uploading = true;
  // A Node peer closes the channel when neither side is downloading.
  s.downloading = options_.download;
  // Without it a Node reader never asks for the manifest and cannot verify.
  s.has_manifest = core_.manifest().has_value() && !core_.compat();
  s.allow_push = options_.download && options_.allow_push;
  announced_fork_ = s.fork;
  announced_length_ = s.length;
  out_.send(s);
}

void CoreChannel::send_contiguous_range() {
  const std::uint64_t contig = std::min(core_.contiguous_length(), core_.length());
  if (contig == 0 || contig <= range_signaled_) return;
  range_signaled_ = contig;
  // The remote has them already: nothing to tell, unless we just became
  // fully contiguous, which Node always tells (broadcastRange's force).
  if (remote_contiguous_ >= contig && contig < core_.length()) return;
  Range r;
  r.start = 0;
  r.length = contig;
  out_.send(r);
}

void CoreChannel::on_sync(const Sync& sync) {
  const bool length_changed = !remote_synced_ || sync.length != remote_length_;
  remote_synced_ = true;
  remote_fork_ = sync.fork;
  remote_length_ = sync.length;
  remote_downloading_ = sync.downloading;
  remote_can_upgrade_ = sync.can_upgrade;
  remote_has_manifest_ = sync.has_manifest;
  remote_allow_push_ = sync.allow_push;
  reasked_moved_ = false;
  length_acked_ = sync.fork == core_.fork() ? sync.remote_length : 0;
  if (length_changed) can_upgrade_ = core_.can_upgrade_from(remote_length_);
  out_.cork();
  // The remote is behind: tell it (again) what we have, with canUpgrade for
  // its length, so that a Node reader asks for the upgrade.
  if (core_.fork() == remote_fork_ && core_.length() > remote_length_) send_sync();
  update();
  out_.uncork();
}

Status CoreChannel::on_request(const Request& request) {
  if (options_.queue_requests) {
    queued_.push_back(request);
    return {};
  }
  auto answered = answer(request);
  if (!answered) return answered.error();
  return {};
}

Result<std::size_t> CoreChannel::answer_queued() {
  const Request request = std::move(queued_.front());
  queued_.pop_front();
  return answer(request);
}

Result<std::size_t> CoreChannel::answer(const Request& request) {
  out_.cork();
  // An upgrade proof takes the remote to our length now (Core::proof signs
  // the head), which may be past the length of our last sync when the core
  // grew and on_local_append has not run yet. A Node peer that finds itself
  // longer than the length we announced does not simply sync its new length
  // back: it checks canUpgrade asynchronously, and drops that sync when one
  // of ours arrives meanwhile (replicator.js _updateCanUpgradeAndSync). We
  // then never learn its length, every sync of ours echoes a stale one, and
  // Node, which asks for an upgrade only when the echo is its own length,
  // stops following for good. So the sync of this length goes first: a
  // remote never gets a proof past the length we told it.
  if (opened_ && request.upgrade &&
      (core_.fork() != announced_fork_ || core_.length() != announced_length_)) {
    announce();
  }
  auto bytes = answer_request(request);
  out_.uncork();
  return bytes;
}

Result<std::size_t> CoreChannel::answer_request(const Request& request) {
  // What an answer holds besides a block: ids, a few nodes, a signature.
  constexpr std::size_t kAnswerBytes = 256;
  auto proof = core_.proof(request);
  if (proof) {
    Data data = std::move(*proof);
    data.request = request.id;
    data.fork = request.fork;
    if (data.upgrade && data.fork == core_.fork()) {
      note_pushed(data.upgrade->start + data.upgrade->length);
    }
    out_.send(data);
    return kAnswerBytes + (data.block ? data.block->value.size() : 0);
  }
  if (proof.error() == core::Errc::block_not_available) {
    // Nothing provable; a manifest asked for still gets an answer (Node's
    // _fulfillRequest does the same).
    if (request.manifest && core_.manifest()) {
      Data data;
      data.request = request.id;
      data.fork = core_.fork();
      data.manifest = core_.manifest();
      out_.send(data);
      return kAnswerBytes;
    }
    out_.send(NoData{request.id, NoData::kNotAvailable});
    return kAnswerBytes;
  }
  if (proof.error().category() != core::category()) return proof.error();  // storage
  // A request that refers to nodes that do not fit: the remote's mistake.
  out_.send(NoData{request.id, NoData::kInvalidRequest});
  if (++invalid_requests_ >= kMaxInvalidRequests) return core::Errc::invalid_operation;
  return kAnswerBytes;
}

void CoreChannel::on_want(const Want& want) {
  if (want.length > kMaxWantLength) return;
  const std::uint64_t length = core_.length();
  const std::uint64_t contig = std::min(core_.contiguous_length(), length);
  const std::uint64_t end = want.start + std::min(want.length, length - std::min(length, want.start));
  if (want.start + want.length < contig || length == contig || (want.any && want.start < contig)) {
    if (contig == 0) return;
    Range r;
    r.start = 0;
    r.length = contig;
    out_.send(r);
    return;
  }
  if (want.start >= length) return;
  if (want.any) {
    for (std::uint64_t i = want.start; i < end; i++) {
      if (!core_.has(i)) continue;
      Range r;
      r.start = i;
      r.length = 1;
      out_.send(r);
      return;
    }
    return;
  }
  // The words covering [start, end), in pieces.
  for (std::uint64_t from = want.start & ~std::uint64_t{31}; from < end; from += kBitfieldChunkBits) {
    const std::uint64_t to = std::min(end, from + kBitfieldChunkBits);
    Bitfield b;
    b.start = from;
    b.bitfield.assign((to - from + 31) / 32, 0);
    for (std::uint64_t i = from; i < to; i++) {
      if (core_.has(i)) b.bitfield[(i - from) / 32] |= std::uint32_t{1} << ((i - from) % 32);
    }
    out_.send(b);
  }
}

void CoreChannel::on_range(const Range& range) {
  const std::uint64_t end = range.start + range.length;
  if (range.drop) {
    if (range.start < remote_contiguous_) remote_contiguous_ = range.start;
  } else if (range.start <= remote_contiguous_ && end > remote_contiguous_) {
    // Contiguous from 0, or extending what was contiguous.
    remote_contiguous_ = end;
  }
  // Sparse ranges are kept only within our length: beyond it nothing can be
  // requested yet, and a claim of 2^53 blocks must not cost 2^53 bits.
  const std::uint64_t clamp = std::min(end, core_.length());
  if (range.start < clamp) remote_bits_.set_range(range.start, clamp - range.start, !range.drop);
  update();
}

void CoreChannel::on_bitfield(const Bitfield& bitfield) {
  // A bitfield is the truth for its range: what we believed contiguous may
  // have a hole there.
  if (bitfield.start < remote_contiguous_) remote_contiguous_ = bitfield.start;
  const std::uint64_t limit = core_.length();
  for (std::size_t w = 0; w < bitfield.bitfield.size(); w++) {
    const std::uint64_t base = bitfield.start + 32 * w;
    if (base >= limit) break;
    for (std::uint64_t b = 0; b < 32 && base + b < limit; b++) {
      remote_bits_.set(base + b, (bitfield.bitfield[w] >> b) & 1);
    }
  }
  update();
}

bool CoreChannel::remote_has(std::uint64_t index) const {
  return index < remote_contiguous_ || remote_bits_.get(index);
}

void CoreChannel::release() {
  if (held_ == 0 || --held_ > 0 || !update_due_) return;
  update_due_ = false;
  update();
}

void CoreChannel::update() {
  if (held_ > 0) {
    update_due_ = true;
    return;
  }
  if (!options_.download || !opened_ || !remote_synced_) return;
  if (remote_fork_ > core_.fork()) {
    out_.cork();
    request_fork();
    out_.uncork();
    return;
  }
  // An older fork: nothing it has is ours; it follows ours, or not.
  if (core_.fork() != remote_fork_) return;
  out_.cork();
  // An upgrade as soon as the remote can prove one from our length (Node is
  // as eager: _shouldUpgrade, eagerUpgrade).
  if (!upgrade_inflight_ && remote_can_upgrade_ && remote_length_ > core_.length() &&
      length_acked_ == core_.length()) {
    Request r;
    r.id = next_request_id_++;
    r.fork = core_.fork();
    r.upgrade = core::ProofRequest::Upgrade{core_.length(), remote_length_ - core_.length()};
    r.manifest = !core_.manifest() && remote_has_manifest_;
    Inflight asked{true, 0};
    asked.upgrade_start = core_.length();
    // The first new block comes with the upgrade when the remote has it (a
    // live append then costs one round trip, not two). No nodes: the
    // block is past our tree, the upgrade proves its path. (Nothing past our
    // length is had or asked for yet: block requests stay below it.)
    const std::uint64_t first = core_.length();
    if (remote_has(first)) {
      r.block = core::ProofRequest::Indexed{first, 0};
      asked.block = first;
      asked.with_block = true;
      requested_.insert(first);
    }
    inflight_[r.id] = asked;
    upgrade_inflight_ = true;
    out_.send(r);
  }
  // Blocks we lack that the remote has, lowest first.
  const std::uint64_t length = core_.length();
  std::uint64_t budget = kScanPerSlot * options_.max_inflight;
  if (core_.fork() != scan_fork_) {
    scan_fork_ = core_.fork();
    scan_from_ = 0;  // a truncation may have dropped blocks we had
  }
  // Every block below scan_from_ is had or requested: with many requests in
  // flight, each answer would otherwise rescan all of them.
  bool settled = true;
  for (std::uint64_t i = std::max(core_.contiguous_length(), scan_from_); i < length && budget > 0;
       i++, budget--) {
    if (inflight_.size() >= options_.max_inflight) break;
    if (core_.has(i) || requested_.contains(i)) {
      if (settled) scan_from_ = i + 1;
      continue;
    }
    if (!remote_has(i)) {
      settled = false;
      // Ask once per batch which of them the remote has (range or bitfield).
      const std::uint64_t batch = i / kMaxWantLength;
      if (i >= remote_contiguous_ && wants_sent_.insert(batch).second) {
        out_.send(Want{batch * kMaxWantLength, kMaxWantLength, false});
      }
      continue;
    }
    Request r;
    r.id = next_request_id_++;
    r.fork = core_.fork();
    Inflight asked{false, i};
    r.block = core::ProofRequest::Indexed{i, request_nodes(i, asked)};
    inflight_[r.id] = std::move(asked);
    requested_.insert(i);
    if (settled) scan_from_ = i + 1;
    out_.send(r);
  }
  out_.uncork();
}

std::uint64_t CoreChannel::request_nodes(std::uint64_t block, Inflight& asked) {
  if (core_.fork() != promised_fork_) {
    // What the old fork's answers store is no use.
    promised_.clear();
    full_proof_.clear();
    promised_fork_ = core_.fork();
  }
  const bool may_rely = !full_proof_.erase(block);
  if (auto levels = may_rely ? levels_to_promised(block) : std::nullopt) {
    // Asked up to it without looking at what is stored below it: that costs
    // a lookup per level (most of them misses that reach SQLite), while a
    // node that was stored after all only comes again.
    asked.levels = *levels;
    asked.relies = true;
  } else {
    auto counted = core_.missing_nodes(2 * block);
    if (!counted) return 0;
    asked.levels = *counted;
  }
  asked.promises_fork = promised_fork_;
  for_each_promise(asked, [this](std::uint64_t node) { promised_[node]++; });
  return asked.levels;
}

template <class F>
void CoreChannel::for_each_promise(const Inflight& asked, F f) {
  // Verifying the answer stores the leaf, the nodes on its path below the
  // level asked for, and their siblings (the proof's nodes).
  core::flat::Iterator ite(2 * asked.block);
  for (std::uint64_t level = 0; level < asked.levels; level++, ite.parent()) {
    f(ite.index());
    f(core::flat::sibling(ite.index()));
  }
}

std::optional<std::uint64_t> CoreChannel::levels_to_promised(std::uint64_t block) const {
  const std::uint64_t head = 2 * core_.length();
  core::flat::Iterator ite(2 * block);
  if (ite.right_span() >= head) return std::nullopt;
  for (std::uint64_t level = 0; level <= kMaxLevelsToPromised && !ite.contains(head);
       level++, ite.parent()) {
    if (promised_.contains(ite.index())) return level;
  }
  return std::nullopt;
}

void CoreChannel::release_promises(const Inflight& asked) {
  if (asked.promises_fork != promised_fork_) return;  // cleared since
  for_each_promise(asked, [this](std::uint64_t node) {
    auto it = promised_.find(node);
    if (it != promised_.end() && --it->second == 0) promised_.erase(it);
  });
}

void CoreChannel::forget_request(std::uint64_t block) {
  requested_.erase(block);
  // Still missing (its answer did not store it): the next update looks
  // again. A stored one leaves the scan where it is, so that each answer
  // does not rescan every request still in flight.
  if (!core_.has(block)) scan_from_ = std::min(scan_from_, block);
}

void CoreChannel::request_fork() {
  if (fork_inflight_) return;
  Request r;
  r.fork = remote_fork_;
  const auto want = core_.reorg_want();
  if (want && want->fork > remote_fork_) return;  // a newer fork is being followed
  if (want && want->fork == remote_fork_) {
    // A hash proof of a block the remote has, in the range still in doubt.
    std::optional<std::uint64_t> index;
    for (std::uint64_t i = want->want.start; i < want->want.end; i++) {
      if (remote_has(i)) {
        index = i;
        break;
      }
    }
    if (!index) {
      // Ask which of them it has (range or bitfield), once per batch.
      const std::uint64_t batch = want->want.start / kMaxWantLength;
      if (wants_sent_.insert(batch).second) {
        out_.send(Want{batch * kMaxWantLength, kMaxWantLength, false});
      }
      return;
    }
    r.hash = core::ProofRequest::Indexed{2 * *index, want->want.nodes};
  } else {
    if (remote_length_ == 0) return;  // nothing to prove; its sync says all
    // The fork proof: the remote's whole tree, signed (_requestForkProof).
    r.upgrade = core::ProofRequest::Upgrade{0, remote_length_};
    r.manifest = !core_.manifest();
  }
  r.id = next_request_id_++;
  Inflight asked{false, 0, true};
  if (r.upgrade) asked.upgrade_start = r.upgrade->start;
  inflight_[r.id] = asked;
  fork_inflight_ = true;
  out_.send(r);
}

bool CoreChannel::answers(const Inflight& asked, const Data& data) {
  if (asked.with_block) {
    // Both, or it is no answer.
    return data.block && data.block->index == asked.block && data.upgrade && !data.hash &&
           !data.seek;
  }
  const bool block_request = !asked.upgrade && !asked.fork;
  if (block_request && (!data.block || data.block->index != asked.block)) return false;
  if (!block_request && data.block) return false;
  if (block_request && data.upgrade) return false;
  if (data.hash && !asked.fork) return false;
  return !data.seek;  // we never ask for one
}

bool CoreChannel::moved_upgrade(const Inflight& asked, const Data& data) {
  return (asked.upgrade || asked.fork) && data.upgrade && data.upgrade->start != asked.upgrade_start;
}

Status CoreChannel::on_data(const Data& data) {
  if (data.request == 0) return on_push(data);
  auto it = inflight_.find(data.request);
  // Data nobody asked for (a request already answered, or never made):
  // ignored, as Node does.
  if (it == inflight_.end()) return {};
  // Only the answer to what was asked (Node's _matchingRequest): a proof of
  // another block, say, counts as noData, and nothing of it is stored.
  if (!answers(it->second, data)) {
    on_no_data(NoData{data.request, NoData::kNotAvailable});
    return {};
  }
  // A Node uploader told that we allow pushes proves an upgrade from as far
  // as its pushes and answers on this connection took us (replicator.js
  // _handleRequest, "ensure contig push proofs"): from 0 at first, though
  // we asked from our length. Such a proof does not fit our tree, and is no
  // fault: it counts as noData and is asked again, once per remote sync,
  // which the remote then answers from our length.
  if (moved_upgrade(it->second, data)) {
    on_no_data(NoData{data.request, NoData::kNotAvailable});
    if (!reasked_moved_) {
      reasked_moved_ = true;
      remote_can_upgrade_ = true;
      update();
    }
    return {};
  }
  const Inflight asked = std::move(it->second);
  inflight_.erase(it);
  if (asked.fork) fork_inflight_ = false;
  else if (asked.upgrade) upgrade_inflight_ = false;

  const std::uint64_t old_fork = core_.fork();
  const std::uint64_t old_length = core_.length();
  const std::uint64_t old_contiguous = core_.contiguous_length();
  auto verified = core_.verify(data);
  release_promises(asked);
  if (!asked.fork && (!asked.upgrade || asked.with_block)) forget_request(asked.block);
  if (!verified) {
    // Another fork's data that is no use now (an answer from before a
    // truncation, a late fork proof); anything else is data that does not
    // verify, and nothing of it was stored.
    if (verified.error() == core::Errc::fork_mismatch) {
      update();
      return {};
    }
    // Its proof stops at a node that the answer it relied on has not stored
    // (not yet, or never): asked again with all the nodes it needs.
    if (asked.relies && verified.error() == core::Errc::invalid_operation) {
      full_proof_.insert(asked.block);
      update();
      return {};
    }
    return verified.error();
  }
  on_verified(old_fork, old_length, old_contiguous);
  return {};
}

Status CoreChannel::on_push(const Data& data) {
  if (!options_.download || !options_.allow_push || !opened_) return {};
  if (!data.upgrade || !data.block || data.hash || data.seek) return {};
  if (data.fork != core_.fork() || data.upgrade->start != core_.length() ||
      data.block->index < core_.length()) {
    return {};
  }
  const std::uint64_t old_fork = core_.fork();
  const std::uint64_t old_length = core_.length();
  const std::uint64_t old_contiguous = core_.contiguous_length();
  auto verified = core_.verify(data);
  if (!verified) return verified.error();
  on_verified(old_fork, old_length, old_contiguous);
  return {};
}

void CoreChannel::on_verified(std::uint64_t old_fork, std::uint64_t old_length,
                              std::uint64_t old_contiguous) {
  out_.cork();
  if (core_.fork() != old_fork || core_.length() != old_length) {
    announce();
  } else if (core_.contiguous_length() != old_contiguous) {
    // A downloaded block changes no length: no sync (Node sends none), and
    // a range only where the remote lacks what we now have.
    send_contiguous_range();
  }
  update();
  out_.uncork();
}

void CoreChannel::on_no_data(const NoData& no_data) {
  auto it = inflight_.find(no_data.request);
  if (it == inflight_.end()) return;
  const Inflight asked = std::move(it->second);
  inflight_.erase(it);
  release_promises(asked);
  if (asked.fork) {
    // Not again until the remote syncs again.
    fork_inflight_ = false;
    remote_can_upgrade_ = false;
    return;
  }
  if (asked.upgrade) {
    upgrade_inflight_ = false;
    // Not again until the remote syncs again.
    remote_can_upgrade_ = false;
    if (asked.with_block) forget_request(asked.block);
  } else {
    forget_request(asked.block);
    // The remote does not have it after all: not from this peer again.
    remote_bits_.set(asked.block, false);
    if (asked.block < remote_contiguous_) remote_contiguous_ = asked.block;
  }
  update();
}

}  // namespace hc::wire
