#include "wire/protomux.hpp"

#include <algorithm>
#include <cassert>

#include "encoding/compact.hpp"
#include "encoding/key_id.hpp"

namespace hc::wire {
namespace {

using encoding::Reader;
using encoding::Writer;

// Control session (channel 0) message types.
enum class Control : std::uint64_t { batch = 0, open = 1, reject = 2, close = 3 };

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "protomux"; }
  std::string message(int c) const override {
    switch (static_cast<MuxErrc>(c)) {
      case MuxErrc::invalid_open: return "Invalid open message: remote channel id not dense or in use";
      case MuxErrc::invalid_reject: return "Invalid reject message: no pending open for that id";
      case MuxErrc::batch_overrun: return "batch entry longer than the rest of the batch";
      case MuxErrc::nested_batch: return "batch inside a batch";
      case MuxErrc::buffer_overflow: return "too much buffered for channels not yet paired";
      case MuxErrc::too_many_channels: return "remote opened too many channels";
      case MuxErrc::destroyed: return "protomux destroyed";
      case MuxErrc::channel_exists: return "a channel for this protocol and id is already open";
      case MuxErrc::channel_closed: return "channel closed";
      case MuxErrc::not_pending: return "no unanswered remote open with that id";
    }
    return "unknown protomux error";
  }
};

// Node's toKey(): protocol + '##' + hex(id); null and empty ids are alike.
std::string make_key(std::string_view protocol, std::optional<ByteView> id) {
  std::string key(protocol);
  key += "##";
  if (id) key += encoding::to_hex(*id);
  return key;
}

MuxEvent event(MuxEvent::Kind kind) {
  MuxEvent e;
  e.kind = kind;
  return e;
}

std::size_t byte_size(std::size_t payload) { return kMuxBufferedOverhead + payload; }

}  // namespace

const std::error_category& mux_category() {
  static const Category c;
  return c;
}

// ---- input -------------------------------------------------------------

Status Protomux::receive(ByteView message) {
  if (destroyed_) return MuxErrc::destroyed;
  if (message.empty()) return {};  // Node ignores empty frames
  Reader r(message);
  auto channel = r.uint();
  Status s = channel ? decode(*channel, message.subspan(r.position()), 0) : Status(channel.error());
  if (!s) return fail(s.error());
  return s;
}

Status Protomux::fail(std::error_code ec) {
  destroy();
  return ec;
}

Status Protomux::decode(std::uint64_t remote_id, ByteView message, int depth) {
  Reader r(message);
  HC_TRY(std::uint64_t type, r.uint());
  ByteView payload = r.rest();
  if (remote_id == 0) return on_control(type, payload, depth);

  // Unknown or closed channel: dropped (it may be a message still in flight).
  if (remote_id > remote_.size() || !remote_[remote_id - 1]) return {};
  Remote& slot = *remote_[remote_id - 1];
  if (slot.awaiting) {
    slot.pending.push_back({type, to_bytes(payload)});
    buffered_ += byte_size(payload.size());
    pause_maybe();
    return check_hard_limit();
  }
  MuxEvent ev = event(MuxEvent::Kind::message);
  ev.channel = local_[slot.session - 1]->handle;
  ev.type = type;
  ev.payload = to_bytes(payload);
  events_.push_back(std::move(ev));
  return {};
}

Status Protomux::on_control(std::uint64_t type, ByteView body, int depth) {
  switch (static_cast<Control>(type)) {
    case Control::batch: return on_batch(body, depth);
    case Control::open: return on_open(body);
    case Control::reject: return on_reject(body);
    case Control::close: return on_close(body);
  }
  return {};  // unknown control types are ignored, as in Node
}

Status Protomux::on_batch(ByteView body, int depth) {
  if (depth > 0) return MuxErrc::nested_batch;
  Reader r(body);
  HC_TRY(std::uint64_t channel, r.uint());
  while (!r.done()) {
    HC_TRY(std::uint64_t len, r.uint());
    if (len == 0) {  // "switch channel"
      HC_TRY(channel, r.uint());
      continue;
    }
    if (len > r.remaining()) return MuxErrc::batch_overrun;
    HC_TRY(ByteView entry, r.fixed(static_cast<std::size_t>(len)));
    HC_CHECK(decode(channel, entry, depth + 1));
  }
  return {};
}

Status Protomux::on_open(ByteView body) {
  Reader r(body);
  HC_TRY(std::uint64_t remote_id, r.uint());
  HC_TRY(std::string_view protocol, r.string());
  HC_TRY(std::optional<ByteView> id, r.optional_buffer());
  ByteView handshake = r.rest();
  if (remote_id == 0) return {};  // an open of the control session: ignored

  // Ids are dense: the peer may grow its table by one, or reuse a free slot.
  const std::uint64_t rid = remote_id - 1;
  if (rid == remote_.size()) {
    if (remote_.size() >= options_.max_remote_channels) return MuxErrc::too_many_channels;
    remote_.emplace_back();
  }
  if (rid >= remote_.size() || remote_[rid]) return MuxErrc::invalid_open;

  std::string key = make_key(protocol, id);
  Info& info = infos_[key];
  if (!info.outgoing.empty()) {
    const std::uint32_t local = info.outgoing.front();
    info.outgoing.pop_front();
    if (!local_[local - 1]) {
      // We closed it before the peer answered; the peer's open is the ack
      // that lets us reuse the id. Our close, already sent, closes its side.
      free_.push_back(local - 1);
      gc(key);
      return {};
    }
    Remote slot;
    slot.key = key;
    slot.session = local;
    remote_[rid] = std::move(slot);
    local_[local - 1]->remote_id = remote_id;
    MuxEvent ev = event(MuxEvent::Kind::opened);
    ev.channel = local_[local - 1]->handle;
    ev.payload = to_bytes(handshake);
    events_.push_back(std::move(ev));
    return {};
  }

  Remote slot;
  slot.key = key;
  slot.awaiting = true;
  slot.handshake = to_bytes(handshake);
  remote_[rid] = std::move(slot);
  awaiting_bytes_ += byte_size(handshake.size());
  info.incoming.push_back(remote_id);
  MuxEvent ev = event(MuxEvent::Kind::remote_open);
  ev.remote_id = remote_id;
  ev.protocol = std::string(protocol);
  if (id) ev.id = to_bytes(*id);
  events_.push_back(std::move(ev));
  return check_hard_limit();
}

Status Protomux::on_reject(ByteView body) {
  Reader r(body);
  HC_TRY(std::uint64_t local_id, r.uint());
  std::string key;
  for (auto& [k, info] : infos_) {
    auto it = std::find(info.outgoing.begin(), info.outgoing.end(), local_id);
    if (it == info.outgoing.end()) continue;
    info.outgoing.erase(it);
    key = k;
    break;
  }
  if (key.empty()) return MuxErrc::invalid_reject;
  const auto local = static_cast<std::uint32_t>(local_id);
  free_.push_back(local - 1);  // the reject is the ack that frees the id
  if (local_[local - 1]) {
    MuxEvent ev = event(MuxEvent::Kind::rejected);
    ev.channel = local_[local - 1]->handle;
    close_local(local, true);
    events_.push_back(std::move(ev));
  }
  gc(key);
  return {};
}

Status Protomux::on_close(ByteView body) {
  Reader r(body);
  HC_TRY(std::uint64_t remote_id, r.uint());
  if (remote_id == 0 || remote_id > remote_.size() || !remote_[remote_id - 1]) return {};
  const Remote& slot = *remote_[remote_id - 1];
  // A close for an open we have not answered yet is ignored, as in Node.
  if (slot.awaiting || slot.session == 0) return {};
  const std::uint32_t local = slot.session;
  MuxEvent ev = event(MuxEvent::Kind::closed);
  ev.channel = local_[local - 1]->handle;
  ev.remote = true;
  close_local(local, true);
  events_.push_back(std::move(ev));
  return {};
}

Status Protomux::check_hard_limit() {
  if (buffered_ + awaiting_bytes_ > options_.max_buffered_hard) return MuxErrc::buffer_overflow;
  return {};
}

// ---- channels ----------------------------------------------------------

Result<ChannelHandle> Protomux::open_channel(std::string_view protocol,
                                             std::optional<ByteView> id, ByteView handshake) {
  if (destroyed_) return MuxErrc::destroyed;
  if (id && id->empty()) id.reset();  // optionalBuffer: empty is null
  std::string key = make_key(protocol, id);
  Info& info = infos_[key];
  if (info.opened > 0) return MuxErrc::channel_exists;

  std::uint32_t local;
  if (!free_.empty()) {
    local = free_.back() + 1;
    free_.pop_back();
  } else {
    local_.emplace_back();
    local = static_cast<std::uint32_t>(local_.size());
  }
  const ChannelHandle handle = next_handle_++;
  info.opened++;
  std::uint64_t paired = 0;
  if (!info.incoming.empty()) {
    paired = info.incoming.front();
    info.incoming.pop_front();
  } else {
    info.outgoing.push_back(local);
  }
  local_[local - 1] = Local{handle, key, paired};
  handles_[handle] = local;

  Bytes msg;
  Writer w(msg);
  w.u8(0);
  w.u8(static_cast<std::uint8_t>(Control::open));
  w.uint(local);
  w.string(protocol);
  w.optional_buffer(id);
  w.raw(handshake);
  write_control(std::move(msg));

  if (paired != 0) pair_with_awaiting(local, paired);
  return handle;
}

void Protomux::pair_with_awaiting(std::uint32_t local, std::uint64_t remote_id) {
  Remote& slot = *remote_[remote_id - 1];
  assert(slot.awaiting);
  slot.awaiting = false;
  slot.session = local;
  awaiting_bytes_ -= byte_size(slot.handshake.size());
  const ChannelHandle handle = local_[local - 1]->handle;
  MuxEvent opened = event(MuxEvent::Kind::opened);
  opened.channel = handle;
  opened.payload = std::exchange(slot.handshake, {});
  events_.push_back(std::move(opened));
  for (auto& p : slot.pending) {
    buffered_ -= byte_size(p.payload.size());
    MuxEvent ev = event(MuxEvent::Kind::message);
    ev.channel = handle;
    ev.type = p.type;
    ev.payload = std::move(p.payload);
    events_.push_back(std::move(ev));
  }
  slot.pending.clear();
  slot.pending.shrink_to_fit();
  resume_maybe();
}

Status Protomux::reject_remote(std::uint64_t remote_id) {
  if (destroyed_) return MuxErrc::destroyed;
  if (remote_id == 0 || remote_id > remote_.size() || !remote_[remote_id - 1] ||
      !remote_[remote_id - 1]->awaiting) {
    return MuxErrc::not_pending;
  }
  Remote& slot = *remote_[remote_id - 1];
  const std::string key = slot.key;
  Info& info = infos_[key];
  info.incoming.erase(std::remove(info.incoming.begin(), info.incoming.end(), remote_id),
                      info.incoming.end());
  drop_pending(slot);
  awaiting_bytes_ -= byte_size(slot.handshake.size());
  remote_[remote_id - 1].reset();
  resume_maybe();
  gc(key);

  Bytes msg;
  Writer w(msg);
  w.u8(0);
  w.u8(static_cast<std::uint8_t>(Control::reject));
  w.uint(remote_id);
  write_control(std::move(msg));
  return {};
}

Status Protomux::send(ChannelHandle channel, std::uint64_t type, ByteView payload) {
  if (destroyed_) return MuxErrc::destroyed;
  const Local* l = find(channel);
  if (l == nullptr) return MuxErrc::channel_closed;
  const std::uint32_t local = handles_.at(channel);
  if (corked_ > 0) {
    Bytes entry;
    entry.reserve(encoding::uint_size(type) + payload.size());
    Writer w(entry);
    w.uint(type);
    w.raw(payload);
    push_batch(local, entry);
    return {};
  }
  Bytes msg;
  msg.reserve(encoding::uint_size(local) + encoding::uint_size(type) + payload.size());
  Writer w(msg);
  w.uint(local);
  w.uint(type);
  w.raw(payload);
  output_.push_back(std::move(msg));
  return {};
}

Status Protomux::close(ChannelHandle channel) {
  if (destroyed_) return MuxErrc::destroyed;
  if (find(channel) == nullptr) return MuxErrc::channel_closed;
  const std::uint32_t local = handles_.at(channel);
  Bytes msg;
  Writer w(msg);
  w.u8(0);
  w.u8(static_cast<std::uint8_t>(Control::close));
  w.uint(local);
  close_local(local, false);
  write_control(std::move(msg));
  MuxEvent ev = event(MuxEvent::Kind::closed);
  ev.channel = channel;
  ev.remote = false;
  events_.push_back(std::move(ev));
  return {};
}

// Node's Channel._close: a paired channel frees its remote slot and its local
// id at once (the peer acknowledged the id by opening); an unpaired one keeps
// its id in `outgoing` until the peer's open or reject arrives.
void Protomux::close_local(std::uint32_t local, bool /*remote*/) {
  Local l = std::move(*local_[local - 1]);
  local_[local - 1].reset();
  handles_.erase(l.handle);
  auto it = infos_.find(l.key);
  if (it != infos_.end() && it->second.opened > 0) it->second.opened--;
  if (l.remote_id > 0) {
    remote_[l.remote_id - 1].reset();
    free_.push_back(local - 1);
  }
  gc(l.key);
}

void Protomux::destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  batch_.clear();
  for (std::size_t i = 0; i < local_.size(); i++) {
    if (!local_[i]) continue;
    MuxEvent ev = event(MuxEvent::Kind::closed);
    ev.channel = local_[i]->handle;
    ev.remote = true;
    close_local(static_cast<std::uint32_t>(i + 1), true);
    events_.push_back(std::move(ev));
  }
}

void Protomux::drop_pending(Remote& slot) {
  for (const auto& p : slot.pending) buffered_ -= byte_size(p.payload.size());
  slot.pending.clear();
}

void Protomux::pause_maybe() {
  if (paused_ || buffered_ <= options_.max_buffered) return;
  paused_ = true;
  events_.push_back(event(MuxEvent::Kind::pause));
}

void Protomux::resume_maybe() {
  if (!paused_ || buffered_ > options_.max_buffered) return;
  paused_ = false;
  events_.push_back(event(MuxEvent::Kind::resume));
}

void Protomux::gc(const std::string& key) {
  auto it = infos_.find(key);
  if (it == infos_.end()) return;
  const Info& info = it->second;
  if (info.opened == 0 && info.incoming.empty() && info.outgoing.empty()) infos_.erase(it);
}

// ---- output ------------------------------------------------------------

void Protomux::write_control(Bytes message) {
  if (corked_ > 0) {
    // Inside a batch a control message is an entry of channel 0 without its
    // leading 00 (Node's _write0).
    push_batch(0, ByteView(message).subspan(1));
    return;
  }
  output_.push_back(std::move(message));
}

void Protomux::cork() {
  if (destroyed_) return;
  corked_++;
}

void Protomux::uncork() {
  if (destroyed_ || corked_ == 0) return;
  if (--corked_ == 0) flush_batch();
}

// Batch frame: 00 00 uint(firstChannel) then, per entry, uint(len) ‖ entry,
// with 00 uint(channel) before an entry whose channel differs from the last.
void Protomux::push_batch(std::uint64_t local_id, ByteView entry) {
  if (batch_.size() >= options_.max_batch) flush_batch();
  Writer w(batch_);
  if (batch_.empty()) {
    w.u8(0);
    w.u8(static_cast<std::uint8_t>(Control::batch));
    w.uint(local_id);
    batch_last_ = local_id;
  } else if (batch_last_ != local_id) {
    w.u8(0);
    w.uint(local_id);
    batch_last_ = local_id;
  }
  w.buffer(entry);
}

void Protomux::flush_batch() {
  if (batch_.empty()) return;
  output_.push_back(std::exchange(batch_, {}));
}

// ---- queries -----------------------------------------------------------

const Protomux::Local* Protomux::find(ChannelHandle channel) const {
  auto it = handles_.find(channel);
  if (it == handles_.end()) return nullptr;
  return &*local_[it->second - 1];
}

Protomux::Local* Protomux::find(ChannelHandle channel) {
  return const_cast<Local*>(std::as_const(*this).find(channel));
}

bool Protomux::is_open(ChannelHandle channel) const {
  const Local* l = find(channel);
  return l != nullptr && l->remote_id != 0;
}

std::optional<std::uint32_t> Protomux::local_id(ChannelHandle channel) const {
  auto it = handles_.find(channel);
  if (it == handles_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint64_t> Protomux::remote_id(ChannelHandle channel) const {
  const Local* l = find(channel);
  if (l == nullptr || l->remote_id == 0) return std::nullopt;
  return l->remote_id;
}

}  // namespace hc::wire
