// Block contents of bench/append, identical on both sides (append.js makeBlock
// and makePool): a pool of distinct pseudo-random, incompressible blocks per
// block size; block i of a run is pool[i % pool.size()].
//
// Block k of size s is xorshift32 seeded with ((k + 1) * 0x9E3779B1) ^ s
// (1 if that is 0), written as u32 little-endian words. Sizes are multiples of 4.
// Since the contents are the same, both sides build the same Merkle tree: the
// runner compares their tree hashes after every append case.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "encoding/bytes.hpp"

namespace hc::bench {

inline constexpr std::size_t kPoolBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxPool = 1024;

inline Bytes make_block(std::size_t size, std::size_t k) {
  Bytes b(size);
  std::uint32_t x = static_cast<std::uint32_t>(k + 1) * 0x9E3779B1u ^ static_cast<std::uint32_t>(size);
  if (x == 0) x = 1;
  for (std::size_t j = 0; j + 4 <= size; j += 4) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b[j] = static_cast<std::uint8_t>(x);
    b[j + 1] = static_cast<std::uint8_t>(x >> 8);
    b[j + 2] = static_cast<std::uint8_t>(x >> 16);
    b[j + 3] = static_cast<std::uint8_t>(x >> 24);
  }
  return b;
}

class BlockPool {
 public:
  explicit BlockPool(std::size_t size) : size_(size) {
    const std::size_t n = std::max<std::size_t>(1, std::min(kMaxPool, kPoolBytes / size));
    blocks_.reserve(n);
    for (std::size_t k = 0; k < n; k++) blocks_.push_back(make_block(size, k));
  }
  std::size_t block_size() const { return size_; }
  ByteView operator[](std::uint64_t i) const { return blocks_[i % blocks_.size()]; }

 private:
  std::size_t size_;
  std::vector<Bytes> blocks_;
};

}  // namespace hc::bench
