#include "encoding/compact.hpp"

#include <doctest/doctest.h>

#include "encoding/key_id.hpp"

using namespace hc;
using namespace hc::encoding;

namespace {
std::string encode_uint(std::uint64_t n) {
  Bytes out;
  Writer(out).uint(n);
  return to_hex(out);
}
}  // namespace

TEST_CASE("uint uses the shortest of the four forms") {
  CHECK(encode_uint(0) == "00");
  CHECK(encode_uint(252) == "fc");
  CHECK(encode_uint(253) == "fdfd00");
  CHECK(encode_uint(65535) == "fdffff");
  CHECK(encode_uint(65536) == "fe00000100");
  CHECK(encode_uint(0xffffffff) == "feffffffff");
  CHECK(encode_uint(0x100000000) == "ff0000000001000000");
  CHECK(encode_uint(kMaxSafeInteger) == "ffffffffffffff1f00");
}

TEST_CASE("uint decoding accepts non-canonical forms and refuses what JS cannot hold") {
  Bytes b = *from_hex("fd0500");
  Reader r(b);
  CHECK(*r.uint() == 5);
  CHECK(r.done());
  Bytes big = *from_hex("ff0000000000002000");  // 2^53
  CHECK(Reader(big).uint().error() == Errc::uint_too_large);
  for (const char* truncated : {"", "fd", "fd00", "fe000000", "ff00000000000000"}) {
    Bytes t = *from_hex(truncated);
    CHECK(Reader(t).uint().error() == Errc::out_of_bounds);
  }
}

TEST_CASE("buffers and arrays check their lengths against the input") {
  Bytes b = *from_hex("05616263");  // claims 5 bytes, has 3
  CHECK(Reader(b).buffer().error() == Errc::out_of_bounds);
  Bytes arr = *from_hex("fe00001000");  // 0x100000 elements
  CHECK(Reader(arr).array_length(0).ok());
  Bytes arr2 = *from_hex("fe01001000");  // 0x100001 elements
  CHECK(Reader(arr2).array_length(0).error() == Errc::array_too_big);
  Bytes arr3 = *from_hex("0a00");  // 10 elements of >= 1 byte, 1 byte left
  CHECK(Reader(arr3).array_length(1).error() == Errc::out_of_bounds);
  Bytes ob = *from_hex("00");
  CHECK(!Reader(ob).optional_buffer()->has_value());
}

TEST_CASE("uint32 arrays count elements, not bytes") {
  Bytes out;
  Writer(out).uint32_array({5, 0x80000000});
  CHECK(to_hex(out) == "020500000000000080");
  Reader r(out);
  auto words = r.uint32_array();
  REQUIRE(words.ok());
  CHECK(words->size() == 2);
  CHECK((*words)[1] == 0x80000000);
}
