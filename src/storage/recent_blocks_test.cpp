#include "recent_blocks.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace hc::storage {
namespace {

using test::block_for;

core::CoreUpdate blocks_of(core::CoreId core, std::uint64_t from, std::uint64_t to,
                           std::vector<Bytes>& hold, std::size_t size = 100) {
  core::CoreUpdate u;
  u.core = core;
  for (auto i = from; i < to; i++) {
    hold.push_back(block_for(i * 7 + static_cast<std::uint64_t>(core), size));
    u.blocks.emplace_back(i, hold.back());
  }
  return u;
}

TEST_CASE("recent blocks: the last kept write's blocks, nothing older") {
  RecentBlocks recent(16, 64 * 1024);
  std::vector<Bytes> hold;
  hold.reserve(64);
  const core::CoreUpdate first[] = {blocks_of(1, 0, 2, hold), blocks_of(2, 0, 1, hold)};
  recent.keep(first);
  REQUIRE(recent.find(1, 1) != nullptr);
  CHECK(*recent.find(1, 1) == hold[1]);
  CHECK(*recent.find(2, 0) == hold[2]);
  CHECK(recent.find(1, 2) == nullptr);
  CHECK(recent.find(3, 0) == nullptr);

  const core::CoreUpdate second[] = {blocks_of(1, 2, 3, hold)};
  recent.keep(second);
  CHECK(*recent.find(1, 2) == hold[3]);
  CHECK(recent.find(1, 1) == nullptr);  // the earlier write's are forgotten
  CHECK(recent.find(2, 0) == nullptr);

  recent.clear();
  CHECK(recent.find(1, 2) == nullptr);
}

TEST_CASE("recent blocks: later updates of one write win, and a truncation drops what it cuts") {
  RecentBlocks recent(16, 64 * 1024);
  std::vector<Bytes> hold;
  hold.reserve(64);
  core::CoreUpdate cut;
  cut.core = 1;
  cut.truncate = 1;
  hold.push_back(Bytes{9, 9, 9});
  cut.blocks.emplace_back(1, hold.back());  // the new fork's block 1
  const core::CoreUpdate write[] = {blocks_of(1, 0, 3, hold), blocks_of(2, 5, 6, hold), cut};
  recent.keep(write);
  CHECK(*recent.find(1, 0) == hold[1]);
  CHECK(*recent.find(1, 1) == (Bytes{9, 9, 9}));
  CHECK(recent.find(1, 2) == nullptr);        // cut, not rewritten
  CHECK(*recent.find(2, 5) == hold[4]);       // another core: untouched
  CHECK(recent.size() == 3);
}

TEST_CASE("recent blocks: a write past either limit keeps none") {
  std::vector<Bytes> hold;
  hold.reserve(64);
  RecentBlocks recent(4, 1000);
  const core::CoreUpdate small[] = {blocks_of(1, 0, 4, hold, 250)};
  recent.keep(small);
  CHECK(recent.size() == 4);  // both limits reached, not passed
  const core::CoreUpdate many[] = {blocks_of(1, 4, 9, hold, 10)};
  recent.keep(many);
  CHECK(recent.size() == 0);
  const core::CoreUpdate large[] = {blocks_of(1, 9, 10, hold, 1001)};
  recent.keep(large);
  CHECK(recent.size() == 0);
  CHECK(recent.find(1, 0) == nullptr);  // and what was kept before is gone
}

}  // namespace
}  // namespace hc::storage
