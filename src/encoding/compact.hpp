// compact-encoding primitives, byte-exact with compact-encoding@3.5.2 (index.js).
//
// Writer appends to a byte vector; Reader walks a span and never reads past its
// end: every length, count and integer is checked, and a failure is a value.
// Only the types the Hypercore protocol uses are here (see
// docs/protocol/hypercore.md §1 of the shared design docs).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "bytes.hpp"
#include "errors.hpp"
#include "result.hpp"

namespace hc::encoding {

// JS numbers: compact uints above this are refused on both sides.
inline constexpr std::uint64_t kMaxSafeInteger = (std::uint64_t{1} << 53) - 1;
// compact-encoding's array decoder refuses more elements than this.
inline constexpr std::uint64_t kMaxArrayLength = 0x100000;

// Size in bytes of uint(n) in its canonical (shortest) form.
constexpr std::size_t uint_size(std::uint64_t n) {
  return n <= 0xfc ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}

  // REQUIRES: n <= kMaxSafeInteger (asserted: callers never hold larger values).
  void uint(std::uint64_t n);
  void u8(std::uint8_t n) { out_.push_back(n); }
  void u16(std::uint16_t n);
  void u24(std::uint32_t n);
  void u32(std::uint32_t n);
  void u64(std::uint64_t n);
  void boolean(bool b) { out_.push_back(b ? 1 : 0); }
  void fixed(ByteView b) { append(out_, b); }
  void buffer(ByteView b);
  // null and empty encode alike (00), as in compact-encoding.
  void optional_buffer(std::optional<ByteView> b);
  void string(std::string_view s) { buffer(as_bytes(s)); }
  void uint32_array(const std::vector<std::uint32_t>& words);
  void raw(ByteView b) { append(out_, b); }

  Bytes& out() { return out_; }

 private:
  Bytes& out_;
};

class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  Result<std::uint64_t> uint();  // accepts non-canonical forms, like Node
  Result<std::uint8_t> u8();
  Result<std::uint16_t> u16();
  Result<std::uint32_t> u24();
  Result<std::uint32_t> u32();
  Result<std::uint64_t> u64();
  Result<bool> boolean();
  Result<ByteView> fixed(std::size_t n);
  template <std::size_t N>
  Result<std::array<std::uint8_t, N>> fixed_array() {
    HC_TRY(ByteView b, fixed(N));
    std::array<std::uint8_t, N> a;
    std::copy(b.begin(), b.end(), a.begin());
    return a;
  }
  Result<ByteView> buffer();
  // A decoded length of 0 gives nullopt (compact-encoding cannot tell empty from null).
  Result<std::optional<ByteView>> optional_buffer();
  Result<std::string_view> string();
  // An array's element count, refused above kMaxArrayLength and above what the
  // remaining input could hold with min_item_size bytes per element.
  Result<std::uint64_t> array_length(std::size_t min_item_size = 1);
  Result<std::vector<std::uint32_t>> uint32_array();
  ByteView rest();

  bool done() const { return pos_ == in_.size(); }
  std::size_t remaining() const { return in_.size() - pos_; }
  std::size_t position() const { return pos_; }
  Status expect_end() const;

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

}  // namespace hc::encoding
