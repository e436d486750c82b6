// One replication connection, sans-IO: the secret stream, Protomux over it,
// and one hypercore/alpha channel (CoreChannel) per core the two peers share
// (hypercore@11.37.1 index.js replicate, lib/replicator.js; corestore's
// replicate for many cores on one stream). The transport feeds it received
// bytes and sends what take_output() returns; it knows nothing of TCP, so
// UDX can carry it later.
//
// Channels: add_core() opens a channel for a core (once the handshake is
// done); a channel the remote opens for a discovery key we hold is answered
// through Cores (passive, as Corestore does), else rejected. The remote's
// capability is checked on open; a wrong one is fatal for the connection, as
// in Node. Any protocol error is fatal: feed() returns it, with a reason in
// error_reason(), and the transport closes the connection.
//
// Threads: one thread owns the session, the Cores and the cores. Lifetime: a
// Core given to the session must stay valid while its channel is open (the
// owner pins it); Cores must outlive the session.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core_channel.hpp"
#include "crypto/sign.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"
#include "protomux.hpp"
#include "secret_stream.hpp"

namespace hc::wire {

inline constexpr std::string_view kHypercoreProtocol = "hypercore/alpha";

class ReplicationSession {
 public:
  // What the session needs from its owner (the daemon's core registry).
  class Cores {
   public:
    virtual ~Cores() = default;
    // The core with this discovery key if it is held (opened on demand), or
    // null: the remote's channel is then rejected.
    virtual core::Core* find_by_discovery_key(const Hash32& discovery_key) = 0;
    // How to replicate it: download (follow, seed) or only upload.
    virtual CoreChannel::Options options_for(const core::Core& core) = 0;
    // The session holds `core` (a channel for it, or one waiting for the
    // handshake) / no longer holds it: pin it in memory meanwhile.
    virtual void channel_opened(core::Core&) {}
    virtual void channel_closed(core::Core&) {}
    // Around each feed(): what its messages store may be committed as one
    // group (core::Storage::begin_group), not one commit per block. An error
    // from after_feed() is fatal for the connection.
    virtual void before_feed() {}
    virtual Status after_feed() { return {}; }
  };

  ReplicationSession(bool initiator, const crypto::KeyPair& static_key, Cores& cores);
  ReplicationSession(const ReplicationSession&) = delete;
  ReplicationSession& operator=(const ReplicationSession&) = delete;
  ~ReplicationSession();

  // Bytes from the transport, in order. An error is fatal: close.
  Status feed(ByteView bytes);
  // Bytes for the transport; `reuse` (a buffer it finished writing) becomes
  // the next output buffer (see SecretStream::take_output). The remote's
  // requests wait in their channels and are answered here, about
  // kServeBytes at a time: a read can bring hundreds of requests for large
  // blocks, and answered all at once they made tens of MB before the
  // first byte went out, while the remote waited. With `answer` false only
  // what is ready goes (the transport still has much to write). A failure
  // while answering is fatal, as in feed(): failed() tells.
  Bytes take_output(Bytes reuse = {}, bool answer = true);
  // Output is ready, or requests are waiting to be answered.
  bool has_output() const;
  // Requests of the remote not answered yet: a transport stops reading
  // while there are too many.
  std::size_t backlog() const { return backlog_; }
  static constexpr std::size_t kServeBytes = 256 * 1024;
  // The transport sent nothing for a while (Node: 5 s): an empty message.
  void keep_alive();

  // Replicates `core` on this connection: its channel opens now, or once the
  // handshake is done. Nothing happens if it already has one.
  void add_core(core::Core& core);
  // `core` grew locally (an append, or data from another peer). `may_push`:
  // the transport has room for the new head (CoreChannel::on_local_append).
  void on_local_append(const core::Core& core, bool may_push = true);

  bool established() const { return stream_.handshake_complete(); }
  bool failed() const { return !error_reason_.empty(); }
  const std::string& error_reason() const { return error_reason_; }
  // The remote's static public key, once established().
  const Hash32& remote_public_key() const { return stream_.handshake().remote_public_key; }
  // Cores with an open channel (both sides opened).
  std::vector<const core::Core*> shared_cores() const;

 private:
  struct Channel;
  class MuxOutput;

  Status fail(std::error_code ec, std::string reason);
  Status on_stream_events(std::vector<SecretStreamEvent> events);
  Status on_mux_events();
  Status on_mux_event(MuxEvent& event);
  // REQUIRES: `core` is held (channel_opened was called for it); on failure
  // it is released.
  void open_channel(core::Core& core);
  void flush();
  CoreChannel::Options channel_options(const core::Core& core);
  // Answers queued requests until about `budget` bytes of answers are made.
  void serve(std::size_t budget);
  // Keeps backlog_ and waiting_ right after `channel`'s queue changed from
  // `before` requests.
  void requeued(ChannelHandle handle, const Channel& channel, std::size_t before);
  Channel* channel_for(ChannelHandle handle);
  // While a read is handled: holds the channel (CoreChannel::hold) the first
  // time a message for it comes, so the read's end releases only the
  // channels it touched, not every channel of the connection.
  void hold_for_read(ChannelHandle handle, Channel& channel);
  void drop_channel(ChannelHandle handle);

  Cores& cores_;
  SecretStream stream_;
  Protomux mux_;
  std::map<ChannelHandle, std::unique_ptr<Channel>> channels_;
  std::map<Hash32, ChannelHandle> by_discovery_key_;
  std::vector<core::Core*> pending_;  // add_core before the handshake
  std::string error_reason_;
  std::size_t backlog_ = 0;           // requests queued in all channels
  std::set<ChannelHandle> waiting_;   // the channels that have some
  bool batching_ = false;             // in on_stream_events
  std::vector<ChannelHandle> held_;   // hold_for_read's channels, in order
};

}  // namespace hc::wire
