#include "frame.hpp"

#include <cassert>

namespace hc::wire {

void append_frame(Bytes& out, ByteView payload) {
  assert(payload.size() <= kMaxFramePayload);
  const auto n = static_cast<std::uint32_t>(payload.size());
  out.push_back(static_cast<std::uint8_t>(n));
  out.push_back(static_cast<std::uint8_t>(n >> 8));
  out.push_back(static_cast<std::uint8_t>(n >> 16));
  out.insert(out.end(), payload.begin(), payload.end());
}

void FrameReader::feed(ByteView bytes) {
  // Drop what was consumed before growing, so the buffer holds at most one
  // partial frame plus the new bytes.
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset_));
    offset_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<std::size_t> FrameReader::next_length() const {
  if (buffer_.size() - offset_ < kFrameHeaderBytes) return std::nullopt;
  const std::uint8_t* p = buffer_.data() + offset_;
  return std::size_t{p[0]} | std::size_t{p[1]} << 8 | std::size_t{p[2]} << 16;
}

std::optional<Bytes> FrameReader::next() {
  const auto length = next_length();
  if (!length || buffer_.size() - offset_ - kFrameHeaderBytes < *length) return std::nullopt;
  const std::uint8_t* p = buffer_.data() + offset_;
  Bytes payload(p + kFrameHeaderBytes, p + kFrameHeaderBytes + *length);
  offset_ += kFrameHeaderBytes + *length;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  return payload;
}

}  // namespace hc::wire
