#include "bitfield.hpp"

#include <bit>

namespace hc::core {
namespace {
constexpr std::uint64_t kWords = Bitfield::kPageBits / 64;
}

bool Bitfield::get(std::uint64_t index) const {
  auto it = pages_.find(index / kPageBits);
  if (it == pages_.end()) return false;
  std::uint64_t bit = index % kPageBits;
  return (it->second[bit / 64] >> (bit % 64)) & 1;
}

void Bitfield::set(std::uint64_t index, bool value) {
  std::uint64_t page = index / kPageBits, bit = index % kPageBits;
  auto it = pages_.find(page);
  if (it == pages_.end()) {
    if (!value) return;
    it = pages_.emplace(page, Page{}).first;
  }
  std::uint64_t& word = it->second[bit / 64];
  std::uint64_t mask = std::uint64_t{1} << (bit % 64);
  std::uint64_t before = word;
  word = value ? (word | mask) : (word & ~mask);
  if (word != before) dirty_.insert(page);
}

void Bitfield::set_range(std::uint64_t start, std::uint64_t length, bool value) {
  // Whole words at a time: appends of large batches stay cheap.
  std::uint64_t i = start, end = start + length;
  while (i < end) {
    std::uint64_t page = i / kPageBits, bit = i % kPageBits;
    std::uint64_t n = std::min<std::uint64_t>(end - i, 64 - bit % 64);
    auto it = pages_.find(page);
    if (it == pages_.end()) {
      if (!value) {
        i += n;
        continue;
      }
      it = pages_.emplace(page, Page{}).first;
    }
    std::uint64_t mask = (n == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1)) << (bit % 64);
    std::uint64_t& word = it->second[bit / 64];
    std::uint64_t before = word;
    word = value ? (word | mask) : (word & ~mask);
    if (word != before) dirty_.insert(page);
    i += n;
  }
}

std::uint64_t Bitfield::first_unset(std::uint64_t from) const {
  std::uint64_t i = from;
  while (true) {
    std::uint64_t page = i / kPageBits;
    auto it = pages_.find(page);
    if (it == pages_.end()) return i;
    for (std::uint64_t w = (i % kPageBits) / 64; w < kWords; w++) {
      std::uint64_t word = it->second[w];
      std::uint64_t shift = (w == (i % kPageBits) / 64) ? i % 64 : 0;
      std::uint64_t inverted = ~word >> shift;
      if (inverted) return page * kPageBits + w * 64 + shift + std::countr_zero(inverted);
    }
    i = (page + 1) * kPageBits;
  }
}

std::uint64_t Bitfield::count_set(std::uint64_t start, std::uint64_t end) const {
  std::uint64_t n = 0;
  for (auto it = pages_.lower_bound(start / kPageBits); it != pages_.end(); ++it) {
    std::uint64_t base = it->first * kPageBits;
    if (base >= end) break;
    for (std::uint64_t w = 0; w < kWords; w++) {
      std::uint64_t lo = base + w * 64;
      if (lo + 64 <= start || lo >= end) continue;
      std::uint64_t word = it->second[w];
      if (lo < start) word &= ~std::uint64_t{0} << (start - lo);
      if (lo + 64 > end) word &= (std::uint64_t{1} << (end - lo)) - 1;
      n += std::popcount(word);
    }
  }
  return n;
}

bool Bitfield::load_page(std::uint64_t index, ByteView bits) {
  if (bits.size() != kPageBytes) return false;
  Page p{};
  for (std::size_t i = 0; i < kPageBytes; i++) p[i / 8] |= std::uint64_t{bits[i]} << (8 * (i % 8));
  pages_[index] = p;
  return true;
}

std::vector<BitfieldPage> Bitfield::take_dirty() {
  std::vector<BitfieldPage> out;
  for (auto page : dirty_) {
    BitfieldPage bp{page, Bytes(kPageBytes)};
    auto it = pages_.find(page);
    if (it != pages_.end()) {
      for (std::size_t i = 0; i < kPageBytes; i++) {
        bp.bits[i] = static_cast<std::uint8_t>(it->second[i / 8] >> (8 * (i % 8)));
      }
    }
    out.push_back(std::move(bp));
  }
  dirty_.clear();
  return out;
}

}  // namespace hc::core
