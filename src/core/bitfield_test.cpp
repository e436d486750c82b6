#include "core/bitfield.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace hc::core;

TEST_CASE("bitfield: set, clear, ranges and the first unset bit") {
  Bitfield b;
  CHECK(b.first_unset(0) == 0);
  b.set_range(0, 5000, true);
  CHECK(b.first_unset(0) == 5000);
  CHECK(b.get(4999));
  CHECK(!b.get(5000));
  b.set(100, false);
  CHECK(b.first_unset(0) == 100);
  CHECK(b.first_unset(101) == 5000);
  CHECK(b.count_set(0, 5000) == 4999);
  CHECK(b.count_set(90, 110) == 19);
  b.set_range(64, 3000, false);
  CHECK(b.first_unset(0) == 64);
  CHECK(b.count_set(0, 10000) == 5000 - 3000);
}

TEST_CASE("bitfield: dirty pages persist and load back to the same bits") {
  Bitfield a;
  std::set<std::uint64_t> set_bits = {0, 1, 63, 64, 2047, 2048, 9999, 123456};
  for (auto i : set_bits) a.set(i, true);
  auto pages = a.take_dirty();
  CHECK(!a.has_dirty());
  CHECK(pages.size() == 4);  // pages 0, 1, 4 and 60
  Bitfield b;
  for (const auto& p : pages) CHECK(b.load_page(p.index, p.bits));
  for (std::uint64_t i = 0; i < 130000; i++) CHECK(b.get(i) == (set_bits.count(i) == 1));
  // Bits are LSB-first within bytes, as on the wire.
  CHECK(pages[0].bits[0] == 0x03);
  CHECK(pages[0].bits[7] == 0x80);
  CHECK(!b.load_page(0, hc::Bytes(10)));
}
