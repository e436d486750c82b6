#include "errors.hpp"

#include <sqlite3.h>

#include <string>

namespace hc::storage {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "storage"; }
  std::string message(int c) const override {
    switch (static_cast<Errc>(c)) {
      case Errc::not_a_database: return "file is not a database";
      case Errc::corrupt: return "database file is damaged or truncated";
      case Errc::schema_too_new: return "database was written by a newer version of hypercored";
      case Errc::foreign_database: return "database belongs to another program";
      case Errc::io_error: return "database I/O error";
      case Errc::locked: return "database is in use by another process";
      case Errc::constraint: return "database constraint failed";
      case Errc::disk_full: return "disk full";
      case Errc::read_only: return "database is read-only";
      case Errc::cant_open: return "cannot open the database file";
      case Errc::limit_exceeded: return "core id or block index beyond the storage limits";
      case Errc::internal: return "internal database error";
    }
    return "unknown storage error";
  }
};

}  // namespace

const std::error_category& category() {
  static const Category c;
  return c;
}

Errc errc_from_sqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB: return Errc::not_a_database;
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT: return Errc::corrupt;
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL: return Errc::io_error;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Errc::locked;
    case SQLITE_CONSTRAINT: return Errc::constraint;
    case SQLITE_FULL: return Errc::disk_full;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return Errc::read_only;
    case SQLITE_CANTOPEN: return Errc::cant_open;
    case SQLITE_TOOBIG: return Errc::limit_exceeded;
    default: return Errc::internal;
  }
}

}  // namespace hc::storage
