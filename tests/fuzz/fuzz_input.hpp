// Helpers shared by the libFuzzer targets of tests/fuzz (not part of any
// library): FuzzInput reads a fuzz input front to back as small integers and
// byte strings, so that the seed generator (seeds.cpp) can write inputs that
// mean something; fuzz_check() is the property-check abort.
//
// Reading past the end yields zeros and empty strings: every input is valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "encoding/bytes.hpp"

namespace hc::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const { return at_ >= size_; }
  std::size_t remaining() const { return size_ - at_; }

  std::uint8_t u8() { return empty() ? 0 : data_[at_++]; }
  std::uint16_t u16() {  // little-endian
    const std::uint16_t lo = u8();
    return static_cast<std::uint16_t>(lo | (u8() << 8));
  }
  // Up to n bytes (fewer at the end of the input).
  ByteView take(std::size_t n) {
    n = n < remaining() ? n : remaining();
    ByteView out(data_ + at_, n);
    at_ += n;
    return out;
  }
  // u8 length, then that many bytes; a length byte of 0xff reads u16 length.
  ByteView bytes() {
    std::size_t n = u8();
    if (n == 0xff) n = u16();
    return take(n);
  }
  ByteView rest() { return take(remaining()); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

inline void print_hex(const char* what, ByteView b) {
  std::fprintf(stderr, "%s (%zu bytes): ", what, b.size());
  for (auto x : b) std::fprintf(stderr, "%02x", x);
  std::fprintf(stderr, "\n");
}

// A property that must hold: prints what broke it and aborts (libFuzzer
// then saves the input as a crash artifact).
#define HC_FUZZ_CHECK(cond, what)                                                       \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "fuzz property failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   #cond, what);                                                        \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

}  // namespace hc::fuzz
