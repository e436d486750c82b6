// Which blocks of a core are stored locally (hypercore@11.37.1 lib/bitfield.js
// keeps the same bits). Sparse: pages of kPageBits bits exist only where a bit
// was ever set. Bits are LSB-first within each byte, as on the wire.
//
// Pages that change are remembered as dirty so the core can persist exactly
// those with the write that changed them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "encoding/bytes.hpp"

namespace hc::core {

struct BitfieldPage {
  std::uint64_t index = 0;  // page number: covers blocks [index * kPageBits, +kPageBits)
  Bytes bits;               // kPageBytes bytes
};

class Bitfield {
 public:
  static constexpr std::uint64_t kPageBits = 2048;
  static constexpr std::size_t kPageBytes = kPageBits / 8;

  bool get(std::uint64_t index) const;
  void set(std::uint64_t index, bool value);
  void set_range(std::uint64_t start, std::uint64_t length, bool value);
  // The first index >= from whose bit is not set.
  std::uint64_t first_unset(std::uint64_t from) const;
  // How many bits are set in [start, end).
  std::uint64_t count_set(std::uint64_t start, std::uint64_t end) const;

  // Loads a persisted page; a page of the wrong size is ignored (returns false).
  bool load_page(std::uint64_t index, ByteView bits);
  std::vector<BitfieldPage> take_dirty();
  bool has_dirty() const { return !dirty_.empty(); }

 private:
  using Page = std::array<std::uint64_t, kPageBits / 64>;
  std::map<std::uint64_t, Page> pages_;
  std::set<std::uint64_t> dirty_;
};

}  // namespace hc::core
