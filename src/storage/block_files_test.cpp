// Block files (block_files.hpp): large blocks of cores we download are
// written once, to a file of their own, and read back; after a crash that
// lost part of such a file, the blocks that were hit are dropped (row and
// bitfield bit) and every other block is kept.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/bitfield.hpp"
#include "core/merkle_tree.hpp"
#include "crypto/sign.hpp"
#include "errors.hpp"
#include "sqlite_storage.hpp"
#include "test_support.hpp"

namespace hc::storage {
namespace {

using test::block_for;
using test::TempDir;

constexpr std::size_t kLarge = 20 * 1024;  // above the default block_file_min_bytes

core::CoreId make_core(core::Storage& db, std::uint8_t n, bool writable) {
  core::CoreRecord r;
  r.key = Hash32{n};
  if (writable) r.secret_key = crypto::random_key_pair().secret_key;
  auto id = db.create_core(r);
  REQUIRE(id.ok());
  return *id;
}

// Stores blocks [from, to) as a download does: each block with its leaf node
// and its bit.
void store_blocks(core::Storage& db, core::CoreId core, std::uint64_t from, std::uint64_t to,
                  std::size_t size, core::Bitfield& bits) {
  for (std::uint64_t i = from; i < to; i++) {
    const Bytes block = block_for(i, size);
    core::CoreUpdate u;
    u.core = core;
    u.nodes.push_back(core::leaf_node(i, block));
    u.blocks.emplace_back(i, block);
    bits.set(i, true);
    u.bitfield = bits.take_dirty();
    REQUIRE(db.write(std::span(&u, 1)).ok());
  }
}

core::Bitfield loaded_bits(core::Storage& db, core::CoreId core) {
  core::Bitfield bits;
  auto pages = db.load_bitfield(core);
  REQUIRE(pages.ok());
  for (const auto& page : *pages) bits.load_page(page.index, page.bits);
  return bits;
}

std::uint64_t size_of(const std::filesystem::path& p) {
  return std::filesystem::exists(p) ? std::filesystem::file_size(p) : 0;
}

TEST_CASE("large blocks of a downloaded core go to its block file, written once") {
  TempDir dir;
  const auto file = dir.file("blocks.db");
  const auto blocks = SqliteStorage::block_dir(file);
  core::Bitfield remote_bits, local_bits;
  {
    auto db = SqliteStorage::open(file);
    REQUIRE(db.ok());
    const core::CoreId remote = make_core(**db, 1, false);
    const core::CoreId local = make_core(**db, 2, true);
    store_blocks(**db, remote, 0, 40, kLarge, remote_bits);
    store_blocks(**db, remote, 40, 50, 1024, remote_bits);  // small: kept in rows
    // Our own core's blocks stay in SQLite, whose commit makes them durable.
    store_blocks(**db, local, 0, 10, kLarge, local_bits);
    // Some in a group (held back and merged before SQLite sees them).
    REQUIRE((*db)->begin_group().ok());
    store_blocks(**db, remote, 50, 60, kLarge, remote_bits);
    auto pending = (*db)->get_block(remote, 55);
    REQUIRE(pending.ok());
    CHECK(*pending == block_for(55, kLarge));
    REQUIRE((*db)->end_group().ok());

    CHECK(size_of(blocks / std::to_string(remote)) == 50 * kLarge);
    CHECK_FALSE(std::filesystem::exists(blocks / std::to_string(local)));
    for (std::uint64_t i = 0; i < 60; i++) {
      auto b = (*db)->get_block(remote, i);
      REQUIRE(b.ok());
      REQUIRE(b->has_value());
      CHECK(**b == block_for(i, i >= 40 && i < 50 ? 1024 : kLarge));
    }
    CHECK(test::raw_int(file, "SELECT count(*) FROM tree WHERE file IS NOT NULL") == 50);
  }
  // The database holds the 10 local large blocks, not the 50 remote ones.
  CHECK(size_of(file) < 30 * kLarge);
  // A clean close syncs the files and says so: nothing to check at the next open.
  CHECK(test::raw_int(file, "SELECT written FROM block_files") == 50 * kLarge);
  CHECK(test::raw_int(file, "SELECT synced FROM block_files") == 50 * kLarge);

  // Reopened: the same blocks, a truncation drops rows (the file keeps the
  // bytes, dead), and blocks written again go after them.
  auto db = SqliteStorage::open(file);
  REQUIRE(db.ok());
  auto core = (*db)->find_core(Hash32{1});
  REQUIRE(core.ok());
  const core::CoreId remote = (*core)->id;
  CHECK(loaded_bits(**db, remote).count_set(0, 100) == 60);
  core::CoreUpdate cut;
  cut.core = remote;
  cut.truncate = 30;
  REQUIRE((*db)->write(std::span(&cut, 1)).ok());
  auto gone = (*db)->get_block(remote, 35);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  core::Bitfield bits;
  store_blocks(**db, remote, 30, 32, kLarge, bits);
  CHECK(size_of(blocks / std::to_string(remote)) == 52 * kLarge);
  auto again = (*db)->get_block(remote, 31);
  REQUIRE(again.ok());
  CHECK(**again == block_for(31, kLarge));
  auto kept = (*db)->get_block(remote, 29);
  REQUIRE(kept.ok());
  CHECK(**kept == block_for(29, kLarge));
}

// A child process writes blocks and dies without closing (as a crash does):
// its marks say that nothing was synced.
void write_and_die(const std::filesystem::path& file, std::uint64_t count) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    Options options;
    options.block_file_sync_bytes = std::uint64_t{1} << 40;  // never by itself
    auto db = SqliteStorage::open(file, options);
    if (!db) _exit(2);
    core::CoreRecord r;
    r.key = Hash32{7};
    auto id = (*db)->create_core(r);
    if (!id) _exit(3);
    core::Bitfield bits;
    for (std::uint64_t i = 0; i < count; i++) {
      const Bytes block = block_for(i, kLarge);
      core::CoreUpdate u;
      u.core = *id;
      u.nodes.push_back(core::leaf_node(i, block));
      u.blocks.emplace_back(i, block);
      bits.set(i, true);
      u.bitfield = bits.take_dirty();
      if (!(*db)->write(std::span(&u, 1))) _exit(4);
    }
    _exit(0);  // no destructor: no sync, no mark
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

TEST_CASE("after a crash, blocks that did not reach the disk are dropped and fetched again") {
  TempDir dir;
  const auto file = dir.file("crash.db");
  write_and_die(file, 12);
  CHECK(test::raw_int(file, "SELECT synced FROM block_files") == 0);
  CHECK(test::raw_int(file, "SELECT written FROM block_files") == 12 * kLarge);

  // What a power loss can leave: a page of block 3 never written (zeros) and
  // the file's tail gone from inside block 10 on.
  const auto path = SqliteStorage::block_dir(file) / "1";
  Bytes bytes = test::read_file(path);
  REQUIRE(bytes.size() == 12 * kLarge);
  std::fill(bytes.begin() + 3 * kLarge + 4096, bytes.begin() + 3 * kLarge + 8192, 0);
  bytes.resize(10 * kLarge + 100);
  test::write_file(path, bytes);

  {
    auto db = SqliteStorage::open(file);
    REQUIRE(db.ok());
    const core::Bitfield bits = loaded_bits(**db, 1);
    for (std::uint64_t i = 0; i < 12; i++) {
      const bool lost = i == 3 || i >= 10;
      INFO("block ", i);
      CHECK(bits.get(i) == !lost);
      auto b = (*db)->get_block(1, i);
      REQUIRE(b.ok());
      CHECK(b->has_value() == !lost);
      if (!lost) CHECK(**b == block_for(i, kLarge));
      // The leaf node stays: it was verified from a signed tree, not from the file.
      auto leaf = (*db)->get_node(1, 2 * i);
      REQUIRE(leaf.ok());
      CHECK(leaf->has_value());
    }
    // Checked, synced and recorded: the next open trusts the file.
    CHECK(test::raw_int(file, "SELECT synced = written FROM block_files") == 1);
    // Fetched again: appended past every byte a row ever pointed to.
    core::Bitfield again = loaded_bits(**db, 1);
    store_blocks(**db, 1, 10, 12, kLarge, again);
    CHECK(size_of(path) == 14 * kLarge);
  }
  auto db = SqliteStorage::open(file);
  REQUIRE(db.ok());
  CHECK(loaded_bits(**db, 1).count_set(0, 12) == 11);
  auto b = (*db)->get_block(1, 11);
  REQUIRE(b.ok());
  CHECK(**b == block_for(11, kLarge));
}

TEST_CASE("a block file that is gone or damaged below its sync mark is an error, not a crash") {
  TempDir dir;
  const auto file = dir.file("gone.db");
  {
    auto db = SqliteStorage::open(file);
    REQUIRE(db.ok());
    core::Bitfield bits;
    store_blocks(**db, make_core(**db, 1, false), 0, 3, kLarge, bits);
  }
  const auto path = SqliteStorage::block_dir(file) / "1";
  Bytes bytes = test::read_file(path);
  bytes.resize(kLarge);  // blocks 1 and 2 cut off, though synced
  test::write_file(path, bytes);
  {
    auto db = SqliteStorage::open(file);
    REQUIRE(db.ok());
    CHECK(loaded_bits(**db, 1).count_set(0, 3) == 3);  // trusted: synced
    CHECK(**(*db)->get_block(1, 0) == block_for(0, kLarge));
    CHECK((*db)->get_block(1, 2).error() == Errc::corrupt);
  }
  std::filesystem::remove(path);
  auto db = SqliteStorage::open(file);
  REQUIRE(db.ok());
  CHECK((*db)->get_block(1, 0).error() == Errc::corrupt);
  // Not made anew (its rows would read zeros from a hole): new blocks of the
  // core stay in their rows.
  core::Bitfield bits = loaded_bits(**db, 1);
  store_blocks(**db, 1, 3, 5, kLarge, bits);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(**(*db)->get_block(1, 4) == block_for(4, kLarge));
  CHECK(test::raw_int(file, "SELECT count(*) FROM tree WHERE data IS NOT NULL") == 2);
}

TEST_CASE("with durability full, block files are synced before the commit that points at them") {
  TempDir dir;
  const auto file = dir.file("full.db");
  Options options;
  options.durability = Durability::full;
  auto db = SqliteStorage::open(file, options);
  REQUIRE(db.ok());
  core::Bitfield bits;
  store_blocks(**db, make_core(**db, 1, false), 0, 3, kLarge, bits);
  CHECK(test::raw_int(file, "SELECT synced FROM block_files") == 3 * kLarge);
}

TEST_CASE("the sync thread makes block files durable as they grow, and the marks say so") {
  TempDir dir;
  const auto file = dir.file("synced.db");
  Options options;
  options.block_file_sync_bytes = 2 * kLarge;
  auto db = SqliteStorage::open(file, options);
  REQUIRE(db.ok());
  const core::CoreId core = make_core(**db, 1, false);
  core::Bitfield bits;
  std::uint64_t n = 0;
  // Each commit records what the thread finished before it.
  for (int tries = 0; tries < 500; tries++, n++) {
    store_blocks(**db, core, n, n + 1, kLarge, bits);
    if (test::raw_int(file, "SELECT synced FROM block_files") >= 2 * std::int64_t{kLarge}) break;
    usleep(2000);
  }
  const std::int64_t synced = test::raw_int(file, "SELECT synced FROM block_files");
  CHECK(synced >= 2 * std::int64_t{kLarge});
  CHECK(synced <= test::raw_int(file, "SELECT written FROM block_files"));
}

}  // namespace
}  // namespace hc::storage
