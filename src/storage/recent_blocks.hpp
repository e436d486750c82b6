// The blocks of the last write a connection committed, so that reading one of
// them back at once asks nothing of SQLite.
//
// Why: a writer pushes each append to its followers right after the commit,
// and the proof it sends carries the block it has just written. Read from the
// table, that block opened a read transaction, held until the next append had
// to end it (a COMMIT and the unlock of SQLite's WAL index): both on the path
// of every live block, for bytes the writer had in hand.
//
// Coherence: only this connection's writes change the tree table (one daemon
// owns the file, sqlite_storage.hpp). The owner calls clear() as each of its
// write transactions begins and keep() once a write has committed, so what is
// here is always what the table holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/storage.hpp"
#include "encoding/bytes.hpp"

namespace hc::storage {

class RecentBlocks {
 public:
  RecentBlocks(std::size_t max_blocks, std::size_t max_bytes)
      : max_blocks_(max_blocks), max_bytes_(max_bytes) {}

  // Remembers the blocks the committed `updates` stored, in place of what was
  // kept before. Updates apply in order, as in SqliteStorage::write: a later
  // block of the same index wins, and a truncation drops the blocks past it.
  // A write of more than max_blocks blocks or max_bytes bytes keeps none (a
  // bulk write, not a live one).
  void keep(std::span<const core::CoreUpdate> updates);
  // The block, if the last kept write stored it; valid until the next call.
  const Bytes* find(core::CoreId core, std::uint64_t index) const;
  void clear() { entries_.clear(); }

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    core::CoreId core;
    std::uint64_t index;
    Bytes data;
  };
  std::size_t max_blocks_;
  std::size_t max_bytes_;
  std::vector<Entry> entries_;
};

}  // namespace hc::storage
