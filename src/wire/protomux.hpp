// Protomux: many channels over one message stream, wire-compatible with
// protomux@3.12.1 (index.js) as hypercore uses it. Format and semantics:
// docs/protocol/hypercore.md §6 (framing), §10 items 11–12 (pitfalls).
//
// Glossary:
//   local id   - the id we allocated for a channel; it is what we put on the
//                wire in front of our messages. Dense: a freed id is reused
//                (last freed first, as Node's `_free.pop()`), else the next one.
//   remote id  - the id the peer allocated; its messages carry it. We accept a
//                new remote id only if it is <= (#known remote ids) + 1 and
//                that slot is free, else the whole stream fails ("Invalid open
//                message").
//   key        - protocol ‖ id of a channel; at most one open channel per key
//                (Node's default unique: true). Pairing is by key: our open
//                and the peer's open for the same key make one channel; there
//                is no separate acknowledgement.
//   handle     - what the owner holds for a channel (ChannelHandle): never
//                reused within one Protomux, unlike local ids, so a stale
//                handle can never address a newer channel.
//
// Sans-IO: receive() takes one decrypted plaintext message (exactly one
// protomux message; the secret stream keeps boundaries), and everything the
// mux wants to send or tell accumulates in two queues that the owner drains
// with take_output() (each element one plaintext message for the secret
// stream, in order) and take_events(). No callbacks, so the owner may call any
// method while handling events.
//
// Differences from Node, all on input Node never produces:
//   - a batch entry longer than the rest of the batch is an error (Node clamps);
//   - a batch nested inside a batch is an error (Node recurses);
//   - an open for channel id 0 is ignored (Node tries to reject it and fails).
//   - Backpressure (Node pauses the stream past 32 KiB buffered for channels
//     not yet paired): we raise `paused()` and a pause event past
//     Options::max_buffered; the transport should stop feeding until the
//     resume event. Past Options::max_buffered_hard (counted the same way,
//     plus pending opens) the stream fails with buffer_overflow, so a peer
//     that ignores the pause cannot grow memory without bound.
//
// Thread and lifetime: a plain value owned by one connection on the loop
// thread; no internal synchronisation. After a fatal error (receive() returned
// an error, or destroy()) every call fails with `destroyed` and the owner
// should close the transport.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::wire {

enum class MuxErrc {
  invalid_open = 1,     // open with a non-dense or taken remote id (Node: "Invalid open message")
  invalid_reject,       // reject for an id we have no pending open for (Node: "Invalid reject message")
  batch_overrun,        // a batch entry longer than the rest of the batch
  nested_batch,         // a batch inside a batch
  buffer_overflow,      // too much buffered for unpaired channels (hard limit)
  too_many_channels,    // remote id table past Options::max_remote_channels
  destroyed,            // the mux failed or was destroyed earlier
  channel_exists,       // open_channel for a key that already has an open channel
  channel_closed,       // a handle of a closed (or never opened) channel
  not_pending,          // reject_remote for a remote id that is not awaiting an answer
};

const std::error_category& mux_category();
inline std::error_code make_error_code(MuxErrc e) { return {static_cast<int>(e), mux_category()}; }

inline constexpr std::size_t kMuxMaxBuffered = 32768;               // protomux MAX_BUFFERED
inline constexpr std::size_t kMuxBufferedOverhead = 512;            // protomux byteSize()
inline constexpr std::size_t kMuxMaxBatch = 8 * 1024 * 1024;        // protomux MAX_BATCH

using ChannelHandle = std::uint64_t;  // 0 is never a valid handle

struct MuxEvent {
  enum class Kind : std::uint8_t {
    remote_open,  // the peer opened a channel we have none for: answer with
                  // open_channel(protocol, id, ...) (pairs) or reject_remote(remote_id)
    opened,       // `channel` is paired; `payload` = the peer's handshake bytes
    message,      // `type`, `payload` on an open channel (unknown types included)
    closed,       // `channel` closed; `remote` tells who closed it
    rejected,     // the peer refused our open of `channel`; it is gone (no closed follows)
    pause,        // buffered past Options::max_buffered: stop feeding receive()
    resume,       // back under the limit: feed again
  };
  Kind kind = Kind::message;
  ChannelHandle channel = 0;
  std::uint64_t remote_id = 0;   // remote_open
  std::string protocol;          // remote_open
  std::optional<Bytes> id;       // remote_open (empty and absent are the same on the wire)
  std::uint64_t type = 0;        // message
  Bytes payload;                 // opened: handshake; message: payload
  bool remote = false;           // closed
};

class Protomux {
 public:
  struct Options {
    // Soft limit (Node's MAX_BUFFERED), counted as Node does: 512 + payload
    // bytes per message buffered for a channel the peer opened and we have not.
    std::size_t max_buffered = kMuxMaxBuffered;
    // Hard limit, same counting plus the handshakes of unanswered opens.
    std::size_t max_buffered_hard = 4 * 1024 * 1024;
    // Largest remote id table (Node has no limit; ids are dense so this caps
    // the number of channels the peer may hold at once).
    std::size_t max_remote_channels = 65536;
    // A corked batch is sent once it reaches this many bytes (Node's MAX_BATCH).
    std::size_t max_batch = kMuxMaxBatch;
  };

  Protomux() = default;
  explicit Protomux(Options options) : options_(options) {}

  // One decrypted plaintext message from the peer. Empty messages are
  // ignored. An error is fatal for the whole stream (the mux is destroyed);
  // events produced by earlier parts of a batch stay queued.
  Status receive(ByteView message);

  // Opens our side of (protocol, id) and sends our open with `handshake`
  // appended verbatim. If the peer already opened this key (a remote_open
  // event), it pairs at once and `opened` (then any buffered messages) is
  // queued; otherwise `opened` comes when the peer's open arrives.
  // Fails with channel_exists if the key has an open channel (unique).
  Result<ChannelHandle> open_channel(std::string_view protocol, std::optional<ByteView> id,
                                     ByteView handshake);
  // Refuses a remote_open: sends reject(remote_id) and drops what was buffered.
  Status reject_remote(std::uint64_t remote_id);

  // uint(localId) ‖ uint(type) ‖ payload, or an entry of the current batch
  // when corked. Allowed from open_channel until close (as Node; the peer
  // buffers what comes before its side is paired).
  Status send(ChannelHandle channel, std::uint64_t type, ByteView payload);
  // Sends close(localId) and queues `closed` (remote = false). Idempotent for
  // channels already closed: returns channel_closed and does nothing.
  Status close(ChannelHandle channel);

  // While corked (nestable), messages become entries of one batch frame sent
  // by the last uncork(), or earlier when it reaches Options::max_batch.
  void cork();
  void uncork();

  // Closes every channel (closed, remote = true, as Node on stream close) and
  // fails every later call. The owner calls it when the transport goes away.
  void destroy();

  std::vector<Bytes> take_output() { return std::exchange(output_, {}); }
  std::vector<MuxEvent> take_events() { return std::exchange(events_, {}); }

  bool destroyed() const { return destroyed_; }
  bool paused() const { return paused_; }
  std::size_t buffered() const { return buffered_; }
  bool is_open(ChannelHandle channel) const;            // paired and not closed
  std::optional<std::uint32_t> local_id(ChannelHandle channel) const;
  std::optional<std::uint64_t> remote_id(ChannelHandle channel) const;
  std::size_t channel_count() const { return handles_.size(); }

 private:
  struct Local {
    ChannelHandle handle = 0;
    std::string key;
    std::uint64_t remote_id = 0;  // 0 until paired
  };
  struct Pending {
    std::uint64_t type;
    Bytes payload;
  };
  struct Remote {
    std::string key;
    std::uint32_t session = 0;     // local id once paired
    bool awaiting = false;         // opened by the peer, not yet answered by us
    Bytes handshake;               // while awaiting
    std::vector<Pending> pending;  // while awaiting
  };
  struct Info {
    std::uint32_t opened = 0;
    std::deque<std::uint64_t> incoming;  // remote ids awaiting an answer
    std::deque<std::uint32_t> outgoing;  // our local ids awaiting the peer's open
  };

  Status fail(std::error_code ec);
  Status decode(std::uint64_t remote_id, ByteView message, int depth);
  Status on_control(std::uint64_t type, ByteView body, int depth);
  Status on_batch(ByteView body, int depth);
  Status on_open(ByteView body);
  Status on_reject(ByteView body);
  Status on_close(ByteView body);
  Status check_hard_limit();
  void close_local(std::uint32_t local_id, bool remote);
  void pair_with_awaiting(std::uint32_t local_id, std::uint64_t remote_id);
  void drop_pending(Remote& r);
  void pause_maybe();
  void resume_maybe();
  void gc(const std::string& key);
  void write_control(Bytes message);  // message starts with 00 (channel 0)
  void push_batch(std::uint64_t local_id, ByteView entry);
  void flush_batch();
  Local* find(ChannelHandle channel);
  const Local* find(ChannelHandle channel) const;

  Options options_;
  std::vector<std::optional<Local>> local_;    // index local id - 1
  std::vector<std::uint32_t> free_;            // freed local ids - 1, reused last first
  std::vector<std::optional<Remote>> remote_;  // index remote id - 1
  std::unordered_map<std::string, Info> infos_;
  std::unordered_map<ChannelHandle, std::uint32_t> handles_;  // live channels → local id
  ChannelHandle next_handle_ = 1;

  std::size_t buffered_ = 0;       // Node's _buffered
  std::size_t awaiting_bytes_ = 0;  // handshakes of unanswered remote opens
  bool paused_ = false;
  bool destroyed_ = false;

  int corked_ = 0;
  Bytes batch_;                 // the batch frame being built (empty: none yet)
  std::uint64_t batch_last_ = 0;  // channel id of the last entry

  std::vector<Bytes> output_;
  std::vector<MuxEvent> events_;
};

}  // namespace hc::wire

template <>
struct std::is_error_code_enum<hc::wire::MuxErrc> : std::true_type {};
