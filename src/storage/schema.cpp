#include "schema.hpp"

#include <string>

#include "errors.hpp"
#include "log.hpp"

namespace hc::storage {
namespace {

// Version 1. See layout.hpp for the keys of state and tree. STRICT tables
// refuse values of the wrong type, so a bug cannot store what a later read
// would call corrupt. Integers that are u64 in C++ (fork, lengths, sizes) are
// stored bit for bit in SQLite's int64.
//
// cores: who a core is; written when it is made and when a reader learns its
//   manifest. name is the local name of a writable core.
// state: slot 0 of a core is its tree header (fork, length, byte_length,
//   roots as in core_row.hpp, signature; bits NULL); other slots are 256-byte
//   bitfield pages (bits only).
// tree: a block's row holds its data and its leaf node's size and hash
//   (either half may be NULL: not stored); parent node rows size and hash.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE cores (
  id INTEGER PRIMARY KEY,
  key BLOB NOT NULL UNIQUE,
  discovery_key BLOB NOT NULL,
  name TEXT UNIQUE,
  manifest BLOB,
  secret_key BLOB
) STRICT;
CREATE TABLE state (
  id INTEGER PRIMARY KEY,
  fork INTEGER,
  length INTEGER,
  byte_length INTEGER,
  roots BLOB,
  signature BLOB,
  bits BLOB
) STRICT;
CREATE TABLE tree (
  id INTEGER PRIMARY KEY,
  size INTEGER,
  hash BLOB,
  data BLOB
) STRICT;
)sql";

Status create_v1(Database& db) {
  HC_CHECK(db.exec(std::string(kSchemaV1)));
  return db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
}

// Version 2: a peer names the core of a channel it opens by discovery key;
// without an index each such lookup read every row of cores.
Status index_discovery_keys(Database& db) {
  return db.exec("CREATE INDEX cores_by_discovery_key ON cores (discovery_key)");
}

// Version 3: blocks of downloaded cores may live in block files
// (block_files.hpp). tree.file, when not NULL, says the row's block is in its
// core's file: offset << kFileRefShift | length (data is then NULL).
// block_files: per core, the end of the file that rows may point below
// (written) and how much of it is known to be on disk (synced); after a crash
// the blocks between the two are checked before they are trusted.
Status add_block_files(Database& db) {
  return db.exec(
      "ALTER TABLE tree ADD COLUMN file INTEGER;"
      "CREATE TABLE block_files ("
      "  core INTEGER PRIMARY KEY,"
      "  written INTEGER NOT NULL,"
      "  synced INTEGER NOT NULL"
      ") STRICT;");
}

constexpr Migration kMigrations[] = {
    {"initial layout: cores, state, tree", &create_v1},
    {"index cores by discovery key", &index_discovery_keys},
    {"blocks of downloaded cores in block files", &add_block_files},
};

}  // namespace

std::span<const Migration> schema_migrations() { return kMigrations; }
int current_schema_version() { return static_cast<int>(std::size(kMigrations)); }

Result<FileState> inspect(Database& db) {
  // Reading the schema makes SQLite read and check page 1 and the header:
  // random bytes fail here (not_a_database), a cut file too (corrupt).
  HC_TRY(std::int64_t objects, db.query_int("SELECT count(*) FROM sqlite_schema"));
  HC_TRY(std::int64_t app_id, db.query_int("PRAGMA application_id"));
  HC_TRY(std::int64_t version, db.query_int("PRAGMA user_version"));
  FileState s;
  s.version = version;
  if (app_id == kApplicationId) {
    s.kind = FileKind::ours;
  } else if (app_id == 0 && version == 0 && objects == 0) {
    s.kind = FileKind::empty;
  } else {
    s.kind = FileKind::foreign;
  }
  return s;
}

Result<int> migrate(Database& db, std::span<const Migration> steps) {
  const auto target = static_cast<std::int64_t>(steps.size());
  HC_TRY(Transaction tx, Transaction::begin(db));
  HC_TRY(FileState s, inspect(db));
  if (s.kind == FileKind::foreign) return Errc::foreign_database;
  if (s.version > target) return Errc::schema_too_new;
  if (s.kind == FileKind::ours && s.version == 0) return Errc::corrupt;  // id without layout
  if (s.version == target) return static_cast<int>(target);
  for (auto v = s.version; v < target; v++) {
    const Migration& step = steps[static_cast<std::size_t>(v)];
    if (auto st = step.apply(db); !st) {
      logger()->error("{}: schema migration to version {} ({}) failed: {}", db.path().string(),
                      v + 1, step.description, st.error().message());
      return st.error();
    }
  }
  HC_CHECK(db.exec("PRAGMA user_version = " + std::to_string(target)));
  HC_CHECK(tx.commit());
  if (s.version > 0) {
    logger()->info("{}: schema migrated from version {} to {}", db.path().string(), s.version,
                   target);
  }
  return static_cast<int>(target);
}

}  // namespace hc::storage
