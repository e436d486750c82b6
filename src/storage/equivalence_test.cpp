// Random groups of CoreUpdates, applied to SqliteStorage and to
// core::MemoryStorage (the reference), some inside storage groups and some
// failing as a whole: after every round, and after reopening, both hold
// exactly the same nodes, blocks, bitfield pages and headers. The cores have
// no secret key, so with a low block_file_min_bytes their larger blocks go to
// block files: the same must hold.
#include <doctest/doctest.h>

#include <deque>
#include <random>

#include "core/errors.hpp"
#include "core/memory_storage.hpp"
#include "sqlite_storage.hpp"
#include "test_support.hpp"

namespace hc::storage {
namespace {

constexpr std::uint64_t kBlocks = 80;  // indexes used: blocks < 80, nodes < 160

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(below(256));
    return b;
  }
  Hash32 hash() {
    Hash32 h;
    for (auto& x : h) x = static_cast<std::uint8_t>(below(256));
    return h;
  }

  // An update of core `id`; block bytes are kept in `store` (views point there).
  core::CoreUpdate update(core::CoreId id, std::deque<Bytes>& store) {
    core::CoreUpdate u;
    u.core = id;
    if (chance(25)) u.truncate = below(kBlocks);
    for (auto n = below(6); n > 0; n--) u.nodes.push_back({below(2 * kBlocks), below(1 << 20), hash()});
    for (auto n = below(6); n > 0; n--) {
      store.push_back(bytes(below(300)));
      u.blocks.emplace_back(below(kBlocks), store.back());
    }
    for (auto n = below(2); n > 0; n--) u.bitfield.push_back({below(3), bytes(core::Bitfield::kPageBytes)});
    if (chance(50)) {
      core::TreeState t;
      t.fork = below(4);
      t.length = below(kBlocks);
      t.byte_length = below(1 << 20);
      for (auto n = below(5); n > 0; n--) t.roots.push_back({below(2 * kBlocks), below(1 << 20), hash()});
      t.signature = bytes(below(2) ? 64 : 0);
      u.tree = t;
    }
    if (chance(10)) u.manifest = core::default_signer_manifest(hash());
    return u;
  }

 private:
  std::mt19937 rng_;
};

void check_same(core::Storage& a, core::Storage& b, core::CoreId id) {
  INFO("core ", id);
  for (std::uint64_t i = 0; i < 2 * kBlocks; i++) {
    auto x = a.get_node(id, i);
    auto y = b.get_node(id, i);
    REQUIRE(x.ok());
    REQUIRE(y.ok());
    REQUIRE_MESSAGE(*x == *y, "node ", i);
  }
  for (std::uint64_t i = 0; i < kBlocks; i++) {
    auto x = a.get_block(id, i);
    auto y = b.get_block(id, i);
    REQUIRE(x.ok());
    REQUIRE(y.ok());
    REQUIRE_MESSAGE(*x == *y, "block ", i);
  }
  auto x = a.load_bitfield(id);
  auto y = b.load_bitfield(id);
  REQUIRE(x.ok());
  REQUIRE(y.ok());
  REQUIRE(x->size() == y->size());
  for (std::size_t i = 0; i < x->size(); i++) {
    CHECK((*x)[i].index == (*y)[i].index);
    CHECK((*x)[i].bits == (*y)[i].bits);
  }
}

void check_same_records(core::Storage& a, core::Storage& b) {
  auto x = a.list_cores();
  auto y = b.list_cores();
  REQUIRE(x.ok());
  REQUIRE(y.ok());
  REQUIRE(x->size() == y->size());
  CHECK(a.count_cores().value() == x->size());
  CHECK(b.count_cores().value() == y->size());
  for (std::size_t i = 0; i < x->size(); i++) {
    const auto& p = (*x)[i];
    const auto& q = (*y)[i];
    CHECK(p.id == q.id);
    CHECK(p.key == q.key);
    CHECK(p.manifest == q.manifest);
    CHECK(p.tree.fork == q.tree.fork);
    CHECK(p.tree.length == q.tree.length);
    CHECK(p.tree.byte_length == q.tree.byte_length);
    CHECK(p.tree.roots == q.tree.roots);
    CHECK(p.tree.signature == q.tree.signature);
  }
}

void run_rounds(const Options& options) {
  test::TempDir dir;
  const auto file = dir.file("same.db");
  const auto seed = std::random_device{}();
  INFO("random seed ", seed);
  Generator gen(seed);

  core::MemoryStorage memory;
  auto db = SqliteStorage::open(file, options);
  REQUIRE(db.ok());
  for (std::uint8_t n = 1; n <= 3; n++) {
    core::CoreRecord r;
    r.key = Hash32{n};
    auto a = memory.create_core(r);
    auto b = (*db)->create_core(r);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(*a == *b);
  }
  bool in_group = false;
  for (int round = 0; round < 150; round++) {
    INFO("round ", round);
    // Some rounds run inside a storage group (savepoints in one transaction).
    if (!in_group && gen.chance(30)) {
      REQUIRE((*db)->begin_group().ok());
      in_group = true;
    }
    std::deque<Bytes> store;  // the updates' block views point into it
    std::vector<core::CoreUpdate> group;
    for (auto n = 1 + gen.below(3); n > 0; n--) group.push_back(gen.update(1 + static_cast<core::CoreId>(gen.below(3)), store));
    if (gen.chance(15)) {
      // A write that fails as a whole (an unknown core last): nothing of it
      // may show, in the tables or in what the storage remembers of them.
      group.push_back(gen.update(99, store));
      REQUIRE(memory.write(group).error() == core::Errc::core_not_found);
      REQUIRE((*db)->write(group).error() == core::Errc::core_not_found);
    } else {
      REQUIRE(memory.write(group).ok());
      REQUIRE((*db)->write(group).ok());
    }
    if (in_group && gen.chance(40)) {
      REQUIRE((*db)->end_group().ok());
      in_group = false;
    }
    // Read every round: cached nodes must follow each write, rollback and
    // truncation.
    for (core::CoreId id = 1; id <= 3; id++) check_same(memory, **db, id);
  }
  if (in_group) REQUIRE((*db)->end_group().ok());
  for (core::CoreId id = 1; id <= 3; id++) check_same(memory, **db, id);
  check_same_records(memory, **db);
  if (options.block_file_min_bytes < 300) {
    CHECK_FALSE(std::filesystem::is_empty(SqliteStorage::block_dir(file)));
  }
  db->reset();
  db = SqliteStorage::open(file, options);
  REQUIRE(db.ok());
  for (core::CoreId id = 1; id <= 3; id++) check_same(memory, **db, id);
  check_same_records(memory, **db);
}

TEST_CASE("random update groups leave SqliteStorage and MemoryStorage identical") {
  run_rounds({});
}

TEST_CASE("the same with half of the blocks in block files") {
  Options options;
  options.block_file_min_bytes = 150;
  options.block_file_sync_bytes = 4096;  // the sync thread runs during the rounds
  run_rounds(options);
}

}  // namespace
}  // namespace hc::storage
