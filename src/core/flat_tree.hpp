// Flat-tree math, as flat-tree@1.13.0 index.js: a binary tree laid out in
// order, leaves (blocks) at even indexes (block b is index 2b), parents at odd
// indexes. Pure functions plus the Iterator the Merkle proofs walk with.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace hc::core::flat {

using Index = std::uint64_t;

// Number of trailing one bits: 0 for leaves.
constexpr unsigned depth(Index i) { return static_cast<unsigned>(std::countr_one(i)); }
constexpr Index offset(Index i) { return i >> (depth(i) + 1); }
constexpr Index index(unsigned d, Index o) { return ((2 * o + 1) << d) - 1; }
constexpr Index parent(Index i) { return index(depth(i) + 1, offset(i) >> 1); }
constexpr Index sibling(Index i) { return index(depth(i), offset(i) ^ 1); }
// REQUIRES: i is odd (a parent).
constexpr Index left_child(Index i) { return index(depth(i) - 1, offset(i) * 2); }
constexpr Index right_child(Index i) { return index(depth(i) - 1, offset(i) * 2 + 1); }
constexpr Index left_span(Index i) { return offset(i) << (depth(i) + 1); }
constexpr Index right_span(Index i) { return ((offset(i) + 1) << (depth(i) + 1)) - 2; }
constexpr Index count_leaves(Index i) { return Index{1} << depth(i); }
constexpr bool contains(Index i, Index x) { return left_span(i) <= x && x <= right_span(i); }

// The roots of a tree whose head is `head` (= 2 * length), left to right.
inline std::vector<Index> full_roots(Index head) {
  std::vector<Index> out;
  Index n = head / 2, off = 0;
  while (n) {
    Index f = std::bit_floor(n);
    out.push_back(off + f - 1);  // off counts tree indexes: 2 per block
    off += 2 * f;
    n -= f;
  }
  return out;
}

// A cursor over the tree (flat-tree's Iterator), used where the reference
// walks with one, so the proof code reads next to hypercore's merkle-tree.js.
class Iterator {
 public:
  explicit Iterator(Index i = 0) { seek(i); }

  void seek(Index i) {
    index_ = i;
    if (i & 1) {
      offset_ = flat::offset(i);
      factor_ = Index{2} << depth(i);
    } else {
      offset_ = i / 2;
      factor_ = 2;
    }
  }
  Index index() const { return index_; }
  Index factor() const { return factor_; }
  bool is_left() const { return (offset_ & 1) == 0; }

  bool contains(Index i) const {
    if (i > index_) return i < index_ + factor_ / 2;
    if (i < index_) return i + factor_ / 2 > index_;  // no unsigned underflow at the left edge
    return true;
  }
  Index next() { offset_++; return index_ += factor_; }
  Index prev() {
    if (!offset_) return index_;
    offset_--;
    return index_ -= factor_;
  }
  Index sibling() { return is_left() ? next() : prev(); }
  Index parent() {
    if (offset_ & 1) {
      index_ -= factor_ / 2;
      offset_ = (offset_ - 1) / 2;
    } else {
      index_ += factor_ / 2;
      offset_ /= 2;
    }
    factor_ *= 2;
    return index_;
  }
  Index left_child() {
    if (factor_ == 2) return index_;
    factor_ /= 2;
    index_ -= factor_ / 2;
    offset_ *= 2;
    return index_;
  }
  Index right_span() const { return index_ + factor_ / 2 - 1; }
  Index next_tree() {
    index_ = index_ + factor_ / 2 + 1;
    offset_ = index_ / 2;
    factor_ = 2;
    return index_;
  }
  // Grows the cursor (from a leaf) to the largest full root below head `to`.
  bool full_root(Index to) {
    if (to <= index_ || (index_ & 1)) return false;
    while (to > index_ + factor_ + factor_ / 2) {
      index_ += factor_ / 2;
      factor_ *= 2;
      offset_ /= 2;
    }
    return true;
  }

 private:
  Index index_ = 0, offset_ = 0, factor_ = 2;
};

}  // namespace hc::core::flat
