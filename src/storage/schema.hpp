// The database layout, its version and the path from older versions.
//
// A file is ours when its SQLite header carries kApplicationId (PRAGMA
// application_id); PRAGMA user_version is its schema version. Version N is
// reached from N-1 by migration step N-1 (steps[0] creates the first layout
// from an empty file). migrate() runs every step a file lacks, and the new
// version number, in one transaction: a failing step leaves the file as it was.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "database.hpp"

namespace hc::storage {

inline constexpr std::int64_t kApplicationId = 0x48434f52;  // "HCOR"

struct Migration {
  std::string_view description;
  Status (*apply)(Database& db);
};

// The steps of this build: the schema version it writes is their count.
std::span<const Migration> schema_migrations();
int current_schema_version();

// What a file holds, read before anything is written to it.
enum class FileKind {
  empty,    // no tables and no identity: a new database to initialise
  ours,     // our application id
  foreign,  // an SQLite database of another program
};
struct FileState {
  FileKind kind = FileKind::empty;
  std::int64_t version = 0;  // PRAGMA user_version
};
// not_a_database / corrupt when SQLite cannot read the header or schema.
Result<FileState> inspect(Database& db);

// Brings the file to version steps.size() and returns it. schema_too_new if
// the file is newer; foreign_database if it is not ours (checked again inside
// the transaction, as another process may have initialised it meanwhile).
Result<int> migrate(Database& db, std::span<const Migration> steps);

}  // namespace hc::storage
