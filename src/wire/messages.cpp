#include "messages.hpp"

#include <type_traits>

#include "core/proof_codec.hpp"
#include "encoding/compact.hpp"
#include "encoding/errors.hpp"

namespace hc::wire {
namespace {

using encoding::Reader;
using encoding::Writer;

static_assert(std::variant_size_v<Message> == kMessageTypeCount);
static_assert(std::is_same_v<std::variant_alternative_t<1, Message>, Request>);
static_assert(std::is_same_v<std::variant_alternative_t<3, Message>, Data>);
static_assert(std::is_same_v<std::variant_alternative_t<9, Message>, Extension>);

constexpr std::uint64_t kSyncCanUpgrade = 1, kSyncUploading = 2, kSyncDownloading = 4,
                        kSyncHasManifest = 8, kSyncAllowPush = 16;
constexpr std::uint64_t kRangeDrop = 1, kRangeLengthOne = 2;
constexpr std::uint64_t kWantAny = 1;
constexpr std::uint64_t kNoDataReason = 1;

// want and unwant share their bytes.
template <class M>
Bytes encode_want_like(const M& m) {
  Bytes out;
  Writer w(out);
  w.uint(m.start);
  w.uint(m.length);
  if (m.any) w.uint(kWantAny);
  return out;
}

template <class M>
Result<M> decode_want_like(ByteView bytes) {
  Reader r(bytes);
  M m;
  HC_TRY(m.start, r.uint());
  HC_TRY(m.length, r.uint());
  std::uint64_t flags = 0;
  if (!r.done()) {
    HC_TRY(flags, r.uint());
  }
  m.any = (flags & kWantAny) != 0;
  return m;
}

// GCC 12 warns (falsely) that members of the moved-from alternative may be
// uninitialized once this is inlined into decode_message's switch.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
template <class M>
Result<Message> as_message(Result<M> r) {
  if (!r) return r.error();
  return Message(std::move(*r));
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

std::optional<MessageType> message_type(std::uint64_t n) {
  if (n >= kMessageTypeCount) return std::nullopt;
  return static_cast<MessageType>(n);
}

MessageType type_of(const Message& m) { return static_cast<MessageType>(m.index()); }

Bytes encode_handshake(const Handshake& m) {
  Bytes out;
  Writer w(out);
  w.uint(m.seeks ? 1 : 0);
  w.fixed(m.capability);
  return out;
}

Result<Handshake> decode_handshake(ByteView bytes) {
  Reader r(bytes);
  Handshake m;
  HC_TRY(std::uint64_t flags, r.uint());
  m.seeks = (flags & 1) != 0;
  HC_TRY(m.capability, r.fixed_array<32>());
  return m;
}

Bytes encode(const Sync& m) {
  Bytes out;
  Writer w(out);
  w.uint((m.can_upgrade ? kSyncCanUpgrade : 0) | (m.uploading ? kSyncUploading : 0) |
         (m.downloading ? kSyncDownloading : 0) | (m.has_manifest ? kSyncHasManifest : 0) |
         (m.allow_push ? kSyncAllowPush : 0));
  w.uint(m.fork);
  w.uint(m.length);
  w.uint(m.remote_length);
  return out;
}

Result<Sync> decode_sync(ByteView bytes) {
  Reader r(bytes);
  Sync m;
  HC_TRY(std::uint64_t flags, r.uint());
  HC_TRY(m.fork, r.uint());
  HC_TRY(m.length, r.uint());
  HC_TRY(m.remote_length, r.uint());
  m.can_upgrade = (flags & kSyncCanUpgrade) != 0;
  m.uploading = (flags & kSyncUploading) != 0;
  m.downloading = (flags & kSyncDownloading) != 0;
  m.has_manifest = (flags & kSyncHasManifest) != 0;
  m.allow_push = (flags & kSyncAllowPush) != 0;
  return m;
}

Bytes encode(const Request& m) { return core::encode_request(m); }
Result<Request> decode_request(ByteView bytes) { return core::decode_request(bytes); }

Bytes encode(const Cancel& m) {
  Bytes out;
  Writer w(out);
  w.uint(m.request);
  return out;
}

Result<Cancel> decode_cancel(ByteView bytes) {
  Reader r(bytes);
  Cancel m;
  HC_TRY(m.request, r.uint());
  return m;
}

Bytes encode(const Data& m) { return core::encode_proof(m); }
Result<Data> decode_data(ByteView bytes) { return core::decode_proof(bytes); }

Bytes encode(const NoData& m) {
  Bytes out;
  Writer w(out);
  w.uint(m.request);
  w.uint(m.reason ? kNoDataReason : 0);
  if (m.reason) w.uint(m.reason);
  return out;
}

Result<NoData> decode_no_data(ByteView bytes) {
  Reader r(bytes);
  NoData m;
  HC_TRY(m.request, r.uint());
  std::uint64_t flags = 0;
  if (!r.done()) {
    HC_TRY(flags, r.uint());
  }
  if (flags & kNoDataReason) {
    HC_TRY(m.reason, r.uint());
  }
  return m;
}

Bytes encode(const Want& m) { return encode_want_like(m); }
Bytes encode(const Unwant& m) { return encode_want_like(m); }
Result<Want> decode_want(ByteView bytes) { return decode_want_like<Want>(bytes); }
Result<Unwant> decode_unwant(ByteView bytes) { return decode_want_like<Unwant>(bytes); }

Bytes encode(const Bitfield& m) {
  Bytes out;
  Writer w(out);
  w.uint(m.start);
  w.uint32_array(m.bitfield);
  return out;
}

Result<Bitfield> decode_bitfield(ByteView bytes) {
  Reader r(bytes);
  Bitfield m;
  HC_TRY(m.start, r.uint());
  // Checks the word count against the remaining bytes before allocating.
  HC_TRY(m.bitfield, r.uint32_array());
  return m;
}

Bytes encode(const Range& m) {
  Bytes out;
  Writer w(out);
  const bool one = m.length == 1;
  w.uint((m.drop ? kRangeDrop : 0) | (one ? kRangeLengthOne : 0));
  w.uint(m.start);
  if (!one) w.uint(m.length);
  return out;
}

Result<Range> decode_range(ByteView bytes) {
  Reader r(bytes);
  Range m;
  HC_TRY(std::uint64_t flags, r.uint());
  m.drop = (flags & kRangeDrop) != 0;
  HC_TRY(m.start, r.uint());
  if (flags & kRangeLengthOne) {
    m.length = 1;
  } else {
    HC_TRY(m.length, r.uint());
  }
  return m;
}

Bytes encode(const Extension& m) {
  Bytes out;
  Writer w(out);
  w.string(m.name);
  w.raw(m.message);
  return out;
}

Result<Extension> decode_extension(ByteView bytes) {
  Reader r(bytes);
  Extension m;
  HC_TRY(std::string_view name, r.string());
  m.name = std::string(name);
  m.message = to_bytes(r.rest());
  return m;
}

Bytes encode(const Message& m) {
  return std::visit([](const auto& v) { return encode(v); }, m);
}

Result<Message> decode_message(MessageType type, ByteView payload) {
  switch (type) {
    case MessageType::sync: return as_message(decode_sync(payload));
    case MessageType::request: return as_message(decode_request(payload));
    case MessageType::cancel: return as_message(decode_cancel(payload));
    case MessageType::data: return as_message(decode_data(payload));
    case MessageType::no_data: return as_message(decode_no_data(payload));
    case MessageType::want: return as_message(decode_want(payload));
    case MessageType::unwant: return as_message(decode_unwant(payload));
    case MessageType::bitfield: return as_message(decode_bitfield(payload));
    case MessageType::range: return as_message(decode_range(payload));
    case MessageType::extension: return as_message(decode_extension(payload));
  }
  return encoding::Errc::invalid_value;
}

Result<Message> decode_message(std::uint64_t type, ByteView payload) {
  auto t = message_type(type);
  if (!t) return encoding::Errc::invalid_value;
  return decode_message(*t, payload);
}

}  // namespace hc::wire
