// A core as stored (its cores row joined with its state header row) and
// core::CoreRecord.
//
// Decoding trusts nothing read from the file: every column must have its type
// and every blob its exact size (keys and hashes 32 bytes, secret key 64,
// roots a whole number of 48-byte entries), the manifest must decode to its
// last byte. Anything else is Errc::corrupt, never a crash. Pure functions.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "core/storage.hpp"
#include "database.hpp"

namespace hc::storage {

// The columns a core is selected with (cores c LEFT JOIN state s on its
// header key), in CoreRow order. A missing header row reads as NULLs: corrupt.
inline constexpr std::string_view kCoreColumns =
    "c.id, c.key, c.discovery_key, c.name, c.manifest, c.secret_key, s.fork, s.length, "
    "s.byte_length, s.roots, s.signature";

struct CoreRow {
  Value id, key, discovery_key, name, manifest, secret_key, fork, length, byte_length, roots,
      signature;
};

Result<core::CoreRecord> decode_core_row(const CoreRow& row);

// Roots as stored: for each, index u64le ‖ size u64le ‖ hash.
Bytes encode_roots(std::span<const core::TreeNode> roots);
Result<std::vector<core::TreeNode>> decode_roots(ByteView bytes);

// limit_exceeded if the header cannot be stored in this layout (a length past
// kMaxBlocks, too many roots, an oversized signature).
Status check_tree(const core::TreeState& tree);

}  // namespace hc::storage
