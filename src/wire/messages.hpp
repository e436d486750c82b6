// The messages of the hypercore replication channel (protocol "hypercore/alpha"),
// byte-exact with hypercore@11.37.1 lib/messages.js `wire.*`; the type numbers
// are the positions in lib/replicator.js `_makePeer` (docs/protocol/hypercore.md
// §7.2, §7.3).
//
// Encoders write Node's canonical bytes: shortest uints, optional fields only
// when Node writes them (request priority when non-zero, want/unwant flags only
// when `any`, noData reason only when non-zero, range length unless it is 1).
// Decoders accept what Node's decoders accept (non-canonical uints, absent
// trailing flags of noData/want/unwant, bytes after the message) and refuse
// the rest with an encoding::Errc; they check every length and count before
// allocating. request and data are core::ProofRequest / core::Proof, coded by
// core/proof_codec.
//
// Pure functions, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/proof.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::wire {

enum class MessageType : std::uint8_t {
  sync = 0,
  request = 1,
  cancel = 2,
  data = 3,
  no_data = 4,
  want = 5,
  unwant = 6,
  bitfield = 7,
  range = 8,
  extension = 9,
};
inline constexpr std::uint64_t kMessageTypeCount = 10;

// The channel's open handshake: uint flags (bit0 seeks) ‖ fixed32 capability.
// Node always sends seeks = true.
struct Handshake {
  bool seeks = true;
  Hash32 capability{};  // crypto::caps::replicate(is_initiator, key, handshake_hash)
  bool operator==(const Handshake&) const = default;
};

struct Sync {
  std::uint64_t fork = 0;
  std::uint64_t length = 0;
  std::uint64_t remote_length = 0;  // the length last received from the peer
  bool can_upgrade = false;         // flag 1
  bool uploading = false;           // flag 2
  bool downloading = false;         // flag 4
  bool has_manifest = false;        // flag 8
  bool allow_push = false;          // flag 16
  bool operator==(const Sync&) const = default;
};

using Request = core::ProofRequest;
using Data = core::Proof;

struct Cancel {
  std::uint64_t request = 0;
  bool operator==(const Cancel&) const = default;
};

struct NoData {
  static constexpr std::uint64_t kNotAvailable = 1;
  static constexpr std::uint64_t kInvalidRequest = 2;
  std::uint64_t request = 0;
  std::uint64_t reason = 0;  // 0: none given
  bool operator==(const NoData&) const = default;
};

struct Want {
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  bool any = false;
  bool operator==(const Want&) const = default;
};

// Withdraws a Want; the same fields and bytes.
struct Unwant {
  std::uint64_t start = 0;
  std::uint64_t length = 0;
  bool any = false;
  bool operator==(const Unwant&) const = default;
};

// Block start + i is present iff bit i % 32 of words[i / 32] is set.
struct Bitfield {
  std::uint64_t start = 0;  // a multiple of 32 when Node sends it (not checked here)
  std::vector<std::uint32_t> bitfield;
  bool operator==(const Bitfield&) const = default;
};

struct Range {
  bool drop = false;
  std::uint64_t start = 0;
  std::uint64_t length = 1;
  bool operator==(const Range&) const = default;
};

struct Extension {
  std::string name;  // raw bytes (Node: UTF-8); "" repeats the previous name
  Bytes message;     // the rest of the payload
  bool operator==(const Extension&) const = default;
};

// Alternative i is the message of type i.
using Message =
    std::variant<Sync, Request, Cancel, Data, NoData, Want, Unwant, Bitfield, Range, Extension>;

// The type of a wire type number, or nullopt for one outside 0..9.
std::optional<MessageType> message_type(std::uint64_t n);
MessageType type_of(const Message& m);

// REQUIRES (all encoders): every integer field <= 2^53-1 (encoding::kMaxSafeInteger).
Bytes encode_handshake(const Handshake& m);
Result<Handshake> decode_handshake(ByteView bytes);

Bytes encode(const Sync& m);
Bytes encode(const Request& m);
Bytes encode(const Cancel& m);
Bytes encode(const Data& m);
Bytes encode(const NoData& m);
Bytes encode(const Want& m);
Bytes encode(const Unwant& m);
Bytes encode(const Bitfield& m);
Bytes encode(const Range& m);
Bytes encode(const Extension& m);
Bytes encode(const Message& m);

Result<Sync> decode_sync(ByteView bytes);
Result<Request> decode_request(ByteView bytes);
Result<Cancel> decode_cancel(ByteView bytes);
Result<Data> decode_data(ByteView bytes);
Result<NoData> decode_no_data(ByteView bytes);
Result<Want> decode_want(ByteView bytes);
Result<Unwant> decode_unwant(ByteView bytes);
Result<Bitfield> decode_bitfield(ByteView bytes);
Result<Range> decode_range(ByteView bytes);
Result<Extension> decode_extension(ByteView bytes);

// The payload of a message of wire type `type`. An unknown type is
// encoding::Errc::invalid_value.
Result<Message> decode_message(std::uint64_t type, ByteView payload);
Result<Message> decode_message(MessageType type, ByteView payload);

}  // namespace hc::wire
