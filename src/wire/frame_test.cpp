#include "wire/frame.hpp"

#include <doctest/doctest.h>

#include <random>
#include <vector>

using namespace hc;
using namespace hc::wire;

TEST_CASE("frames: u24le length prefix, empty and largest payloads") {
  Bytes out;
  append_frame(out, Bytes{});
  CHECK(out == Bytes{0, 0, 0});
  out.clear();
  append_frame(out, Bytes{0xaa, 0xbb});
  CHECK(out == Bytes{2, 0, 0, 0xaa, 0xbb});
  Bytes big(kMaxFramePayload, 7);
  out.clear();
  append_frame(out, big);
  CHECK(out.size() == kMaxFramePayload + 3);
  CHECK(out[0] == 0xff);
  CHECK(out[1] == 0xff);
  CHECK(out[2] == 0xff);
  FrameReader r;
  r.feed(out);
  auto got = r.next();
  REQUIRE(got);
  CHECK(*got == big);
  CHECK(r.buffered() == 0);
}

TEST_CASE("frames: a stream cut anywhere gives back the same payloads, in order") {
  std::mt19937 rng(1);
  for (int round = 0; round < 200; round++) {
    std::vector<Bytes> payloads(rng() % 20);
    Bytes stream;
    for (auto& p : payloads) {
      p.resize(rng() % 3 == 0 ? rng() % 70000 : rng() % 40);
      for (auto& b : p) b = static_cast<std::uint8_t>(rng());
      append_frame(stream, p);
    }
    FrameReader r;
    std::vector<Bytes> got;
    std::size_t at = 0;
    while (at < stream.size()) {
      const std::size_t n = std::min<std::size_t>(stream.size() - at, 1 + rng() % 5000);
      r.feed(ByteView(stream.data() + at, n));
      at += n;
      while (auto p = r.next()) got.push_back(std::move(*p));
    }
    CHECK(got == payloads);
    CHECK(r.buffered() == 0);
  }
}

TEST_CASE("frames: a partial frame waits for the rest") {
  FrameReader r;
  r.feed(Bytes{5, 0});
  CHECK_FALSE(r.next());
  r.feed(Bytes{0, 1, 2});
  CHECK_FALSE(r.next());
  CHECK(r.buffered() == 5);
  r.feed(Bytes{3, 4, 5});
  auto got = r.next();
  REQUIRE(got);
  CHECK(*got == Bytes{1, 2, 3, 4, 5});
  CHECK(r.buffered() == 0);
}

TEST_CASE("frames: the announced length is known once the prefix arrived") {
  FrameReader r;
  CHECK(!r.next_length());
  r.feed(Bytes{0x05, 0x01});
  CHECK(!r.next_length());
  r.feed(Bytes{0x00, 0xaa});
  REQUIRE(r.next_length());
  CHECK(*r.next_length() == 0x105);
  CHECK(!r.next());  // still partial
  r.feed(Bytes(0x104, 0xbb));
  CHECK(r.next()->size() == 0x105);
  CHECK(!r.next_length());
}
