// Where a core's rows live in the database, and the limits that implies.
//
// Every commit writes whole pages to the WAL, so the layout keeps what one
// append changes on as few b-tree pages as possible (two, usually):
//
// - tree: blocks and Merkle nodes of all cores in one rowid table, keyed
//   core << 42 | position, in flat-tree order: block i at position 4i, tree
//   node t at 2t + 1. An append's block, its leaf node and the parents it
//   completes are neighbours, and a truncation to n is one key range (every
//   position >= 4n) plus the few ancestors of leaf 2n left of it.
// - state: a core's tree header (slot 0) and its bitfield pages, keyed
//   core << 32 | slot, pages in descending order (page p at slot
//   kBitfieldPages - p), so the page an append dirties sits next to the
//   header it rewrites.
//
// Key packing bounds the numbers: block indexes below 2^40, tree indexes below
// 2^41, core ids up to kMaxCoreId (so that the key just past a core's range
// still fits an int64).
#pragma once

#include <cstdint>

#include "core/bitfield.hpp"
#include "core/storage.hpp"

namespace hc::storage {

// Block indexes are below kMaxBlocks; a length or truncation point may equal it.
inline constexpr std::uint64_t kMaxBlocks = std::uint64_t{1} << 40;
// Tree indexes of a tree of at most kMaxBlocks blocks are below this.
inline constexpr std::uint64_t kMaxTreeIndex = 2 * kMaxBlocks;
inline constexpr std::uint64_t kBitfieldPages = kMaxBlocks / core::Bitfield::kPageBits;

inline constexpr unsigned kTreeShift = 42;   // positions: 4 * kMaxBlocks = 2^42
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
// REQUIRES: index <= kMaxBlocks (kMaxBlocks gives tree_end).
constexpr std::int64_t block_key(core::CoreId core, std::uint64_t index) {
  return tree_begin(core) + static_cast<std::int64_t>(4 * index);
}
// REQUIRES: index < kMaxTreeIndex.
constexpr std::int64_t node_key(core::CoreId core, std::uint64_t index) {
  return tree_begin(core) + static_cast<std::int64_t>(2 * index + 1);
}

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
