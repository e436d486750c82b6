// Files that are not (or no longer) a good hypercored database: each is an
// error value, never a crash, and a file we refuse is left as it was.
#include <doctest/doctest.h>

#include <functional>
#include <random>

#include "core/core.hpp"
#include "core/errors.hpp"
#include "errors.hpp"
#include "layout.hpp"
#include "schema.hpp"
#include "sqlite_storage.hpp"
#include "test_support.hpp"

namespace hc::storage {
namespace {

using test::block_for;
using test::TempDir;

struct Made {
  Hash32 key{};
  core::CoreId id = 0;
};

// A database with one named core of `blocks` 1 KiB blocks, closed.
Made make_database(const std::filesystem::path& file, std::uint64_t blocks) {
  auto db = SqliteStorage::open(file);
  REQUIRE(db.ok());
  core::Core::CreateOptions o;
  Hash32 seed{};
  seed.fill(3);
  o.key_pair = crypto::key_pair_from_seed(seed);
  o.name = "chat";
  auto c = core::Core::create(**db, o);
  REQUIRE(c.ok());
  std::vector<Bytes> data;
  for (std::uint64_t i = 0; i < blocks; i++) data.push_back(block_for(i));
  std::vector<ByteView> views(data.begin(), data.end());
  REQUIRE((*c)->append(views).ok());
  return {(*c)->key(), (*c)->id()};
}

void check_refused(const std::filesystem::path& file, Errc expected) {
  const Bytes before = test::read_file(file);
  auto db = SqliteStorage::open(file);
  REQUIRE_FALSE(db.ok());
  CHECK(db.error() == expected);
  CHECK(test::read_file(file) == before);
}

TEST_CASE("random bytes are not_a_database and stay untouched") {
  TempDir dir;
  const auto file = dir.file("random.db");
  Bytes junk(64 * 1024);
  std::mt19937 rng(42);
  for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
  test::write_file(file, junk);
  check_refused(file, Errc::not_a_database);
}

TEST_CASE("a text file that starts like SQLite's header is refused too") {
  TempDir dir;
  const auto file = dir.file("fake.db");
  std::string text = "SQLite format 3";
  text.push_back('\0');
  text += std::string(200, 'x');
  test::write_file(file, as_bytes(text));
  const Bytes before = test::read_file(file);
  auto db = SqliteStorage::open(file);
  REQUIRE_FALSE(db.ok());
  CHECK((db.error() == Errc::not_a_database || db.error() == Errc::corrupt));
  CHECK(test::read_file(file) == before);
}

TEST_CASE("a database cut in half is corrupt and stays untouched") {
  TempDir dir;
  const auto file = dir.file("cut.db");
  make_database(file, 2000);
  Bytes bytes = test::read_file(file);
  REQUIRE(bytes.size() > 1'000'000);
  bytes.resize(bytes.size() / 2);
  test::write_file(file, bytes);
  check_refused(file, Errc::corrupt);
}

TEST_CASE("an empty file becomes a new database") {
  TempDir dir;
  const auto file = dir.file("empty.db");
  test::write_file(file, {});
  Hash32 key{};
  {
    auto db = SqliteStorage::open(file);
    REQUIRE_MESSAGE(db.ok(), db.error().message());
    CHECK((*db)->schema_version() == current_schema_version());
    core::Core::CreateOptions o;
    o.key_pair = crypto::random_key_pair();
    auto c = core::Core::create(**db, o);
    REQUIRE(c.ok());
    REQUIRE((*c)->append(block_for(0)).ok());
    key = (*c)->key();
  }
  auto db = SqliteStorage::open(file);
  REQUIRE(db.ok());
  auto c = core::Core::open(**db, key);
  REQUIRE(c.ok());
  CHECK((*c)->length() == 1);
}

TEST_CASE("another program's SQLite database is foreign and stays untouched") {
  TempDir dir;
  const auto file = dir.file("foreign.db");
  SUBCASE("tables of its own") {
    REQUIRE(test::raw_exec(file, "CREATE TABLE songs (title TEXT); "
                                 "INSERT INTO songs VALUES ('one'), ('two')") == SQLITE_OK);
  }
  SUBCASE("another application id, no tables") {
    REQUIRE(test::raw_exec(file, "PRAGMA application_id = 1234; CREATE TABLE t (x); "
                                 "DROP TABLE t") == SQLITE_OK);
  }
  SUBCASE("in WAL mode") {
    REQUIRE(test::raw_exec(file, "PRAGMA journal_mode = WAL; CREATE TABLE songs (title TEXT)") ==
            SQLITE_OK);
  }
  check_refused(file, Errc::foreign_database);
  CHECK(test::raw_exec(file, "SELECT * FROM sqlite_schema") == SQLITE_OK);
}

TEST_CASE("a schema newer than this build is refused and stays untouched") {
  TempDir dir;
  const auto file = dir.file("newer.db");
  make_database(file, 3);
  REQUIRE(test::raw_exec(file, "PRAGMA user_version = 99") == SQLITE_OK);
  check_refused(file, Errc::schema_too_new);
}

TEST_CASE("our id without our tables is corrupt, not re-created") {
  TempDir dir;
  const auto file = dir.file("stripped.db");
  make_database(file, 3);
  REQUIRE(test::raw_exec(file, "DROP TABLE tree") == SQLITE_OK);
  check_refused(file, Errc::corrupt);
}

TEST_CASE("rows that do not decode are corrupt errors, not crashes") {
  TempDir dir;
  const auto file = dir.file("rows.db");
  const Made made = make_database(file, 20);
  const std::string core = std::to_string(made.id);
  const std::string header = std::to_string(header_key(made.id));

  struct Damage {
    const char* what;
    std::string sql;
    std::error_code open_error;  // of Core::open by key
  };
  const std::error_code corrupt = Errc::corrupt;
  const Damage header_damage[] = {
      {"key of 31 bytes", "UPDATE cores SET key = zeroblob(31)", core::Errc::core_not_found},
      {"discovery key of 33 bytes", "UPDATE cores SET discovery_key = zeroblob(33)", corrupt},
      {"manifest that does not decode", "UPDATE cores SET manifest = x'ff01'", corrupt},
      {"manifest with trailing bytes", "UPDATE cores SET manifest = CAST(manifest || x'00' AS BLOB)", corrupt},
      {"secret key of 63 bytes", "UPDATE cores SET secret_key = zeroblob(63)", corrupt},
      {"roots of 47 bytes", "UPDATE state SET roots = zeroblob(47) WHERE id = " + header, corrupt},
      {"65 roots", "UPDATE state SET roots = zeroblob(65 * 48) WHERE id = " + header, corrupt},
      {"oversized signature", "UPDATE state SET signature = zeroblob(70000) WHERE id = " + header,
       corrupt},
      {"no fork", "UPDATE state SET fork = NULL WHERE id = " + header, corrupt},
      {"length past the limit", "UPDATE state SET length = 1 << 50 WHERE id = " + header, corrupt},
      {"no header row", "DELETE FROM state WHERE id = " + header, corrupt},
  };
  for (const auto& d : header_damage) {
    INFO("damage: ", std::string(d.what));
    const auto copy = dir.file("copy.db");
    std::filesystem::copy_file(file, copy, std::filesystem::copy_options::overwrite_existing);
    REQUIRE(test::raw_exec(copy, d.sql) == SQLITE_OK);
    auto db = SqliteStorage::open(copy);
    REQUIRE(db.ok());  // the file itself is sound
    CHECK((*db)->find_named_core("chat").error() == Errc::corrupt);
    CHECK((*db)->list_cores().error() == Errc::corrupt);
    CHECK(core::Core::open(**db, made.key).error() == d.open_error);
  }
  {
    // The key of a core we do not write, as a new peer connection lists them.
    const auto copy = dir.file("copy.db");
    std::filesystem::copy_file(file, copy, std::filesystem::copy_options::overwrite_existing);
    REQUIRE(test::raw_exec(copy, "UPDATE cores SET secret_key = NULL, key = zeroblob(31)") ==
            SQLITE_OK);
    auto db = SqliteStorage::open(copy);
    REQUIRE(db.ok());
    CHECK((*db)->remote_core_keys().error() == Errc::corrupt);
  }

  const std::string node = std::to_string(node_key(made.id, 4));
  const std::string block = std::to_string(block_key(made.id, 3));
  struct DataDamage {
    const char* what;
    std::string sql;
    std::function<void(SqliteStorage&)> check;
  };
  const DataDamage data_damage[] = {
      {"node hash of 31 bytes", "UPDATE tree SET hash = zeroblob(31) WHERE id = " + node,
       [&](SqliteStorage& s) {
         CHECK(s.get_node(made.id, 4).error() == Errc::corrupt);
         CHECK(s.get_node(made.id, 2).ok());
       }},
      {"node without size", "UPDATE tree SET size = NULL WHERE id = " + node,
       [&](SqliteStorage& s) { CHECK(s.get_node(made.id, 4).error() == Errc::corrupt); }},
      // A block shares its row with its leaf node (layout.hpp), which may be
      // stored alone: storage reads the block as missing, and the core, whose
      // bitfield says it has it, as damage.
      {"block without data", "UPDATE tree SET data = NULL WHERE id = " + block,
       [&](SqliteStorage& s) {
         auto b = s.get_block(made.id, 3);
         REQUIRE(b.ok());
         CHECK_FALSE(b->has_value());
         auto c = core::Core::open(s, made.key);
         REQUIRE(c.ok());
         CHECK((*c)->get(3).error() == core::Errc::storage_corrupt);
         CHECK((*c)->get(4).ok());
       }},
      {"row with neither block nor node",
       "UPDATE tree SET data = NULL, size = NULL, hash = NULL WHERE id = " + block,
       [&](SqliteStorage& s) {
         // Both halves read as missing, not as damage.
         CHECK_FALSE(s.get_block(made.id, 3)->has_value());
         CHECK_FALSE(s.get_node(made.id, 6)->has_value());
       }},
      {"bitfield page of 255 bytes", "UPDATE state SET bits = zeroblob(255) WHERE id > " + header,
       [&](SqliteStorage& s) {
         CHECK(s.load_bitfield(made.id).error() == Errc::corrupt);
         CHECK(core::Core::open(s, made.key).error() == Errc::corrupt);
       }},
      {"bitfield row without bits", "UPDATE state SET bits = NULL WHERE id > " + header,
       [&](SqliteStorage& s) { CHECK(s.load_bitfield(made.id).error() == Errc::corrupt); }},
  };
  for (const auto& d : data_damage) {
    INFO("damage: ", std::string(d.what));
    const auto copy = dir.file("copy.db");
    std::filesystem::copy_file(file, copy, std::filesystem::copy_options::overwrite_existing);
    REQUIRE(test::raw_exec(copy, d.sql) == SQLITE_OK);
    auto db = SqliteStorage::open(copy);
    REQUIRE(db.ok());
    d.check(**db);
  }
}

TEST_CASE("damaged pages in the middle of the file are reported, not crashed on") {
  TempDir dir;
  const auto file = dir.file("pages.db");
  const Made made = make_database(file, 3000);
  Bytes bytes = test::read_file(file);
  const std::size_t page = 8192;
  REQUIRE(bytes.size() % page == 0);
  const std::size_t pages = bytes.size() / page;
  // Every b-tree page starts with its type; 0xff is none of them.
  for (std::size_t p = pages / 2; p < pages; p++) std::fill_n(bytes.begin() + p * page, 12, 0xff);
  test::write_file(file, bytes);

  auto db = SqliteStorage::open(file);
  if (!db) {
    CHECK(db.error() == Errc::corrupt);
    return;
  }
  std::size_t corrupt = 0, other = 0;
  for (std::uint64_t i = 0; i < 3000; i++) {
    auto b = (*db)->get_block(made.id, i);
    if (b.ok()) {
      if (b->has_value()) CHECK(**b == block_for(i));  // what reads, reads right
    } else {
      (b.error() == Errc::corrupt ? corrupt : other)++;
    }
  }
  CHECK(corrupt > 0);
  CHECK(other == 0);
}

}  // namespace
}  // namespace hc::storage
