// One record of the append journal (append_journal.hpp): an append to a core
// we write, as core::CoreUpdate carries it, framed so that a torn or stale
// record is recognised when the file is read back after a crash.
//
//   u32le magic "HCAJ" | u32le body length | body | BLAKE2b-256 of all before it
//   body: u64le seq, core, first block index, count and bytes of each block,
//         the new tree state (fork, length, byte length, roots, signature),
//         its tree nodes and its bitfield pages
//
// Integers are u64le and every count is checked against the bytes left, so a
// decoder fed any bytes reads nothing past them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/storage.hpp"
#include "encoding/bytes.hpp"

namespace hc::storage {

struct AppendRecord {
  std::uint64_t seq = 0;
  core::CoreId core = 0;
  std::uint64_t first_block = 0;  // the length the append extends
  std::vector<Bytes> blocks;      // blocks first_block, first_block + 1, ...
  core::TreeState tree;
  std::vector<core::TreeNode> nodes;
  std::vector<core::BitfieldPage> bitfield;

  // The update to write again; it views this record's blocks.
  core::CoreUpdate update() const;
};

// Whether u is an append the journal can hold: a new tree state, one or more
// blocks from exactly the old length up to the new one, no truncation and no
// manifest.
bool is_journaled_append(const core::CoreUpdate& u);

// REQUIRES: is_journaled_append(u).
void encode_append_record(std::uint64_t seq, const core::CoreUpdate& u, Bytes& out);

// The record at the start of `in` and how many bytes it takes; nullopt when
// `in` does not begin with a whole record whose checksum holds.
std::optional<std::pair<AppendRecord, std::size_t>> decode_append_record(ByteView in);

// A length field above this is damage: the journal holds small appends only
// (SqliteStorage journals up to 16 KiB of blocks per write).
inline constexpr std::uint32_t kMaxAppendRecordBody = 64u << 20;

}  // namespace hc::storage
