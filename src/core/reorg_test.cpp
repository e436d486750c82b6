#include "core/reorg.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core/errors.hpp"
#include "core/memory_storage.hpp"

using namespace hc;
using namespace hc::core;

namespace {

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

struct Pair {
  MemoryStorage ws, rs;
  std::unique_ptr<Core> writer, reader;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> truncates;  // (length, fork)
  std::vector<std::pair<std::uint64_t, std::uint64_t>> appends;    // (old, new)

  explicit Pair(bool compat = false) {
    Hash32 seed;
    seed.fill(7);
    writer = std::move(Core::create(ws, {crypto::key_pair_from_seed(seed), compat, {}, {}}).value());
    reader = std::move(Core::create_remote(rs, writer->key()).value());
    reader->events().on_truncate = [this](std::uint64_t n, std::uint64_t f) {
      truncates.emplace_back(n, f);
    };
    reader->events().on_append = [this](std::uint64_t a, std::uint64_t b) {
      appends.emplace_back(a, b);
    };
  }
  void append(const std::string& prefix, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; i++) {
      REQUIRE(writer->append(text(prefix + std::to_string(writer->length()))).ok());
    }
  }
  // The reader gets the writer's tree and every block, as replication would.
  void sync_all() {
    ProofRequest up;
    up.id = 1;
    up.fork = writer->fork();
    up.upgrade = ProofRequest::Upgrade{reader->length(), writer->length() - reader->length()};
    up.manifest = !reader->manifest();
    if (writer->length() > reader->length()) REQUIRE(reader->verify(writer->proof(up).value()).ok());
    for (std::uint64_t i = 0; i < reader->length(); i++) {
      if (reader->has(i)) continue;
      ProofRequest req;
      req.id = 2;
      req.fork = writer->fork();
      req.block = ProofRequest::Indexed{i, reader->missing_nodes(2 * i).value()};
      REQUIRE(reader->verify(writer->proof(req).value()).ok());
    }
  }
  // What a reader asks for when it sees a newer fork: the fork proof.
  Proof fork_proof() {
    ProofRequest req;
    req.id = 3;
    req.fork = writer->fork();
    req.upgrade = ProofRequest::Upgrade{0, writer->length()};
    req.manifest = !reader->manifest();
    return writer->proof(req).value();
  }
  // Follows the writer's fork: the fork proof, then the hash proofs the
  // reorg asks for. Returns how many hash proofs it took.
  int reorg() {
    auto r = reader->verify(fork_proof());
    REQUIRE(r.ok());
    int hashes = 0;
    while (auto want = reader->reorg_want()) {
      REQUIRE(!r->reorged);
      REQUIRE(want->fork == writer->fork());
      REQUIRE(want->want.start < want->want.end);
      ProofRequest req;
      req.id = 4;
      req.fork = want->fork;
      req.hash = ProofRequest::Indexed{2 * want->want.start, want->want.nodes};
      r = reader->verify(writer->proof(req).value());
      REQUIRE(r.ok());
      REQUIRE(++hashes < 64);
    }
    CHECK(r->reorged);
    return hashes;
  }
};

}  // namespace

TEST_CASE("reorg: a reader follows a truncate and append to the common ancestor") {
  Pair p;
  p.append("a", 20);
  p.sync_all();
  REQUIRE(p.reader->length() == 20);
  REQUIRE(p.writer->truncate(13).ok());
  p.append("b", 5);
  REQUIRE(p.writer->fork() == 1);

  p.appends.clear();
  const int hashes = p.reorg();
  CHECK(hashes > 0);
  CHECK(p.reader->fork() == 1);
  CHECK(p.reader->length() == 18);
  CHECK(p.reader->tree_hash() == p.writer->tree_hash());
  CHECK(p.reader->tree().signature == p.writer->signature());
  REQUIRE(p.truncates.size() == 1);
  CHECK(p.truncates[0] == std::pair<std::uint64_t, std::uint64_t>{13, 1});
  REQUIRE(p.appends.size() == 1);
  CHECK(p.appends[0] == std::pair<std::uint64_t, std::uint64_t>{13, 18});
  // The common blocks stay, the old fork's are gone, the new ones come.
  for (std::uint64_t i = 0; i < 13; i++) CHECK(p.reader->has(i));
  for (std::uint64_t i = 13; i < 20; i++) CHECK(!p.reader->has(i));
  CHECK(p.reader->contiguous_length() == 13);
  CHECK(p.reader->get(13).error() == Errc::block_not_available);
  p.sync_all();
  for (std::uint64_t i = 0; i < 18; i++) CHECK(*p.reader->get(i) == *p.writer->get(i));
  CHECK(p.reader->truncated_since(0) == 13);
  CHECK(p.reader->truncated_since(1) == std::nullopt);

  // What was stored is consistent: a reopened core has the same state.
  auto reopened = Core::open(p.rs, p.reader->key());
  REQUIRE(reopened.ok());
  CHECK((*reopened)->tree_hash() == p.writer->tree_hash());
  CHECK((*reopened)->fork() == 1);
  CHECK((*reopened)->contiguous_length() == 18);
}

TEST_CASE("reorg: a truncation alone, and a fork proof to a reader that holds nothing") {
  Pair p(true);
  p.append("a", 16);
  p.sync_all();
  REQUIRE(p.writer->truncate(9).ok());
  p.appends.clear();
  CHECK(p.reorg() == 0);  // the new roots are stored nodes: no search
  CHECK(p.reader->length() == 9);
  CHECK(p.reader->tree_hash() == p.writer->tree_hash());
  CHECK(p.truncates.back() == std::pair<std::uint64_t, std::uint64_t>{9, 1});
  CHECK(p.appends.empty());
  for (std::uint64_t i = 0; i < 9; i++) CHECK(p.reader->has(i));
  CHECK(!p.reader->has(9));

  // A fresh reader at fork 0 with nothing moves to fork 1 directly.
  MemoryStorage fresh_storage;
  auto fresh = std::move(Core::create_remote(fresh_storage, p.writer->key()).value());
  auto r = fresh->verify(p.fork_proof());
  REQUIRE(r.ok());
  CHECK(r->reorged);
  CHECK(fresh->length() == 9);
  CHECK(fresh->fork() == 1);
  CHECK(fresh->tree_hash() == p.writer->tree_hash());
}

TEST_CASE("reorg: a forged fork proof or hash proof changes nothing") {
  Pair p;
  p.append("a", 12);
  p.sync_all();
  const Hash32 before = p.reader->tree_hash();
  REQUIRE(p.writer->truncate(5).ok());
  p.append("b", 9);

  Proof forged = p.fork_proof();
  forged.upgrade->signature.back() ^= 1;
  CHECK(p.reader->verify(forged).error() == Errc::invalid_signature);
  Proof wrong_fork = p.fork_proof();
  wrong_fork.fork = 2;  // signed for fork 1
  CHECK(p.reader->verify(wrong_fork).error() == Errc::invalid_signature);
  CHECK(!p.reader->reorg_want());
  CHECK(p.reader->fork() == 0);
  CHECK(p.reader->tree_hash() == before);

  REQUIRE(p.reader->verify(p.fork_proof()).ok());
  auto want = p.reader->reorg_want();
  REQUIRE(want);
  ProofRequest req;
  req.id = 4;
  req.fork = want->fork;
  req.hash = ProofRequest::Indexed{2 * want->want.start, want->want.nodes};
  Proof bad = p.writer->proof(req).value();
  bad.hash->nodes[0].hash[0] ^= 1;
  CHECK(p.reader->verify(bad).error() == Errc::invalid_proof);
  CHECK(p.reader->fork() == 0);
  CHECK(p.reader->length() == 12);
  CHECK(p.truncates.empty());
  // A hash proof of a fork with no reorg under way is not for us.
  Proof other = p.writer->proof(req).value();
  other.fork = 7;
  CHECK(p.reader->verify(other).error() == Errc::fork_mismatch);
  // The good one still completes it.
  CHECK(p.reorg() >= 0);
  CHECK(p.reader->tree_hash() == p.writer->tree_hash());
  CHECK(p.reader->length() == 14);
  // Data of the old fork is refused now.
  Proof stale = p.fork_proof();
  stale.fork = 0;
  CHECK(p.reader->verify(stale).error() == Errc::fork_mismatch);
}

TEST_CASE("reorg: random truncations and appends always find the true common ancestor") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 40; round++) {
    Pair p(round % 2 == 0);
    const std::uint64_t first = 1 + rng() % 70;
    p.append("x" + std::to_string(round), first);
    p.sync_all();
    std::uint64_t expected_ancestor = first;
    const int forks = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < forks; f++) {
      const std::uint64_t cut = rng() % (p.writer->length() + 1);
      REQUIRE(p.writer->truncate(cut).ok());
      expected_ancestor = std::min(expected_ancestor, cut);
      p.append("f" + std::to_string(f) + "-", rng() % 40);
    }
    CAPTURE(round);
    p.truncates.clear();
    p.reorg();
    CHECK(p.reader->tree_hash() == p.writer->tree_hash());
    CHECK(p.reader->fork() == p.writer->fork());
    REQUIRE(p.truncates.size() == 1);
    // New blocks never equal old ones (their text names the fork), so the
    // common ancestor is exactly the lowest cut (or the new length).
    CHECK(p.truncates[0].first == std::min(expected_ancestor, p.writer->length()));
    p.sync_all();
    CHECK(p.reader->contiguous_length() == p.writer->length());
  }
}

TEST_CASE("reorg: a proof of the diff node alone is refused (no progress, no growth)") {
  Pair p;
  p.append("a", 16);
  p.sync_all();
  REQUIRE(p.writer->truncate(3).ok());
  p.append("b", 13);
  REQUIRE(p.reader->verify(p.fork_proof()).ok());
  auto want = p.reader->reorg_want();
  REQUIRE(want);
  // The root the search stands at: the new tree's first root, as a bare hash proof.
  ProofRequest req;
  req.id = 4;
  req.fork = want->fork;
  req.hash = ProofRequest::Indexed{2 * want->want.start, want->want.nodes};
  Proof full = p.writer->proof(req).value();
  Proof bare = full;
  // Fold the full proof up to its root and send that node alone.
  std::vector<TreeNode> path = full.hash->nodes;
  TreeNode root = path[0];
  flat::Iterator ite(root.index);
  for (std::size_t i = 1; i < path.size(); i++) root = parent_node(ite.parent(), root, path[i]);
  bare.hash->index = root.index;
  bare.hash->nodes = {root};
  CHECK(p.reader->verify(bare).error() == Errc::invalid_proof);
  CHECK(p.reader->reorg_want() == want);
  CHECK(p.reader->verify(full).ok());
}
