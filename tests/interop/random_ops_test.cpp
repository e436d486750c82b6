// Random append/truncate sequences against the Node reference (tree_replay.js):
// a seeded PRNG makes 20 sequences of 50 operations (append 1..8 blocks of
// random sizes, truncate to a random length, now and then to an explicit
// fork); Node replays them on real Hypercores and C++ on Core, and every root,
// tree hash, signature, fork, length and stored node must agree after every
// operation.
//
// To reproduce one failing sequence: HC_RANDOM_OPS_SEED=<seed printed on failure>.
#include <doctest/doctest.h>

#include <cstdlib>

#include "tree_replay.hpp"

namespace hc::interop {
namespace {

constexpr std::uint64_t kFirstSeed = 0x6879706572636f72;  // "hypercor"
constexpr int kSequences = 20;
constexpr int kOpsPerSequence = 50;

// splitmix64: the same numbers with every compiler and standard library.
class Prng {
 public:
  explicit Prng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for test data.
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t s_;
};

std::size_t random_size(Prng& rng) {
  switch (rng.below(20)) {
    case 0: return 0;
    case 1: return 65536 + rng.below(3);  // around the 64 KiB boundary
    case 2: return 1000 + rng.below(4000);
    default: return 1 + rng.below(128);
  }
}

TreeCase random_case(std::uint64_t seed) {
  Prng rng(seed);
  TreeCase c;
  c.label = "random sequence, HC_RANDOM_OPS_SEED=" + std::to_string(seed);
  for (auto& b : c.seed) b = static_cast<std::uint8_t>(rng.next());
  c.compat = rng.below(2) == 1;
  c.nodes = NodeDump::every;
  std::uint64_t length = 0, fork = 0;
  for (int i = 0; i < kOpsPerSequence; i++) {
    if (length == 0 || rng.below(10) < 7) {
      std::vector<Bytes> blocks(1 + rng.below(8));
      for (auto& b : blocks) {
        b.resize(random_size(rng));
        for (auto& byte : b) byte = static_cast<std::uint8_t>(rng.next());
      }
      length += blocks.size();
      c.ops.push_back(TreeOp::appending(std::move(blocks)));
    } else {
      const std::uint64_t to = rng.below(length + 1);
      std::optional<std::uint64_t> to_fork;
      if (rng.below(8) == 0) to_fork = fork + 1 + rng.below(5);
      fork = to_fork ? *to_fork : fork + 1;
      length = to;
      c.ops.push_back(TreeOp::truncating(to, to_fork));
    }
  }
  return c;
}

}  // namespace

TEST_CASE("random: append/truncate sequences agree with Node after every operation") {
  std::vector<TreeCase> cases;
  if (const char* one = std::getenv("HC_RANDOM_OPS_SEED")) {
    cases.push_back(random_case(std::strtoull(one, nullptr, 0)));
  } else {
    for (int i = 0; i < kSequences; i++) cases.push_back(random_case(kFirstSeed + i));
  }
  // check_tree_cases names each failing case by its label, which holds the seed.
  const std::size_t compared = check_tree_cases(cases);
  MESSAGE("compared " << compared << " states of " << cases.size() << " random sequences");
}

}  // namespace hc::interop
