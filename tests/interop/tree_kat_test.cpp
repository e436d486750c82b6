// Merkle trees against the Node reference (tree_replay.js): for fixed key
// pairs, manifest and compat cores, and many block sequences (empty, one byte,
// 64 KiB + 1, sizes across the 0..70000 range, every length 1..300, truncations
// followed by appends), the tree hash, length, byte length, fork, signature,
// roots and every stored node must be Node's, byte for byte, after every
// operation.
#include <doctest/doctest.h>

#include "tree_replay.hpp"

namespace hc::interop {
namespace {

// Block `i` of a sequence: `size` bytes that differ from block to block.
Bytes block(std::uint64_t i, std::size_t size) {
  Bytes b(size);
  for (std::size_t j = 0; j < size; j++) {
    b[j] = static_cast<std::uint8_t>(i * 131 + j * 7 + (j >> 8) + 1);
  }
  return b;
}

// A size for block i of the long run: small, empty, medium and past 64 KiB.
std::size_t varied_size(std::uint64_t i) {
  if (i % 7 == 3) return 0;
  if (i % 97 == 50) return 65536 + 1 + i;
  if (i % 13 == 5) return 1000 + (i * 389) % 5000;
  return (i * 131) % 300 + 1;
}

Hash32 seed_pattern() {
  Hash32 s;
  for (std::size_t i = 0; i < s.size(); i++) s[i] = static_cast<std::uint8_t>(i);
  return s;
}

Hash32 seed_ff() {
  Hash32 s;
  s.fill(0xff);
  return s;
}

std::vector<TreeOp> singles(std::uint64_t first, const std::vector<std::size_t>& sizes) {
  std::vector<TreeOp> ops;
  for (std::size_t k = 0; k < sizes.size(); k++) {
    ops.push_back(TreeOp::appending({block(first + k, sizes[k])}));
  }
  return ops;
}

TreeOp batch(std::uint64_t first, const std::vector<std::size_t>& sizes) {
  std::vector<Bytes> blocks;
  for (std::size_t k = 0; k < sizes.size(); k++) blocks.push_back(block(first + k, sizes[k]));
  return TreeOp::appending(std::move(blocks));
}

TreeOp batch_of(std::uint64_t first, std::size_t count, std::size_t size) {
  return batch(first, std::vector<std::size_t>(count, size));
}

// The short sequences, for one key pair and mode.
std::vector<TreeCase> short_cases(const std::string& key_label, const Hash32& seed, bool compat) {
  const std::vector<std::size_t> sizes = {0,    1,    2,     63,    64,    65,    255, 256, 1023,
                                          1024, 4095, 4096,  65535, 65536, 65537, 70000, 0, 3};
  std::vector<TreeCase> cases;
  auto add = [&](std::string label, std::vector<TreeOp> ops) {
    cases.push_back({key_label + ": " + label, seed, compat, NodeDump::every, std::move(ops)});
  };
  add("empty core", {});
  add("empty core truncated to 0", {TreeOp::truncating(0)});
  add("one 1-byte block", {TreeOp::appending({to_bytes(as_bytes("a"))})});
  add("one empty block", {TreeOp::appending({Bytes{}})});
  add("one 64 KiB + 1 block", {TreeOp::appending({block(0, 65537)})});
  add("sizes 0..70000 one by one", singles(0, sizes));
  add("sizes 0..70000 in one batch", {batch(0, sizes)});
  add("batches of 3, 5, 1, 8, 16, 31",
      {batch_of(0, 3, 10), batch_of(3, 5, 0), batch_of(8, 1, 100), batch_of(9, 8, 33),
       batch_of(17, 16, 1), batch_of(33, 31, 7)});
  add("truncations and appends",
      {batch(0, {5, 0, 9, 70000, 1, 2, 3, 4, 5, 6}),  // 10
       TreeOp::truncating(7),
       batch(100, {1, 2, 3}),                        // 10
       TreeOp::truncating(0),
       TreeOp::appending({block(200, 1)}),
       TreeOp::appending({block(201, 0)}),
       TreeOp::appending({block(202, 65537)}),
       TreeOp::appending({block(203, 2)}),
       TreeOp::appending({block(204, 3)}),          // 5
       TreeOp::truncating(5),                        // same length, next fork
       TreeOp::truncating(3, 10),                    // an explicit fork
       batch(300, {1, 1}),                           // 5
       TreeOp::truncating(4),
       batch_of(400, 12, 40),                        // 16
       TreeOp::truncating(15),
       TreeOp::truncating(8),
       TreeOp::appending({block(500, 9)}),           // 9
       TreeOp::truncating(1),
       TreeOp::truncating(1),
       TreeOp::appending({block(600, 65537)}),       // 2
       TreeOp::truncating(0),
       TreeOp::truncating(0)});
  // Truncation leaves some nodes that span past the new end (node 3 here);
  // Node keeps them until overwritten, also across a same-length truncation.
  add("stale ancestors",
      {batch_of(700, 16, 5),                        // 16
       TreeOp::truncating(2),                       // node 3 stays
       TreeOp::appending({block(800, 4)}),          // 3
       TreeOp::truncating(3),                       // same length: nothing deleted
       TreeOp::appending({block(801, 6)}),          // 4: node 3 rewritten
       TreeOp::truncating(1),
       batch_of(900, 6, 3),                         // 7
       TreeOp::truncating(7),
       TreeOp::truncating(5)});
  return cases;
}

}  // namespace

TEST_CASE("tree: short sequences and truncations agree with Node, manifest and compat cores") {
  std::vector<TreeCase> cases;
  for (bool compat : {false, true}) {
    for (const auto& c : short_cases("seed 00..1f", seed_pattern(), compat)) cases.push_back(c);
    for (const auto& c : short_cases("seed ff*32", seed_ff(), compat)) cases.push_back(c);
  }
  const std::size_t compared = check_tree_cases(cases);
  MESSAGE("compared " << compared << " states of " << cases.size() << " cores with Node");
}

TEST_CASE("tree: every length 1..300, appended block by block, agrees with Node") {
  std::vector<TreeCase> cases;
  for (bool compat : {false, true}) {
    TreeCase c{"lengths 1..300", seed_pattern(), compat, NodeDump::every, {}};
    for (std::uint64_t i = 0; i < 300; i++) {
      c.ops.push_back(TreeOp::appending({block(i, varied_size(i))}));
    }
    // Then cut back across the power-of-two boundaries and grow again.
    for (std::uint64_t n : {256, 255, 129, 128, 65, 64, 1}) c.ops.push_back(TreeOp::truncating(n));
    for (std::uint64_t i = 0; i < 40; i++) {
      c.ops.push_back(TreeOp::appending({block(1000 + i, varied_size(i + 5))}));
    }
    cases.push_back(std::move(c));
  }
  const std::size_t compared = check_tree_cases(cases);
  MESSAGE("compared " << compared << " states with Node");
}

}  // namespace hc::interop
