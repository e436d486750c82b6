#include "replication_session.hpp"

#include <algorithm>
#include <utility>

#include "crypto/caps.hpp"

namespace hc::wire {

// A channel's messages go out through the mux, on that channel.
class ReplicationSession::MuxOutput final : public CoreChannel::Output {
 public:
  MuxOutput(Protomux& mux, ChannelHandle handle) : mux_(mux), handle_(handle) {}
  void send(const Message& message) override {
    // Fails only for a channel already closed: nothing left to tell then.
    (void)mux_.send(handle_, static_cast<std::uint64_t>(type_of(message)), encode(message));
  }
  void cork() override { mux_.cork(); }
  void uncork() override { mux_.uncork(); }

 private:
  Protomux& mux_;
  ChannelHandle handle_;
};

struct ReplicationSession::Channel {
  core::Core* core = nullptr;
  std::unique_ptr<MuxOutput> output;
  std::unique_ptr<CoreChannel> peer;
  bool opened = false;  // both sides opened, capability checked
  bool held = false;    // held until the end of the read being handled
};

namespace {

// Our batches stop at this size, not at Node's 8 MiB: a peer can decrypt and
// handle nothing of a frame before all of it arrived, so one batch of 512
// answers (600 KB) kept it idle while it came in, and us idle while it then
// handled them and asked for more in one batch of its own. Frames of 64 KiB
// keep both ends busy; the protocol does not care how messages are batched.
Protomux::Options mux_options() {
  Protomux::Options options;
  options.max_batch = 64 * 1024;
  return options;
}

}  // namespace

ReplicationSession::ReplicationSession(bool initiator, const crypto::KeyPair& static_key,
                                       Cores& cores)
    : cores_(cores), stream_(initiator, static_key), mux_(mux_options()) {}

ReplicationSession::~ReplicationSession() {
  for (auto& [handle, channel] : channels_) cores_.channel_closed(*channel->core);
  for (auto* core : pending_) cores_.channel_closed(*core);
}

Status ReplicationSession::fail(std::error_code ec, std::string reason) {
  if (error_reason_.empty()) error_reason_ = std::move(reason);
  mux_.destroy();
  return ec;
}

Status ReplicationSession::feed(ByteView bytes) {
  if (failed()) return SecretStreamErrc::stream_failed;
  cores_.before_feed();
  Status st = on_stream_events(stream_.feed(bytes));
  // Committed before anything we answer goes out.
  if (auto committed = cores_.after_feed(); !committed && st) {
    st = fail(committed.error(), "storage: " + committed.error().message());
  }
  flush();
  return st;
}

Status ReplicationSession::on_stream_events(std::vector<SecretStreamEvent> events) {
  // One cork over everything one read brings, so our answers go out batched,
  // as Node's do; and our requests are decided once it was all seen.
  mux_.cork();
  batching_ = true;
  Status result;
  for (auto& event : events) {
    if (auto* error = std::get_if<ErrorEvent>(&event)) {
      result = fail(error->code, "secret stream: " + error->reason);
      break;
    }
    if (std::holds_alternative<HandshakeEvent>(event)) {
      for (auto* core : std::exchange(pending_, {})) open_channel(*core);
      continue;
    }
    auto& message = std::get<MessageEvent>(event);
    if (auto st = mux_.receive(message.data); !st) {
      result = fail(st.error(), "protomux: " + st.error().message());
      break;
    }
    if (auto st = on_mux_events(); !st) {
      result = st;
      break;
    }
  }
  batching_ = false;
  if (!failed()) {
    // A handle may be there twice (its channel closed, another took it) or
    // gone: only a channel still held is released.
    for (ChannelHandle handle : held_) {
      Channel* channel = channel_for(handle);
      if (channel && std::exchange(channel->held, false)) channel->peer->release();
    }
    mux_.uncork();
  }
  held_.clear();
  return result;
}

Status ReplicationSession::on_mux_events() {
  // Handling an event may queue more (opening a channel pairs it at once).
  for (auto events = mux_.take_events(); !events.empty(); events = mux_.take_events()) {
    for (auto& event : events) {
      HC_CHECK(on_mux_event(event));
    }
  }
  return {};
}

Status ReplicationSession::on_mux_event(MuxEvent& event) {
  using Kind = MuxEvent::Kind;
  switch (event.kind) {
    case Kind::remote_open: {
      core::Core* core = nullptr;
      if (event.protocol == kHypercoreProtocol && event.id && event.id->size() == 32) {
        Hash32 dk;
        std::copy(event.id->begin(), event.id->end(), dk.begin());
        if (!by_discovery_key_.contains(dk)) core = cores_.find_by_discovery_key(dk);
      }
      if (!core) {
        (void)mux_.reject_remote(event.remote_id);
        return {};
      }
      cores_.channel_opened(*core);
      open_channel(*core);
      return {};
    }
    case Kind::opened: {
      Channel* channel = channel_for(event.channel);
      if (!channel) return {};
      hold_for_read(event.channel, *channel);
      auto handshake = decode_handshake(event.payload);
      if (!handshake) {
        return fail(handshake.error(), "a hypercore channel open with a malformed handshake");
      }
      const auto& hs = stream_.handshake();
      const Hash32 expected = crypto::caps::replicate(!hs.initiator, channel->core->key(),
                                                      ByteView(hs.handshake_hash));
      if (handshake->capability != expected) {
        return fail(SecretStreamErrc::stream_failed,
                    "the remote sent an invalid replication capability");
      }
      channel->opened = true;
      channel->peer->on_open();
      return {};
    }
    case Kind::message: {
      Channel* channel = channel_for(event.channel);
      if (!channel || !channel->opened) return {};
      hold_for_read(event.channel, *channel);
      auto type = message_type(event.type);
      if (!type) return {};  // a newer message type: ignored, as Node does
      auto message = decode_message(*type, event.payload);
      if (!message) {
        return fail(message.error(), "a malformed hypercore message (type " +
                                         std::to_string(event.type) + ")");
      }
      const std::size_t queued = channel->peer->queued_requests();
      const Status st = channel->peer->on_message(*message);
      requeued(event.channel, *channel, queued);  // a request, or a cancel
      if (!st) return fail(st.error(), "hypercore channel: " + st.error().message());
      return {};
    }
    case Kind::closed:
    case Kind::rejected:
      drop_channel(event.channel);
      return {};
    case Kind::pause:
    case Kind::resume:
      // Only a peer sending on channels it never opened gets here; the hard
      // limit in Protomux ends that.
      return {};
  }
  return {};
}

void ReplicationSession::add_core(core::Core& core) {
  if (failed() || by_discovery_key_.contains(core.discovery_key())) return;
  if (!established()) {
    if (std::find(pending_.begin(), pending_.end(), &core) == pending_.end()) {
      cores_.channel_opened(core);
      pending_.push_back(&core);
    }
    return;
  }
  cores_.channel_opened(core);
  open_channel(core);
  (void)on_mux_events();
  flush();
}

void ReplicationSession::open_channel(core::Core& core) {
  const auto& hs = stream_.handshake();
  Handshake ours;
  ours.seeks = true;
  ours.capability =
      crypto::caps::replicate(hs.initiator, core.key(), ByteView(hs.handshake_hash));
  auto handle = mux_.open_channel(kHypercoreProtocol, ByteView(core.discovery_key()),
                                  encode_handshake(ours));
  if (!handle) {  // a channel for it exists already, or the mux failed
    cores_.channel_closed(core);
    return;
  }
  auto channel = std::make_unique<Channel>();
  channel->core = &core;
  channel->output = std::make_unique<MuxOutput>(mux_, *handle);
  channel->peer = std::make_unique<CoreChannel>(core, *channel->output, channel_options(core));
  by_discovery_key_[core.discovery_key()] = *handle;
  channels_[*handle] = std::move(channel);
}

void ReplicationSession::on_local_append(const core::Core& core, bool may_push) {
  auto it = by_discovery_key_.find(core.discovery_key());
  if (it == by_discovery_key_.end()) return;
  Channel* channel = channel_for(it->second);
  if (!channel || !channel->opened) return;
  channel->peer->on_local_append(may_push);
  flush();
}

void ReplicationSession::keep_alive() {
  stream_.keep_alive();
}

CoreChannel::Options ReplicationSession::channel_options(const core::Core& core) {
  CoreChannel::Options options = cores_.options_for(core);
  options.queue_requests = true;  // answered by take_output (see serve)
  return options;
}

Bytes ReplicationSession::take_output(Bytes reuse, bool answer) {
  if (answer && !failed() && !stream_.has_output()) serve(kServeBytes);
  return stream_.take_output(std::move(reuse));
}

bool ReplicationSession::has_output() const { return stream_.has_output() || backlog_ > 0; }

void ReplicationSession::requeued(ChannelHandle handle, const Channel& channel,
                                  std::size_t before) {
  const std::size_t now = channel.peer->queued_requests();
  backlog_ = backlog_ - before + now;
  if (now > 0) waiting_.insert(handle); else waiting_.erase(handle);
}

void ReplicationSession::serve(std::size_t budget) {
  // Channels take turns, one answer each, so that a core with many requests
  // queued does not hold back the others. Only channels with requests
  // waiting are visited: a connection may carry thousands of idle ones.
  mux_.cork();
  while (budget > 0 && !waiting_.empty()) {
    for (auto it = waiting_.begin(); it != waiting_.end() && budget > 0;) {
      const ChannelHandle handle = *it++;
      Channel* channel = channel_for(handle);
      if (!channel || channel->peer->queued_requests() == 0) {
        waiting_.erase(handle);
        continue;
      }
      const std::size_t before = channel->peer->queued_requests();
      auto bytes = channel->peer->answer_queued();
      requeued(handle, *channel, before);
      if (!bytes) {
        (void)fail(bytes.error(), "hypercore channel: " + bytes.error().message());
        return;
      }
      budget -= std::min(budget, *bytes);
    }
  }
  mux_.uncork();
  flush();
}

std::vector<const core::Core*> ReplicationSession::shared_cores() const {
  std::vector<const core::Core*> out;
  for (const auto& [handle, channel] : channels_) {
    if (channel->opened) out.push_back(channel->core);
  }
  return out;
}

void ReplicationSession::flush() {
  for (auto& message : mux_.take_output()) {
    // Protomux never builds a message past the stream's limit (its batches
    // stop at 8 MiB); a single block above it cannot be sent by Node either.
    (void)stream_.send(message);
  }
}

void ReplicationSession::hold_for_read(ChannelHandle handle, Channel& channel) {
  if (!batching_ || channel.held) return;
  channel.held = true;
  channel.peer->hold();
  held_.push_back(handle);
}

ReplicationSession::Channel* ReplicationSession::channel_for(ChannelHandle handle) {
  auto it = channels_.find(handle);
  return it == channels_.end() ? nullptr : it->second.get();
}

void ReplicationSession::drop_channel(ChannelHandle handle) {
  auto it = channels_.find(handle);
  if (it == channels_.end()) return;
  cores_.channel_closed(*it->second->core);
  by_discovery_key_.erase(it->second->core->discovery_key());
  backlog_ -= it->second->peer->queued_requests();
  waiting_.erase(handle);
  channels_.erase(it);
}

}  // namespace hc::wire
