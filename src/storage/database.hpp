// A thin RAII layer over one SQLite connection: the connection (Database),
// prepared statements (Statement), one execution of a statement (Query), a
// write transaction (Transaction) and a read transaction held across reads
// (Database::hold_read). Every SQLite failure becomes a storage error code,
// logged once here with the file path and SQLite's message.
//
// Not thread-safe: the connection is opened with SQLITE_OPEN_NOMUTEX, so a
// Database and everything prepared on it belong to one thread at a time.
// Statements must be destroyed before their Database.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace hc::storage {

// One column of a result row. `bytes` (text or blob) points into SQLite's
// buffer: valid until the query steps again or ends.
struct Value {
  enum class Type { null, integer, real, text, blob };
  Type type = Type::null;
  std::int64_t integer = 0;
  ByteView bytes;
};

class Statement;

class Database {
 public:
  // create: make the file if it is missing (else cant_open).
  static Result<Database> open(const std::filesystem::path& file, bool create);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

  // Runs SQL statements that return no rows we need (DDL, pragmas that set).
  Status exec(const std::string& sql);
  // Runs one statement and returns the first column of its first row
  // (pragmas that read: user_version, application_id, journal_mode).
  // No row, or a value of another type, is corrupt.
  Result<std::int64_t> query_int(std::string_view sql);
  Result<std::string> query_text(std::string_view sql);
  bool in_transaction() const;

  // Opens a read transaction (BEGIN) unless one is open, and keeps it across
  // the calls that follow: each read then skips taking and dropping SQLite's
  // locks and checking the WAL index (1.4 -> 0.5 us per 64-byte read). It
  // ends at end_read() or at the next Transaction::begin(), so a write never
  // waits for it. While held, reads see the snapshot it started with (this
  // connection's own writes end it first), and the checkpointer cannot copy
  // frames committed after it: callers end it after a bounded number of reads.
  Status hold_read();
  void end_read();
  bool holds_read() const { return reading_; }

 private:
  friend class Transaction;
  Database(sqlite3* db, std::filesystem::path path);
  void close();

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  // BEGIN IMMEDIATE, BEGIN, COMMIT, ROLLBACK, and for a transaction nested
  // in another SAVEPOINT, RELEASE, ROLLBACK TO; prepared once.
  std::unique_ptr<Statement> begin_, begin_read_, commit_, rollback_, savepoint_, release_,
      rollback_to_;
  bool reading_ = false;  // a transaction opened by hold_read() is open
};

// The error for SQLite result code rc on connection db, logged with the file,
// SQLite's message and `what` (the statement or step that failed).
std::error_code sqlite_failure(sqlite3* db, int rc, std::string_view what);

class Statement {
 public:
  Statement() = default;
  // persistent: kept for the life of the connection (SQLITE_PREPARE_PERSISTENT).
  static Result<Statement> prepare(Database& db, std::string_view sql, bool persistent = true);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  sqlite3_stmt* handle() const { return stmt_; }

 private:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

// One execution of a prepared statement. Bound text and blobs are not copied:
// they must outlive the Query. The destructor resets the statement and clears
// its bindings, so a cached statement never keeps a read open or a pointer to
// freed memory. A bind failure is reported by the next step().
class Query {
 public:
  explicit Query(Statement& statement) : stmt_(statement.handle()) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  // Parameters are numbered from 1, as in SQLite.
  Query& bind_int(int i, std::int64_t v);
  Query& bind_blob(int i, ByteView blob);  // an empty view binds an empty blob, not NULL
  Query& bind_text(int i, std::string_view text);
  Query& bind_null(int i);

  // true: a row is ready to read; false: the statement is done.
  Result<bool> step();
  // Steps to completion; any row is ignored.
  Status run();
  // Columns are numbered from 0. REQUIRES: the last step() returned a row.
  Value column(int i) const;
  int changes() const;

 private:
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;
};

// BEGIN IMMEDIATE ... COMMIT. Rolls back on destruction unless committed, so
// an early return leaves nothing of the transaction behind.
// A write transaction. Begun while another is open, it nests as a savepoint:
// its commit keeps its changes in the outer transaction, and its rollback
// undoes only them.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_), nested_(other.nested_) {
    other.db_ = nullptr;
  }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status commit();

 private:
  Transaction(Database& db, bool nested) : db_(&db), nested_(nested) {}
  Database* db_;
  bool nested_;
};

}  // namespace hc::storage
