// One core on one replication connection: the hypercore/alpha channel's
// state machine above the message codecs (hypercore@11.37.1 lib/replicator.js
// Peer), without sockets or Protomux: messages in, messages out.
//
// As uploader it tells the remote what the core holds (sync, range), answers
// requests with proofs from Core::proof, answers wants with range or
// bitfield, and tracks what the remote says it has. As downloader (when
// Options::download is set) it asks for upgrades as soon as the remote can
// prove one, and for every block it lacks that the remote has, with up to
// Options::max_inflight requests in flight; every data message is verified by
// Core::verify before anything is stored, and data that does not verify is
// an error (the connection should close). Data nobody asked for is ignored,
// as Node does, with one exception: pushes (below).
//
// Pushes (hypercore's allowPush, replicator.js Peer.push): a downloader says
// allowPush in its sync; an uploader whose remote says so and holds all it
// announced sends each new head at once, as data with request id 0 (the
// first new block and the upgrade to our length, proven from the remote's
// length), right after the sync of that length. A live block then reaches a
// follower in one trip instead of three (sync, request, data). Only such a
// push is taken: an upgrade from exactly our length, of our fork, with a
// block past our length; it is verified like any answer (one that does not
// verify is an error). Other pushes are ignored. Node never pushes unless
// its application calls push(), and takes pushes only with allowPush set.
//
// Forks (replicator.js _updateFork, _requestForkProof, _requestForkRange):
// a downloader whose remote syncs a newer fork asks for its fork proof
// (upgrade from 0), then for the hash proofs Core::reorg_want() names, one
// request at a time, until the core has moved to that fork; then it downloads
// the new fork as usual. When the local core moves to a new fork (a local
// truncate, or a reorg) the channel tells the remote as Node does: range with
// drop for what it no longer has, then sync with the new fork.
//
// Sync rules (docs/protocol/hypercore.md §7.7, §10.13): remoteLength echoes
// the remote's length when the forks match; canUpgrade says whether we can
// prove an upgrade from that length; hasManifest for non-compat cores with a
// manifest; uploading always.
//
// Threads: one thread owns the channel, its Core and its Output. Lifetime:
// the Core and the Output must outlive the channel.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory_resource>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/bitfield.hpp"
#include "core/core.hpp"
#include "encoding/result.hpp"
#include "messages.hpp"

namespace hc::wire {

class CoreChannel {
 public:
  // Where the channel's messages go (a Protomux channel, or a test).
  class Output {
   public:
    virtual ~Output() = default;
    virtual void send(const Message& message) = 0;
    // Messages between cork() and uncork() may go out as one batch.
    virtual void cork() {}
    virtual void uncork() {}
  };

  // After this many requests that cannot be answered because they are
  // invalid, the remote is misbehaving: on_message fails (Node: 64).
  static constexpr std::uint64_t kMaxInvalidRequests = 64;

  struct Options {
    bool download = false;            // fetch everything the remote has, and stay live
    std::uint64_t max_inflight = 64;  // block requests in flight (Node: 16-512)
    // Requests wait in a queue for answer_queued() instead of being answered
    // as they arrive, so that the transport can send what it has before more
    // is made (a read can bring hundreds of requests for large blocks);
    // a cancel takes one out of the queue.
    bool queue_requests = false;
    // Downloading, tell the remote it may push new heads, and take them.
    bool allow_push = true;
  };

  CoreChannel(core::Core& core, Output& out, Options options)
      : core_(core), out_(out), options_(options) {}
  CoreChannel(core::Core& core, Output& out) : CoreChannel(core, out, Options{}) {}
  CoreChannel(const CoreChannel&) = delete;
  CoreChannel& operator=(const CoreChannel&) = delete;

  // The remote opened the channel (its capability already checked): send
  // our sync, and range(0, contiguous) when we hold blocks.
  void on_open();
  // One message of this channel from the remote. An error means the remote
  // broke the protocol; the connection should close.
  Status on_message(const Message& message);
  // The local core changed (it grew, or moved to a new fork): tell the
  // remote (range drop after a truncation, sync, then range), and push the
  // new head if the remote allows it and `may_push` (the transport has room:
  // a remote that does not read must not make us hold every block).
  void on_local_append(bool may_push = true);
  // Between hold() and release() (nestable) the requests that messages make
  // due are decided once, at release(): what one read brings is seen whole
  // (a writer's sync and the range after it) and the window is scanned once,
  // not after every block.
  void hold() { held_++; }
  void release();

  // What the remote told us.
  bool remote_synced() const { return remote_synced_; }
  std::uint64_t remote_length() const { return remote_length_; }
  std::uint64_t remote_fork() const { return remote_fork_; }
  bool remote_downloading() const { return remote_downloading_; }
  // Blocks [0, n) the remote said it has (range from 0).
  std::uint64_t remote_contiguous_length() const { return remote_contiguous_; }
  std::uint64_t invalid_requests() const { return invalid_requests_; }
  // Requests of ours the remote has not answered yet.
  std::size_t inflight() const { return inflight_.size(); }

  // Requests of the remote waiting for an answer (Options::queue_requests).
  std::size_t queued_requests() const { return queued_.size(); }
  // Answers the oldest queued request; returns about how many bytes the
  // answer holds. An error is the remote's fault or storage's, as for
  // on_message. REQUIRES: queued_requests() > 0.
  Result<std::size_t> answer_queued();

 private:
  void send_sync();
  void send_contiguous_range();
  void on_sync(const Sync& sync);
  Status on_request(const Request& request);
  // Returns about how many bytes the answer holds.
  Result<std::size_t> answer(const Request& request);
  Result<std::size_t> answer_request(const Request& request);
  void on_want(const Want& want);
  void on_range(const Range& range);
  void on_bitfield(const Bitfield& bitfield);
  Status on_data(const Data& data);
  Status on_push(const Data& data);
  // After data of ours verified: tell the remote what changed, ask for more.
  void on_verified(std::uint64_t old_fork, std::uint64_t old_length, std::uint64_t old_contiguous);
  // Sends the new head to a remote that allows pushes (see above).
  void push_head();
  // A push or an upgrade answer took the remote to `length` of our fork.
  void note_pushed(std::uint64_t length);
  void on_no_data(const NoData& no_data);
  // The local core changed (downloaded, appended or truncated): tell the remote.
  void announce();
  // Asks for what following the remote's newer fork needs next.
  void request_fork();
  // Sends the requests that can go now (downloader).
  void update();
  bool remote_has(std::uint64_t index) const;
  // A block request is answered or refused.
  void forget_request(std::uint64_t block);

  // One request of ours: an upgrade, a block, both (the first block past
  // our length with the upgrade to it, as Node asks), or part of a reorg.
  struct Inflight {
    bool upgrade = false;
    std::uint64_t block = 0;
    bool fork = false;  // a fork proof or a reorg's hash proof
    bool with_block = false;  // an upgrade that also asks for `block`
    std::uint64_t upgrade_start = 0;  // an upgrade or fork proof: the start asked for
    // A block request: the `nodes` it asked for (its answer will store the
    // nodes of that many levels, see promised_), and whether it asked for
    // fewer, relying on another answer's.
    std::uint64_t levels = 0;
    std::uint64_t promises_fork = 0;
    bool relies = false;
  };
  // The `nodes` to ask with for `block`, noting in `asked` what its answer
  // will store and whether it relies on nodes other answers will store: up
  // to a promised node if one is near, else up to a stored one.
  std::uint64_t request_nodes(std::uint64_t block, Inflight& asked);
  // Calls `f` with each node the answer to `asked` will store.
  template <class F>
  static void for_each_promise(const Inflight& asked, F f);
  void release_promises(const Inflight& asked);
  // How many levels above `block`'s leaf the nearest promised node is, if
  // one is within kMaxLevelsToPromised.
  std::optional<std::uint64_t> levels_to_promised(std::uint64_t block) const;
  static constexpr std::uint64_t kMaxLevelsToPromised = 4;
  // Whether `data` is an answer to `asked` and carries nothing else of note.
  static bool answers(const Inflight& asked, const Data& data);
  // Whether an answer to `asked` proves its upgrade from another length than
  // the one asked for (see on_data).
  static bool moved_upgrade(const Inflight& asked, const Data& data);

  core::Core& core_;
  Output& out_;
  Options options_;
  bool opened_ = false;
  bool remote_synced_ = false;
  std::uint64_t remote_fork_ = 0;
  std::uint64_t remote_length_ = 0;
  bool remote_downloading_ = false;
  std::uint64_t remote_contiguous_ = 0;
  bool can_upgrade_ = false;
  std::uint64_t invalid_requests_ = 0;
  std::uint64_t range_signaled_ = 0;  // the contiguous length we last told
  bool remote_can_upgrade_ = false;
  bool remote_has_manifest_ = false;
  bool remote_allow_push_ = false;
  // How far our pushes and upgrade answers took the remote, in pushed_fork_.
  std::uint64_t pushed_length_ = 0;
  std::uint64_t pushed_fork_ = 0;
  // An upgrade answer proven from another start was asked again since the
  // remote's last sync (once, see on_data).
  bool reasked_moved_ = false;
  std::uint64_t length_acked_ = 0;     // our length as the remote last echoed it
  core::Bitfield remote_bits_;         // blocks the remote has beyond remote_contiguous_
  // A node and an entry for each request in flight: from a pool, not malloc
  // (which took 10% of a reader of 1 KiB blocks).
  std::pmr::unsynchronized_pool_resource pool_;
  std::pmr::map<std::uint64_t, Inflight> inflight_{&pool_};  // by request id
  std::pmr::set<std::uint64_t> requested_{&pool_};           // blocks in inflight_
  // Tree nodes that block answers in flight will store, with how many
  // answers each: a block's leaf, and the nodes on its path and beside it up
  // to the level it asked for. Requests sent together for neighbouring blocks
  // would otherwise each ask for the whole path (about 9 nodes of 40 bytes
  // each with 512 in flight, hashed again by each proof); relying on one
  // another's, they ask for one or two. An answer that comes before the one
  // it relies on (or whose one never comes) does not verify: its block is
  // asked for again (full_proof_) relying on stored nodes only.
  std::pmr::unordered_map<std::uint64_t, std::uint32_t> promised_{&pool_};
  std::uint64_t promised_fork_ = 0;
  std::set<std::uint64_t> full_proof_;
  std::uint64_t scan_from_ = 0;                 // see update()
  std::uint64_t scan_fork_ = 0;
  bool upgrade_inflight_ = false;
  bool fork_inflight_ = false;         // a fork request in flight (one at a time)
  std::uint64_t announced_fork_ = 0;   // the fork and length of our last sync
  std::uint64_t announced_length_ = 0;
  std::uint64_t next_request_id_ = 1;
  std::set<std::uint64_t> wants_sent_;          // want batches asked for
  std::deque<Request> queued_;                  // Options::queue_requests
  int held_ = 0;              // see hold()
  bool update_due_ = false;   // update() was asked for while held
};

}  // namespace hc::wire
