// One core.follow of one client: the core, the next block to send and the
// encoding. The connection asks for notification lines while its write queue
// has room (rpc_connection.hpp), so a block is read from storage only when it
// can be queued: a client that stops reading stops the reads, not the daemon.
// Blocks go out in index order from `start`, none skipped. When the core
// moves to a new fork (a local truncate, or a peer's reorg), a core.truncated
// notification goes first, with the length it was cut to; blocks then go on
// from there (or from where the follow was, if that is lower), from the new
// fork.
//
// Threads: the io thread only. Lifetime: owned by its RpcConnection, which
// drops it (and its append listener) on unfollow or close; the Core belongs
// to the CoreRegistry, which outlives every open connection.
#pragma once

#include <cstdint>
#include <string>

#include "core/core.hpp"
#include "proto/errors.hpp"
#include "proto/methods.hpp"

namespace hc::daemon {

class Subscription {
 public:
  Subscription(std::uint64_t id, core::Core& core, std::uint64_t start,
               proto::BlockEncoding encoding, std::uint64_t listener)
      : id_(id),
        core_(&core),
        next_index_(start),
        fork_(core.fork()),
        encoding_(encoding),
        listener_(listener) {}

  std::uint64_t id() const { return id_; }
  core::Core& core() const { return *core_; }
  std::uint64_t listener() const { return listener_; }
  std::uint64_t next_index() const { return next_index_; }
  // A block at next_index() is stored and not yet sent. A core being
  // downloaded may know a block (its length) before it holds it: the follow
  // waits for it, as blocks go out in order.
  bool has_more() const {
    return fork_ != core_->fork() || (next_index_ < core_->length() && core_->has(next_index_));
  }

  // REQUIRES: has_more(). After a fork change, the core.truncated
  // notification line (with '\n'); else the core.block notification line
  // for next_index(), which then advances. Under the utf8 encoding a block
  // that is not valid UTF-8 is sent in base64 ("encoding": "base64" in its
  // notification). A storage error leaves next_index() where it was.
  proto::Outcome<std::string> next_line();

 private:
  std::uint64_t id_;
  core::Core* core_;
  std::uint64_t next_index_;
  std::uint64_t fork_;  // the fork of the blocks sent so far
  proto::BlockEncoding encoding_;
  std::uint64_t listener_;
};

}  // namespace hc::daemon
