#include "compact.hpp"

#include <cassert>

namespace hc::encoding {

void Writer::uint(std::uint64_t n) {
  assert(n <= kMaxSafeInteger);
  if (n <= 0xfc) {
    u8(static_cast<std::uint8_t>(n));
  } else if (n <= 0xffff) {
    u8(0xfd);
    u16(static_cast<std::uint16_t>(n));
  } else if (n <= 0xffffffff) {
    u8(0xfe);
    u32(static_cast<std::uint32_t>(n));
  } else {
    u8(0xff);
    u64(n);
  }
}

void Writer::u16(std::uint16_t n) {
  out_.push_back(static_cast<std::uint8_t>(n));
  out_.push_back(static_cast<std::uint8_t>(n >> 8));
}

void Writer::u24(std::uint32_t n) {
  for (int i = 0; i < 3; i++) out_.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
}

void Writer::u32(std::uint32_t n) {
  for (int i = 0; i < 4; i++) out_.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
}

void Writer::u64(std::uint64_t n) {
  for (int i = 0; i < 8; i++) out_.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
}

void Writer::buffer(ByteView b) {
  uint(b.size());
  fixed(b);
}

void Writer::optional_buffer(std::optional<ByteView> b) {
  if (!b) {
    u8(0);
    return;
  }
  buffer(*b);
}

void Writer::uint32_array(const std::vector<std::uint32_t>& words) {
  uint(words.size());
  for (auto w : words) u32(w);
}

Result<std::uint8_t> Reader::u8() {
  if (remaining() < 1) return Errc::out_of_bounds;
  return in_[pos_++];
}

Result<std::uint16_t> Reader::u16() {
  if (remaining() < 2) return Errc::out_of_bounds;
  std::uint16_t n = static_cast<std::uint16_t>(in_[pos_] | (in_[pos_ + 1] << 8));
  pos_ += 2;
  return n;
}

Result<std::uint32_t> Reader::u24() {
  if (remaining() < 3) return Errc::out_of_bounds;
  std::uint32_t n = in_[pos_] | (in_[pos_ + 1] << 8) | (std::uint32_t{in_[pos_ + 2]} << 16);
  pos_ += 3;
  return n;
}

Result<std::uint32_t> Reader::u32() {
  if (remaining() < 4) return Errc::out_of_bounds;
  std::uint32_t n = 0;
  for (int i = 3; i >= 0; i--) n = (n << 8) | in_[pos_ + i];
  pos_ += 4;
  return n;
}

Result<std::uint64_t> Reader::u64() {
  if (remaining() < 8) return Errc::out_of_bounds;
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = (n << 8) | in_[pos_ + i];
  pos_ += 8;
  return n;
}

Result<std::uint64_t> Reader::uint() {
  HC_TRY(std::uint8_t first, u8());
  std::uint64_t n;
  if (first <= 0xfc) {
    n = first;
  } else if (first == 0xfd) {
    HC_TRY(n, u16());
  } else if (first == 0xfe) {
    HC_TRY(n, u32());
  } else {
    HC_TRY(n, u64());
  }
  if (n > kMaxSafeInteger) return Errc::uint_too_large;
  return n;
}

Result<bool> Reader::boolean() {
  HC_TRY(std::uint8_t b, u8());
  return b == 1;
}

Result<ByteView> Reader::fixed(std::size_t n) {
  if (remaining() < n) return Errc::out_of_bounds;
  ByteView b = in_.subspan(pos_, n);
  pos_ += n;
  return b;
}

Result<ByteView> Reader::buffer() {
  HC_TRY(std::uint64_t len, uint());
  if (len > remaining()) return Errc::out_of_bounds;
  return fixed(static_cast<std::size_t>(len));
}

Result<std::optional<ByteView>> Reader::optional_buffer() {
  HC_TRY(ByteView b, buffer());
  if (b.empty()) return std::optional<ByteView>{};
  return std::optional<ByteView>{b};
}

Result<std::string_view> Reader::string() {
  HC_TRY(ByteView b, buffer());
  return as_chars(b);
}

Result<std::uint64_t> Reader::array_length(std::size_t min_item_size) {
  HC_TRY(std::uint64_t n, uint());
  if (n > kMaxArrayLength) return Errc::array_too_big;
  if (min_item_size > 0 && n > remaining() / min_item_size) return Errc::out_of_bounds;
  return n;
}

Result<std::vector<std::uint32_t>> Reader::uint32_array() {
  HC_TRY(std::uint64_t n, uint());
  if (n > remaining() / 4) return Errc::out_of_bounds;
  std::vector<std::uint32_t> words(static_cast<std::size_t>(n));
  for (auto& w : words) {
    HC_TRY(w, u32());
  }
  return words;
}

ByteView Reader::rest() {
  ByteView b = in_.subspan(pos_);
  pos_ = in_.size();
  return b;
}

Status Reader::expect_end() const {
  if (!done()) return Errc::trailing_bytes;
  return {};
}

}  // namespace hc::encoding
