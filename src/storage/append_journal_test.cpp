// The append journal: its records, its file, and SqliteStorage's held appends
// (written to it at once, committed at settle(), written again after a crash).
#include "append_journal.hpp"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.hpp"
#include "layout.hpp"
#include "sqlite_storage.hpp"
#include "core_test_support.hpp"
#include "test_support.hpp"

namespace hc::storage {
namespace {

using test::block_for;
using test::TempDir;
using test::create_core;
using test::open_core;
using test::open_db;

core::TreeNode node(std::uint64_t index, std::uint8_t fill) {
  core::TreeNode n;
  n.index = index;
  n.size = index * 10 + 1;
  n.hash.fill(fill);
  return n;
}

// An append of `blocks` from block `first`, with made-up tree contents.
core::CoreUpdate append_update(core::CoreId core, std::uint64_t first, const std::vector<Bytes>& blocks) {
  core::CoreUpdate u;
  u.core = core;
  for (std::size_t i = 0; i < blocks.size(); i++) u.blocks.emplace_back(first + i, blocks[i]);
  u.nodes = {node(2 * first, 1), node(2 * first + 1, 2)};
  core::BitfieldPage page;
  page.index = first / core::Bitfield::kPageBits;
  page.bits.assign(core::Bitfield::kPageBytes, 0x5a);
  u.bitfield = {page};
  core::TreeState t;
  t.fork = 3;
  t.length = first + blocks.size();
  t.byte_length = 12345;
  t.roots = {node(7, 3), node(17, 4)};
  t.signature.assign(64, 0x77);
  u.tree = t;
  return u;
}

void check_same(const AppendRecord& r, std::uint64_t seq, const core::CoreUpdate& u) {
  CHECK(r.seq == seq);
  CHECK(r.core == u.core);
  REQUIRE(r.blocks.size() == u.blocks.size());
  CHECK(r.first_block == u.blocks.front().first);
  for (std::size_t i = 0; i < u.blocks.size(); i++) {
    CHECK(r.blocks[i] == Bytes(u.blocks[i].second.begin(), u.blocks[i].second.end()));
  }
  CHECK(r.nodes == u.nodes);
  REQUIRE(r.bitfield.size() == u.bitfield.size());
  for (std::size_t i = 0; i < u.bitfield.size(); i++) {
    CHECK(r.bitfield[i].index == u.bitfield[i].index);
    CHECK(r.bitfield[i].bits == u.bitfield[i].bits);
  }
  CHECK(r.tree.fork == u.tree->fork);
  CHECK(r.tree.length == u.tree->length);
  CHECK(r.tree.byte_length == u.tree->byte_length);
  CHECK(r.tree.roots == u.tree->roots);
  CHECK(r.tree.signature == u.tree->signature);
}

TEST_CASE("append records: round trip, and any cut or changed byte is no record") {
  const std::vector<Bytes> blocks = {block_for(0, 100), Bytes{}, block_for(2, 3)};
  const core::CoreUpdate u = append_update(9, 40, blocks);
  REQUIRE(is_journaled_append(u));
  Bytes bytes = {0xee};  // encoding appends to what is there
  encode_append_record(77, u, bytes);
  const ByteView record = ByteView(bytes).subspan(1);

  Bytes followed(record.begin(), record.end());
  followed.push_back(0x01);  // what comes after a record is not read
  auto decoded = decode_append_record(followed);
  REQUIRE(decoded.has_value());
  CHECK(decoded->second == record.size());
  check_same(decoded->first, 77, u);
  const core::CoreUpdate again = decoded->first.update();
  CHECK(again.blocks.size() == 3);
  CHECK(again.blocks[1].first == 41);
  CHECK(again.tree->length == 43);

  for (std::size_t n = 0; n < record.size(); n++) {
    CHECK_MESSAGE(!decode_append_record(record.subspan(0, n)), "prefix of ", n, " bytes");
  }
  for (std::size_t i = 0; i < record.size(); i++) {
    Bytes changed(record.begin(), record.end());
    changed[i] ^= 0x10;
    CHECK_MESSAGE(!decode_append_record(changed), "byte ", i, " changed");
  }
}

TEST_CASE("append records: only an append that ends the new tree is one") {
  const std::vector<Bytes> blocks = {block_for(0, 10), block_for(1, 10)};
  CHECK(is_journaled_append(append_update(1, 5, blocks)));
  auto no_tree = append_update(1, 5, blocks);
  no_tree.tree.reset();
  CHECK_FALSE(is_journaled_append(no_tree));
  auto truncating = append_update(1, 5, blocks);
  truncating.truncate = 5;
  CHECK_FALSE(is_journaled_append(truncating));
  auto manifest = append_update(1, 5, blocks);
  manifest.manifest = core::Manifest{};
  CHECK_FALSE(is_journaled_append(manifest));
  auto no_blocks = append_update(1, 5, blocks);
  no_blocks.blocks.clear();
  CHECK_FALSE(is_journaled_append(no_blocks));
  auto gap = append_update(1, 5, blocks);
  gap.blocks[1].first = 7;
  CHECK_FALSE(is_journaled_append(gap));
  auto short_tree = append_update(1, 5, blocks);
  short_tree.tree->length = 8;
  CHECK_FALSE(is_journaled_append(short_tree));
}

TEST_CASE("append journal file: records in order, restart, torn tail, one holder") {
  TempDir dir;
  const auto path = dir.file("j");
  auto opened = AppendJournal::open(path);
  REQUIRE(opened.ok());
  std::unique_ptr<AppendJournal> j = std::move(*opened);
  REQUIRE(j);

  // A second holder of the same file gets none while the first lives.
  auto second = AppendJournal::open(path);
  REQUIRE(second.ok());
  CHECK(*second == nullptr);

  const std::vector<Bytes> a = {block_for(1, 50)}, b = {block_for(2, 60)}, c = {block_for(3, 70)};
  REQUIRE(j->append(append_update(1, 0, a)).ok());
  REQUIRE(j->append(append_update(1, 1, b)).ok());
  REQUIRE(j->append(append_update(2, 0, c)).ok());
  auto records = j->read();
  REQUIRE(records.ok());
  REQUIRE(records->size() == 3);
  check_same((*records)[0], 1, append_update(1, 0, a));
  check_same((*records)[1], 2, append_update(1, 1, b));
  check_same((*records)[2], 3, append_update(2, 0, c));

  // After a restart nothing is read, and a new record is read alone although
  // older whole ones follow it in the file.
  j->restart();
  CHECK(j->read()->empty());
  REQUIRE(j->append(append_update(1, 2, a)).ok());
  records = j->read();
  REQUIRE(records->size() == 1);
  check_same((*records)[0], 4, append_update(1, 2, a));

  // A record cut short by a crash, and what follows it, is not read.
  REQUIRE(j->append(append_update(1, 3, b)).ok());
  Bytes first;
  encode_append_record(4, append_update(1, 2, a), first);
  const Bytes whole = test::read_file(path);
  test::write_file(path, ByteView(whole).subspan(0, first.size() + 40));
  records = j->read();
  REQUIRE(records->size() == 1);
  CHECK((*records)[0].seq == 4);

  REQUIRE(j->clear().ok());
  CHECK(std::filesystem::file_size(path) == 0);
  j.reset();
  auto again = AppendJournal::open(path);
  REQUIRE(again.ok());
  CHECK(*again != nullptr);  // the lock went with the first holder
}

// ---- SqliteStorage's held appends ----

void append_blocks(core::Core& c, std::uint64_t from, std::uint64_t to, std::size_t size = 100) {
  for (std::uint64_t i = from; i < to; i++) {
    auto r = c.append(block_for(i, size));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
  }
}

// The length SQLite has for the core, read by a connection of its own.
std::int64_t committed_length(const std::filesystem::path& file, core::CoreId id) {
  return test::raw_int(file, "SELECT length FROM state WHERE id = " + std::to_string(header_key(id)));
}

void check_blocks(core::Core& c, std::uint64_t to, std::size_t size = 100) {
  REQUIRE(c.length() == to);
  for (std::uint64_t i = 0; i < to; i++) {
    auto b = c.get(i);
    REQUIRE(b.ok());
    CHECK_MESSAGE(*b == block_for(i, size), "block ", i);
  }
  REQUIRE(c.manifest().has_value());
  CHECK(core::Verifier(c.key(), *c.manifest()).verify(c.tree().signed_tree(), c.signature()));
}

TEST_CASE("held appends are read at once and commit at settle, at a lookup or past 64") {
  TempDir dir;
  const auto file = dir.file("held.db");
  auto db = open_db(file);
  auto c = create_core(*db, 1);
  append_blocks(*c, 0, 3);
  CHECK(committed_length(file, c->id()) == 0);
  CHECK(std::filesystem::file_size(SqliteStorage::journal_path(file)) > 0);
  check_blocks(*c, 3);
  REQUIRE(db->settle().ok());
  CHECK(committed_length(file, c->id()) == 3);

  // A core lookup commits what is held first: it reads the header.
  append_blocks(*c, 3, 5);
  CHECK(committed_length(file, c->id()) == 3);
  auto found = db->find_core(c->key());
  REQUIRE(found.ok());
  CHECK((*found)->tree.length == 5);
  CHECK(committed_length(file, c->id()) == 5);

  // A caller that never settles: they commit by themselves.
  append_blocks(*c, 5, 5 + 64);
  CHECK(committed_length(file, c->id()) == 5 + 64);
  append_blocks(*c, 69, 70);
  CHECK(committed_length(file, c->id()) == 69);

  // A write that is not held commits what is, first: here a truncation.
  REQUIRE(c->truncate(60).ok());
  CHECK(committed_length(file, c->id()) == 60);
  check_blocks(*c, 60);
}

TEST_CASE("appends that are not held commit at once") {
  TempDir dir;
  const auto file = dir.file("direct.db");
  {
    auto db = open_db(file);
    auto c = create_core(*db, 2);
    append_blocks(*c, 0, 1, 16 * 1024 + 1);  // larger than a held append
    CHECK(committed_length(file, c->id()) == 1);
    // More blocks than a held append, each empty.
    const std::vector<ByteView> empties(1025, ByteView());
    REQUIRE(c->append(empties).ok());
    CHECK(committed_length(file, c->id()) == 1026);

    // A second storage of the same file has no journal.
    auto other = open_db(file);
    auto o = open_core(*other, c->key());
    append_blocks(*o, 1026, 1027, 10);
    CHECK(committed_length(file, c->id()) == 1027);
  }
  Options full;
  full.durability = Durability::full;
  auto db = open_db(dir.file("full.db"), full);
  auto c = create_core(*db, 3);
  append_blocks(*c, 0, 1);
  CHECK(committed_length(dir.file("full.db"), c->id()) == 1);
}

TEST_CASE("appends a crash left in the journal are there after reopening, once") {
  TempDir dir;
  const auto file = dir.file("crash.db");
  Hash32 key{};
  {
    auto db = open_db(file);
    key = create_core(*db, 4)->key();
  }
  // The child appends, and dies without committing or closing anything.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto db = SqliteStorage::open(file);
    if (!db) _exit(2);
    auto c = core::Core::open(**db, key);
    if (!c) _exit(3);
    for (std::uint64_t i = 0; i < 10; i++) {
      if (!(*c)->append(block_for(i, 100))) _exit(4);
    }
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  const auto journal = SqliteStorage::journal_path(file);
  const Bytes left = test::read_file(journal);
  CHECK_FALSE(left.empty());
  {
    // Also with durability full, which holds no appends of its own.
    Options full;
    full.durability = Durability::full;
    auto db = open_db(file, full);
    CHECK(std::filesystem::file_size(journal) == 0);
    auto c = open_core(*db, key);
    check_blocks(*c, 10);
  }

  // The same records again (a crash after their commit, before the journal
  // started over) change nothing...
  test::write_file(journal, left);
  {
    auto db = open_db(file);
    auto c = open_core(*db, key);
    check_blocks(*c, 10);
    // ...nor after a truncation made a new fork of the core.
    REQUIRE(c->truncate(4).ok());
    append_blocks(*c, 4, 6);
    REQUIRE(db->settle().ok());
  }
  test::write_file(journal, left);
  auto db = open_db(file);
  auto c = open_core(*db, key);
  CHECK(c->fork() == 1);
  check_blocks(*c, 6);
}

TEST_CASE("a failed commit of held appends fails later writes, and the next open has them") {
  TempDir dir;
  const auto file = dir.file("fail.db");
  Hash32 key{};
  {
    auto db = open_db(file);
    auto c = create_core(*db, 5);
    key = c->key();
    append_blocks(*c, 0, 2);
    REQUIRE(db->settle().ok());
    REQUIRE(test::raw_exec(file, "CREATE TRIGGER fail BEFORE INSERT ON tree BEGIN SELECT "
                                 "RAISE(ABORT, 'injected'); END") == SQLITE_OK);
    append_blocks(*c, 2, 3);  // held: SQLite is not asked yet
    CHECK_FALSE(db->settle().ok());
    CHECK_FALSE(c->append(block_for(3, 100)).ok());
    CHECK_FALSE(db->settle().ok());
  }  // closing cannot commit it either: the journal keeps it
  REQUIRE(test::raw_exec(file, "DROP TRIGGER fail") == SQLITE_OK);
  auto db = open_db(file);
  auto c = open_core(*db, key);
  check_blocks(*c, 3);
}

}  // namespace
}  // namespace hc::storage
