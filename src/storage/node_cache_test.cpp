#include "node_cache.hpp"

#include <doctest/doctest.h>

namespace hc::storage {
namespace {

core::TreeNode node(std::uint64_t index, std::uint8_t fill) {
  core::TreeNode n;
  n.index = index;
  n.size = index + 1;
  n.hash.fill(fill);
  return n;
}

}  // namespace

TEST_CASE("node cache: misses, gaps, staged writes kept only on commit") {
  NodeCache cache(8);
  CHECK_FALSE(cache.find(1).has_value());
  cache.remember(1, std::nullopt);  // known missing
  REQUIRE(cache.find(1).has_value());
  CHECK_FALSE(cache.find(1)->has_value());
  cache.stage(1, node(1, 7));
  CHECK_FALSE(cache.find(1)->has_value());  // not before the write commits
  cache.drop_staged();
  cache.commit_staged();
  CHECK_FALSE(cache.find(1)->has_value());  // a rolled back write left no trace
  cache.stage(1, node(1, 7));
  cache.commit_staged();
  CHECK(cache.find(1)->value().hash == node(1, 7).hash);
  cache.clear();
  CHECK_FALSE(cache.find(1).has_value());
}

TEST_CASE("node cache: two generations keep what is used and never serve a stale entry") {
  NodeCache cache(4);  // generations of 2
  cache.remember(1, node(1, 1));
  cache.remember(2, std::nullopt);
  cache.remember(3, node(3, 3));  // the newer generation was full: 1 and 2 are older
  CHECK(cache.size() == 3);
  CHECK(cache.find(1)->value().hash == node(1, 1).hash);  // used: back in the newer
  cache.remember(4, node(4, 4));  // full again: 3 and 1 become the older, 2 is gone
  CHECK_FALSE(cache.find(2).has_value());
  CHECK(cache.find(3).has_value());
  // A node known missing in the older generation, then written: the write wins.
  cache.remember(5, node(5, 5));
  cache.remember(6, std::nullopt);
  cache.remember(7, node(7, 7));  // 5 and 6 move to the older generation
  cache.stage(6, node(6, 6));
  cache.commit_staged();
  REQUIRE(cache.find(6).has_value());
  CHECK(cache.find(6)->value().hash == node(6, 6).hash);
  CHECK(cache.size() <= 4);
}

}  // namespace hc::storage
