// The schema version and the migration path: steps run in order, all in one
// transaction, from whatever version a file has to the newest one.
#include "schema.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>

#include "core/core.hpp"
#include "errors.hpp"
#include "sqlite_storage.hpp"
#include "test_support.hpp"

namespace hc::storage {
namespace {

using test::TempDir;

// Version 2 of a pretend future: a column added and filled from existing rows.
Status add_note(Database& db) {
  HC_CHECK(db.exec("ALTER TABLE cores ADD COLUMN note TEXT"));
  return db.exec("UPDATE cores SET note = 'core ' || id");
}
// Version 3: another table.
Status add_peers(Database& db) { return db.exec("CREATE TABLE peers (address TEXT) STRICT"); }
// A step that fails after changing something.
Status half_done(Database& db) {
  HC_CHECK(db.exec("CREATE TABLE half (x INTEGER) STRICT"));
  return db.exec("INSERT INTO no_such_table VALUES (1)");
}

std::vector<Migration> steps_with(std::initializer_list<Migration> extra) {
  std::vector<Migration> steps(schema_migrations().begin(), schema_migrations().end());
  steps.insert(steps.end(), extra);
  return steps;
}

// A version-1 database with one core of three blocks, closed: made by this
// build, then taken back to version 1 (which lacked the index of v2 and the
// block files of v3).
Hash32 make_v1(const std::filesystem::path& file) {
  Hash32 key;
  {
    auto db = SqliteStorage::open(file);
    REQUIRE(db.ok());
    REQUIRE((*db)->schema_version() == current_schema_version());
    core::Core::CreateOptions o;
    o.key_pair = crypto::random_key_pair();
    o.name = "kept";
    auto c = core::Core::create(**db, o);
    REQUIRE(c.ok());
    for (std::uint64_t i = 0; i < 3; i++) REQUIRE((*c)->append(test::block_for(i)).ok());
    key = (*c)->key();
  }
  REQUIRE(test::raw_exec(file,
                         "DROP INDEX cores_by_discovery_key; DROP TABLE block_files; "
                         "ALTER TABLE tree DROP COLUMN file; PRAGMA user_version = 1") == SQLITE_OK);
  return key;
}

// The query plan of a lookup by discovery key: EXPLAIN QUERY PLAN's details.
std::string discovery_key_plan(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  std::string plan;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    const char* sql = "EXPLAIN QUERY PLAN SELECT id FROM cores WHERE discovery_key = x'00'";
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
        plan += '\n';
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return plan;
}

TEST_CASE("a new database gets the current version and our application id") {
  TempDir dir;
  const auto file = dir.file("new.db");
  {
    auto db = SqliteStorage::open(file);
    REQUIRE(db.ok());
    CHECK((*db)->schema_version() == current_schema_version());
  }
  CHECK(current_schema_version() == static_cast<int>(schema_migrations().size()));
  CHECK(test::raw_int(file, "PRAGMA user_version") == current_schema_version());
  CHECK(test::raw_int(file, "PRAGMA application_id") == kApplicationId);
  CHECK(test::raw_int(file, "PRAGMA page_size") == 8192);
  CHECK(test::raw_int(file, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1);
}

TEST_CASE("an older database is migrated step by step, keeping its data") {
  TempDir dir;
  const auto file = dir.file("old.db");
  make_v1(file);
  {
    auto db = Database::open(file, false);
    REQUIRE(db.ok());
    const auto steps = steps_with({{"note", &add_note}, {"peers", &add_peers}});
    auto version = migrate(*db, steps);
    REQUIRE_MESSAGE(version.ok(), version.error().message());
    CHECK(*version == current_schema_version() + 2);
    // Already there: nothing to do.
    auto again = migrate(*db, steps);
    REQUIRE(again.ok());
    CHECK(*again == current_schema_version() + 2);
  }
  CHECK(test::raw_int(file, "PRAGMA user_version") == current_schema_version() + 2);
  CHECK(test::raw_int(file, "SELECT count(*) FROM sqlite_schema WHERE name = 'cores_by_discovery_key'") == 1);
  CHECK(test::raw_int(file, "SELECT count(*) FROM sqlite_schema WHERE name = 'block_files'") == 1);
  CHECK(test::raw_int(file, "SELECT count(*) FROM pragma_table_info('tree') WHERE name = 'file'") == 1);
  CHECK(test::raw_int(file, "SELECT count(*) FROM cores WHERE note = 'core ' || id") == 1);
  CHECK(test::raw_int(file, "SELECT count(*) FROM peers") == 0);
  CHECK(test::raw_int(file, "SELECT length FROM state WHERE id = (SELECT id FROM cores) << 32") == 3);
  // This build now refuses the file, and leaves it alone.
  const Bytes before = test::read_file(file);
  CHECK(SqliteStorage::open(file).error() == Errc::schema_too_new);
  CHECK(test::read_file(file) == before);
}

TEST_CASE("an empty file runs every step in one go") {
  TempDir dir;
  const auto file = dir.file("fresh.db");
  auto db = Database::open(file, true);
  REQUIRE(db.ok());
  auto version = migrate(*db, steps_with({{"note", &add_note}, {"peers", &add_peers}}));
  REQUIRE(version.ok());
  CHECK(*version == current_schema_version() + 2);
  CHECK(*db->query_int("PRAGMA user_version") == current_schema_version() + 2);
  CHECK(*db->query_int("PRAGMA application_id") == kApplicationId);
  CHECK(*db->query_int("SELECT count(*) FROM sqlite_schema WHERE name IN ('cores', 'state', "
                       "'tree', 'peers')") == 4);
}

TEST_CASE("a failing step leaves the file at its old version, unchanged") {
  TempDir dir;
  const auto file = dir.file("old.db");
  const Hash32 key = make_v1(file);
  {
    auto db = Database::open(file, false);
    REQUIRE(db.ok());
    auto version = migrate(*db, steps_with({{"note", &add_note}, {"broken", &half_done}}));
    REQUIRE_FALSE(version.ok());
  }
  CHECK(test::raw_int(file, "PRAGMA user_version") == 1);
  CHECK(test::raw_int(file, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'") == 0);
  CHECK(test::raw_int(file, "SELECT count(*) FROM pragma_table_info('cores') WHERE name = 'note'") == 0);
  // Still a good version-1 database (which this build migrates).
  auto db = SqliteStorage::open(file);
  REQUIRE(db.ok());
  auto c = core::Core::open(**db, key);
  REQUIRE(c.ok());
  CHECK((*c)->length() == 3);
  CHECK(*(*c)->get(2) == test::block_for(2));
}

TEST_CASE("version 2: a core is found by discovery key through an index, also in a migrated file") {
  TempDir dir;
  const auto file = dir.file("v1.db");
  const Hash32 key = make_v1(file);
  CHECK(discovery_key_plan(file).find("cores_by_discovery_key") == std::string::npos);
  Hash32 discovery_key;
  {
    auto db = SqliteStorage::open(file);
    REQUIRE(db.ok());
    CHECK((*db)->schema_version() == current_schema_version());
    auto c = core::Core::open(**db, key);
    REQUIRE(c.ok());
    discovery_key = (*c)->discovery_key();
    auto found = (*db)->find_core_by_discovery_key(discovery_key);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->key == key);
  }
  CHECK(test::raw_int(file, "PRAGMA user_version") == current_schema_version());
  CHECK(discovery_key_plan(file).find("USING COVERING INDEX cores_by_discovery_key") !=
        std::string::npos);
}

TEST_CASE("migrate refuses newer and foreign files") {
  TempDir dir;
  const auto ours = dir.file("ours.db");
  make_v1(ours);
  {
    auto db = Database::open(ours, false);
    REQUIRE(db.ok());
    CHECK(migrate(*db, {}).error() == Errc::schema_too_new);
  }
  const auto foreign = dir.file("foreign.db");
  REQUIRE(test::raw_exec(foreign, "CREATE TABLE t (x)") == SQLITE_OK);
  auto db = Database::open(foreign, false);
  REQUIRE(db.ok());
  CHECK(migrate(*db, schema_migrations()).error() == Errc::foreign_database);
  CHECK(*db->query_int("PRAGMA user_version") == 0);
}

}  // namespace
}  // namespace hc::storage
