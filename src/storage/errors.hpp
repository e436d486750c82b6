// Error codes of the storage layer: what went wrong with the database file,
// mapped from SQLite result codes so a caller can act on them (restore a
// backup, free disk space, stop the other process) without knowing SQLite.
//
// Details (the file path, SQLite's own message) go to the "storage" logger
// where the error is decided; the code stays small and stable.
#pragma once

#include <system_error>

namespace hc::storage {

enum class Errc {
  not_a_database = 1,  // the file is not an SQLite database (random bytes, wrong file)
  corrupt,             // an SQLite database whose pages or rows are damaged or truncated
  schema_too_new,      // written by a newer hypercored: upgrade before opening it
  foreign_database,    // a valid SQLite database that belongs to another program
  io_error,            // reading or writing the file failed
  locked,              // another process holds the database (busy or locked)
  constraint,          // a row broke a constraint of the schema
  disk_full,           // no space left for the database or its journal
  read_only,           // the file or its directory cannot be written
  cant_open,           // the file (or its directory) does not exist or cannot be opened
  limit_exceeded,      // a core id or block index beyond what the layout can address
  internal,            // any other SQLite failure (a bug: misuse, out of memory)
};

const std::error_category& category();
inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), category()}; }

// The storage error for an SQLite result code (primary or extended).
// REQUIRES: rc is an error, not SQLITE_OK, SQLITE_ROW or SQLITE_DONE.
Errc errc_from_sqlite(int rc);

}  // namespace hc::storage

template <>
struct std::is_error_code_enum<hc::storage::Errc> : std::true_type {};
