// Where a core's rows live in the database, and the limits that implies.
//
// Every commit writes whole pages to the WAL, so the layout keeps what one
// append changes on as few b-tree pages as possible (two, usually), and has
// its rows land at the end of the last one:
//
// - tree: blocks and Merkle nodes of all cores in one rowid table, keyed
//   core << 42 | position, in the order an append completes them
//   (post-order): block i together with its leaf node in one row, then each
//   parent that leaf completes, lowest first. Before block i's row come i
//   block rows and i - popcount(i) parents, which gives each row its
//   position with no gaps.
//   An append's rows are then always past every row before them: they go at
//   the end of the table's last page, where SQLite starts a new page when one
//   is full rather than rebalancing it with its neighbours, and never touch
//   an older page (flat-tree order put a parent before the blocks it covers,
//   up to pages back). A node sits with the last block it covers, so a
//   truncation to n is exactly one key range (every row from block n's on).
// - state: a core's tree header (slot 0) and its bitfield pages, keyed
//   core << 32 | slot, pages in descending order (page p at slot
//   kBitfieldPages - p), so the page an append dirties sits next to the
//   header it rewrites.
//
// Key packing bounds the numbers: block indexes below 2^40, tree nodes of
// such trees, core ids up to kMaxCoreId (about 2 million, so that the key just
// past a core's range still fits an int64).
#pragma once

#include <bit>
#include <cstdint>
#include <optional>

#include "core/bitfield.hpp"
#include "core/flat_tree.hpp"
#include "core/storage.hpp"

namespace hc::storage {

// Block indexes are below kMaxBlocks; a length or truncation point may equal it.
inline constexpr std::uint64_t kMaxBlocks = std::uint64_t{1} << 40;
// Tree indexes of a tree of at most kMaxBlocks blocks are below this.
inline constexpr std::uint64_t kMaxTreeIndex = 2 * kMaxBlocks;
inline constexpr std::uint64_t kBitfieldPages = kMaxBlocks / core::Bitfield::kPageBits;

inline constexpr unsigned kTreeShift = 42;   // positions: rows_before(kMaxBlocks) < 2^41
inline constexpr unsigned kStateShift = 32;  // slots: 1 + kBitfieldPages <= 2^30
// Core ids are 1..kMaxCoreId; tree_end(kMaxCoreId) still fits an int64.
inline constexpr core::CoreId kMaxCoreId = (core::CoreId{1} << (63 - kTreeShift)) - 2;

// A tree header holds one root per bit set in its length: at most 41.
inline constexpr std::size_t kMaxRoots = 64;
// Signatures are opaque here (64 bytes compat, a multisig envelope otherwise);
// this only bounds what a damaged row can make us allocate.
inline constexpr std::size_t kMaxSignatureBytes = 64 * 1024;
inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kHashBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 64;
// Bytes per stored root: index u64le, size u64le, hash.
inline constexpr std::size_t kRootBytes = 8 + 8 + kHashBytes;

// REQUIRES for all: 1 <= core <= kMaxCoreId.
constexpr std::int64_t tree_begin(core::CoreId core) { return core << kTreeShift; }
constexpr std::int64_t tree_end(core::CoreId core) { return (core + 1) << kTreeShift; }
// Rows before block i's: i block rows and the i - popcount(i) parents they complete.
constexpr std::uint64_t rows_before(std::uint64_t i) {
  return 2 * i - static_cast<std::uint64_t>(std::popcount(i));
}
// REQUIRES: index <= kMaxBlocks (kMaxBlocks: where rows past the last would go).
constexpr std::int64_t block_key(core::CoreId core, std::uint64_t index) {
  return tree_begin(core) + static_cast<std::int64_t>(rows_before(index));
}
// Whether node `index` can be stored: it belongs to trees of at most kMaxBlocks.
constexpr bool node_fits(std::uint64_t index) {
  return index < kMaxTreeIndex && core::flat::right_span(index) < kMaxTreeIndex;
}
// A leaf shares its block's row; parents follow their last block's, by depth.
// REQUIRES: node_fits(index).
constexpr std::int64_t node_key(core::CoreId core, std::uint64_t index) {
  const std::uint64_t last_block = core::flat::right_span(index) / 2;
  return block_key(core, last_block) + static_cast<std::int64_t>(core::flat::depth(index));
}

// The block whose row is `key`, if it is a block's row of core (not a parent's).
constexpr std::optional<std::uint64_t> block_at(core::CoreId core, std::int64_t key) {
  if (key < tree_begin(core) || key >= tree_end(core)) return std::nullopt;
  const auto position = static_cast<std::uint64_t>(key - tree_begin(core));
  // rows_before grows by at least one per block: the first i it reaches.
  std::uint64_t lo = 0, hi = kMaxBlocks;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (rows_before(mid) < position) lo = mid + 1; else hi = mid;
  }
  if (lo >= kMaxBlocks || rows_before(lo) != position) return std::nullopt;
  return lo;
}

// A block in a block file (tree.file, schema version 3): offset and length in
// one integer. Lengths are below 2^24 (a wire frame's limit), offsets below 2^39.
inline constexpr unsigned kFileRefShift = 24;
inline constexpr std::uint64_t kMaxFileBlockBytes = (std::uint64_t{1} << kFileRefShift) - 1;
inline constexpr std::uint64_t kMaxFileOffset = std::uint64_t{1} << (63 - kFileRefShift);
constexpr std::int64_t file_ref(std::uint64_t offset, std::uint64_t length) {
  return static_cast<std::int64_t>(offset << kFileRefShift | length);
}
constexpr std::uint64_t file_offset(std::int64_t ref) {
  return static_cast<std::uint64_t>(ref) >> kFileRefShift;
}
constexpr std::uint64_t file_length(std::int64_t ref) {
  return static_cast<std::uint64_t>(ref) & kMaxFileBlockBytes;
}

static_assert(node_key(1, 0) == block_key(1, 0) && block_key(1, 1) == node_key(1, 0) + 1);
static_assert(node_key(1, 1) == node_key(1, 2) + 1 && block_key(1, 2) == node_key(1, 1) + 1);
static_assert(node_key(1, 3) == node_key(1, 6) + 2 && block_key(1, 4) == node_key(1, 3) + 1);
static_assert(block_key(kMaxCoreId, kMaxBlocks) < tree_end(kMaxCoreId));
static_assert(block_at(3, block_key(3, 12345)) == 12345 && !block_at(3, node_key(3, 1)));
static_assert(file_offset(file_ref(kMaxFileOffset - 1, 77)) == kMaxFileOffset - 1 &&
              file_length(file_ref(5, kMaxFileBlockBytes)) == kMaxFileBlockBytes);

constexpr std::int64_t header_key(core::CoreId core) { return core << kStateShift; }
// REQUIRES: page < kBitfieldPages.
constexpr std::int64_t page_key(core::CoreId core, std::uint64_t page) {
  return header_key(core) + static_cast<std::int64_t>(kBitfieldPages - page);
}
// The page stored at `key`, or kBitfieldPages if key is not a page of core.
constexpr std::uint64_t page_of(core::CoreId core, std::int64_t key) {
  if (key <= header_key(core) || key > header_key(core) + static_cast<std::int64_t>(kBitfieldPages)) {
    return kBitfieldPages;
  }
  return kBitfieldPages - static_cast<std::uint64_t>(key - header_key(core));
}

}  // namespace hc::storage
