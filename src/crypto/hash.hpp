// BLAKE2b hashes of Hypercore, as hypercore-crypto@3.7.0 index.js defines them.
//
// Leaf, parent and tree (root) hashes are domain-separated by a leading type
// byte (0, 1, 2) against second-preimage attacks; sizes and indexes enter the
// hashes as u64 little-endian.
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "encoding/bytes.hpp"

namespace hc::crypto {

// A Merkle tree node: flat-tree index, total bytes of the blocks below, hash.
struct TreeNode {
  std::uint64_t index = 0;
  std::uint64_t size = 0;
  Hash32 hash{};
  bool operator==(const TreeNode&) const = default;
};

// BLAKE2b-256 of the concatenation of parts (crypto_generichash_batch).
Hash32 hash(std::initializer_list<ByteView> parts);
// Keyed BLAKE2b-256 of the concatenation of parts.
Hash32 keyed_hash(std::initializer_list<ByteView> parts, ByteView key);

// data(): H(0x00 ‖ u64le(len) ‖ block)
Hash32 leaf_hash(ByteView block);
// parent(): H(0x01 ‖ u64le(a.size + b.size) ‖ left.hash ‖ right.hash), ordered by index.
Hash32 parent_hash(const TreeNode& a, const TreeNode& b);
// tree(): H(0x02 ‖ for each root: hash ‖ u64le(index) ‖ u64le(size))
Hash32 tree_hash(std::span<const TreeNode> roots);

// Keyed BLAKE2b of "hypercore" with the core key as the key.
Hash32 discovery_key(const Hash32& key);

// namespace(name, count): base = H(name); ns[i] = H(base ‖ byte(i)).
std::vector<Hash32> namespace_ids(std::string_view name, std::size_t count);

}  // namespace hc::crypto
