// The raw framing of @hyperswarm/secret-stream: every message on the byte
// stream, handshake or encrypted, is u24le(length) ‖ payload
// (docs/protocol/hypercore.md §5.2). FrameReader cuts a byte stream that
// arrives in arbitrary pieces back into payloads.
//
// Pure state, no I/O. Memory: at most one partial frame (< 16 MiB) plus what
// the caller fed and has not taken yet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::wire {

inline constexpr std::size_t kFrameHeaderBytes = 3;
inline constexpr std::size_t kMaxFramePayload = (std::size_t{1} << 24) - 1;

// u24le(payload.size()) ‖ payload appended to `out`. REQUIRES: payload.size()
// <= kMaxFramePayload.
void append_frame(Bytes& out, ByteView payload);

class FrameReader {
 public:
  // Adds bytes from the stream.
  void feed(ByteView bytes);
  // The next complete payload, or nullopt until more bytes come.
  std::optional<Bytes> next();
  // The length the next frame announces, once its prefix has arrived (lets
  // the caller refuse a frame it cannot accept before buffering it whole).
  std::optional<std::size_t> next_length() const;
  // Bytes fed and not yet returned as payloads.
  std::size_t buffered() const { return buffer_.size() - offset_; }

 private:
  Bytes buffer_;
  std::size_t offset_ = 0;  // start of the first unread frame in buffer_
};

}  // namespace hc::wire
