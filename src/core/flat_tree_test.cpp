#include "core/flat_tree.hpp"

#include <doctest/doctest.h>

using namespace hc::core;

TEST_CASE("flat tree: parents, siblings, children and spans agree with their definitions") {
  for (flat::Index i = 0; i < 4096; i++) {
    const unsigned d = flat::depth(i);
    const flat::Index o = flat::offset(i);
    CHECK(flat::index(d, o) == i);
    CHECK(flat::depth(flat::parent(i)) == d + 1);
    CHECK(flat::sibling(flat::sibling(i)) == i);
    CHECK(flat::parent(flat::sibling(i)) == flat::parent(i));
    CHECK(flat::contains(flat::parent(i), i));
    CHECK(flat::right_span(i) - flat::left_span(i) == 2 * (flat::count_leaves(i) - 1));
    if (i & 1) {
      CHECK(flat::parent(flat::left_child(i)) == i);
      CHECK(flat::parent(flat::right_child(i)) == i);
      CHECK(flat::left_span(i) == flat::left_span(flat::left_child(i)));
      CHECK(flat::right_span(i) == flat::right_span(flat::right_child(i)));
    } else {
      CHECK(flat::left_span(i) == i);
      CHECK(flat::right_span(i) == i);
    }
  }
}

TEST_CASE("flat tree: full roots split a length into powers of two, largest first") {
  CHECK(flat::full_roots(0).empty());
  CHECK(flat::full_roots(2) == std::vector<flat::Index>{0});
  CHECK(flat::full_roots(4) == std::vector<flat::Index>{1});
  CHECK(flat::full_roots(6) == std::vector<flat::Index>{1, 4});
  CHECK(flat::full_roots(8) == std::vector<flat::Index>{3});
  CHECK(flat::full_roots(10) == std::vector<flat::Index>{3, 8});
  CHECK(flat::full_roots(14) == std::vector<flat::Index>{3, 9, 12});
  CHECK(flat::full_roots(16) == std::vector<flat::Index>{7});
  for (flat::Index len = 1; len < 2000; len++) {
    auto roots = flat::full_roots(2 * len);
    flat::Index covered = 0;
    for (auto r : roots) {
      CHECK(flat::left_span(r) == 2 * covered);
      covered += flat::count_leaves(r);
    }
    CHECK(covered == len);
    CHECK(flat::right_span(roots.back()) / 2 + 1 == len);
  }
}

TEST_CASE("flat tree iterator moves like the pure functions") {
  for (flat::Index i = 0; i < 1024; i++) {
    flat::Iterator ite(i);
    CHECK(ite.sibling() == flat::sibling(i));
    ite.seek(i);
    CHECK(ite.parent() == flat::parent(i));
    ite.seek(i);
    for (flat::Index x = 0; x < 1024; x++) CHECK(ite.contains(x) == flat::contains(i, x));
    if (i & 1) {
      ite.seek(i);
      CHECK(ite.left_child() == flat::left_child(i));
    }
  }
  // full_root walks the roots of a tree, as flat.fullRoots does.
  for (flat::Index len = 1; len < 300; len++) {
    std::vector<flat::Index> walked;
    for (flat::Iterator ite(0); ite.full_root(2 * len); ite.next_tree()) walked.push_back(ite.index());
    CHECK(walked == flat::full_roots(2 * len));
  }
}
