#include "database.hpp"

#include <sqlite3.h>

#include "errors.hpp"
#include "log.hpp"

namespace hc::storage {

std::error_code sqlite_failure(sqlite3* db, int rc, std::string_view what) {
  const Errc e = errc_from_sqlite(rc);
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const auto level = e == Errc::locked || e == Errc::constraint ? spdlog::level::warn
                                                                 : spdlog::level::err;
  logger()->log(level, "{}: {} ({}, SQLite code {}) in: {}", file && *file ? file : "(database)",
                make_error_code(e).message(), msg ? msg : "", rc, what);
  return make_error_code(e);
}

// ---- Database ----

Database::Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}

Result<Database> Database::open(const std::filesystem::path& file, bool create) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (create) flags |= SQLITE_OPEN_CREATE;
  sqlite3* h = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &h, flags, nullptr);
  if (rc != SQLITE_OK) {
    logger()->error("{}: cannot open database: {}", file.string(),
                    h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
    sqlite3_close_v2(h);
    return make_error_code(errc_from_sqlite(rc));
  }
  Database db(h, file);
  sqlite3_extended_result_codes(h, 1);
  // Never let SQL from the file (triggers, views) call functions with side
  // effects, and refuse statements that could corrupt the file on purpose.
  sqlite3_db_config(h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  HC_TRY(Statement begin, Statement::prepare(db, "BEGIN IMMEDIATE"));
  HC_TRY(Statement begin_read, Statement::prepare(db, "BEGIN"));
  HC_TRY(Statement commit, Statement::prepare(db, "COMMIT"));
  HC_TRY(Statement rollback, Statement::prepare(db, "ROLLBACK"));
  HC_TRY(Statement savepoint, Statement::prepare(db, "SAVEPOINT nested"));
  HC_TRY(Statement release, Statement::prepare(db, "RELEASE nested"));
  HC_TRY(Statement rollback_to, Statement::prepare(db, "ROLLBACK TO nested"));
  db.begin_ = std::make_unique<Statement>(std::move(begin));
  db.begin_read_ = std::make_unique<Statement>(std::move(begin_read));
  db.commit_ = std::make_unique<Statement>(std::move(commit));
  db.rollback_ = std::make_unique<Statement>(std::move(rollback));
  db.savepoint_ = std::make_unique<Statement>(std::move(savepoint));
  db.release_ = std::make_unique<Statement>(std::move(release));
  db.rollback_to_ = std::make_unique<Statement>(std::move(rollback_to));
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(other.db_),
      path_(std::move(other.path_)),
      begin_(std::move(other.begin_)),
      begin_read_(std::move(other.begin_read_)),
      commit_(std::move(other.commit_)),
      rollback_(std::move(other.rollback_)),
      savepoint_(std::move(other.savepoint_)),
      release_(std::move(other.release_)),
      rollback_to_(std::move(other.rollback_to_)),
      reading_(other.reading_) {
  other.db_ = nullptr;
  other.reading_ = false;
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    db_ = other.db_;
    path_ = std::move(other.path_);
    begin_ = std::move(other.begin_);
    begin_read_ = std::move(other.begin_read_);
    commit_ = std::move(other.commit_);
    rollback_ = std::move(other.rollback_);
    savepoint_ = std::move(other.savepoint_);
    release_ = std::move(other.release_);
    rollback_to_ = std::move(other.rollback_to_);
    reading_ = other.reading_;
    other.db_ = nullptr;
    other.reading_ = false;
  }
  return *this;
}

Database::~Database() { close(); }

void Database::close() {
  end_read();
  begin_.reset();
  begin_read_.reset();
  commit_.reset();
  rollback_.reset();
  savepoint_.reset();
  release_.reset();
  rollback_to_.reset();
  if (db_) {
    // The last connection to close checkpoints the WAL into the file and
    // removes it. close_v2 defers the close if a statement is still alive.
    const int rc = sqlite3_close_v2(db_);
    if (rc != SQLITE_OK) logger()->warn("{}: close failed: {}", path_.string(), sqlite3_errstr(rc));
    db_ = nullptr;
  }
}

Status Database::exec(const std::string& sql) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_failure(db_, rc, sql);
  return {};
}

namespace {

Result<Value> first_value(Database& db, std::string_view sql, Query& q) {
  HC_TRY(bool row, q.step());
  if (!row) return sqlite_failure(db.handle(), SQLITE_CORRUPT, sql);
  return q.column(0);
}

}  // namespace

Result<std::int64_t> Database::query_int(std::string_view sql) {
  HC_TRY(Statement stmt, Statement::prepare(*this, sql, false));
  Query q(stmt);
  HC_TRY(Value v, first_value(*this, sql, q));
  if (v.type != Value::Type::integer) return sqlite_failure(db_, SQLITE_CORRUPT, sql);
  return v.integer;
}

Result<std::string> Database::query_text(std::string_view sql) {
  HC_TRY(Statement stmt, Statement::prepare(*this, sql, false));
  Query q(stmt);
  HC_TRY(Value v, first_value(*this, sql, q));
  if (v.type != Value::Type::text) return sqlite_failure(db_, SQLITE_CORRUPT, sql);
  return std::string(as_chars(v.bytes));
}

bool Database::in_transaction() const { return db_ && !sqlite3_get_autocommit(db_); }

Status Database::hold_read() {
  if (reading_) {
    // Some failures (I/O, corruption) end the transaction by themselves.
    if (in_transaction()) return {};
    reading_ = false;
  }
  if (in_transaction()) return {};  // inside a write: it reads the latest state
  Query q(*begin_read_);
  HC_CHECK(q.run());
  reading_ = true;
  return {};
}

void Database::end_read() {
  if (!reading_) return;
  reading_ = false;
  if (!in_transaction()) return;
  // A read transaction has nothing to commit: this only drops its snapshot.
  Query q(*commit_);
  if (!q.run()) logger()->error("{}: ending a read transaction failed", path_.string());
}

// ---- Statement ----

Result<Statement> Statement::prepare(Database& db, std::string_view sql, bool persistent) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
  if (rc != SQLITE_OK) return sqlite_failure(db.handle(), rc, sql);
  if (!raw) return sqlite_failure(db.handle(), SQLITE_MISUSE, sql);  // sql held no statement
  return Statement(raw);
}

Statement::Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

// ---- Query ----

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind_int(int i, std::int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, i, v);
  if (!bind_rc_) bind_rc_ = rc;
  return *this;
}

Query& Query::bind_blob(int i, ByteView blob) {
  // A null pointer would bind NULL; an empty blob must stay a blob.
  const int rc = blob.empty() ? sqlite3_bind_zeroblob(stmt_, i, 0)
                              : sqlite3_bind_blob64(stmt_, i, blob.data(), blob.size(),
                                                    SQLITE_STATIC);
  if (!bind_rc_) bind_rc_ = rc;
  return *this;
}

Query& Query::bind_text(int i, std::string_view text) {
  const int rc = sqlite3_bind_text64(stmt_, i, text.empty() ? "" : text.data(), text.size(),
                                     SQLITE_STATIC, SQLITE_UTF8);
  if (!bind_rc_) bind_rc_ = rc;
  return *this;
}

Query& Query::bind_null(int i) {
  const int rc = sqlite3_bind_null(stmt_, i);
  if (!bind_rc_) bind_rc_ = rc;
  return *this;
}

Result<bool> Query::step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_) return sqlite_failure(db, bind_rc_, sqlite3_sql(stmt_));
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_failure(db, rc, sqlite3_sql(stmt_));
}

Status Query::run() {
  while (true) {
    HC_TRY(bool row, step());
    if (!row) return {};
  }
}

Value Query::column(int i) const {
  Value v;
  switch (sqlite3_column_type(stmt_, i)) {
    case SQLITE_INTEGER:
      v.type = Value::Type::integer;
      v.integer = sqlite3_column_int64(stmt_, i);
      break;
    case SQLITE_FLOAT: v.type = Value::Type::real; break;
    case SQLITE_TEXT: {
      v.type = Value::Type::text;
      const auto* p = sqlite3_column_text(stmt_, i);
      const int n = sqlite3_column_bytes(stmt_, i);
      if (p && n > 0) v.bytes = ByteView(p, static_cast<std::size_t>(n));
      break;
    }
    case SQLITE_BLOB: {
      v.type = Value::Type::blob;
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, i));
      const int n = sqlite3_column_bytes(stmt_, i);
      if (p && n > 0) v.bytes = ByteView(p, static_cast<std::size_t>(n));
      break;
    }
    default: break;
  }
  return v;
}

int Query::changes() const { return sqlite3_changes(sqlite3_db_handle(stmt_)); }

// ---- Transaction ----

Result<Transaction> Transaction::begin(Database& db) {
  db.end_read();
  // Still in a transaction after dropping any read: an outer write
  // transaction (a group) is open, and this one nests in it.
  const bool nested = db.in_transaction();
  Query q(nested ? *db.savepoint_ : *db.begin_);
  HC_CHECK(q.run());
  return Transaction(db, nested);
}

Status Transaction::commit() {
  Query q(nested_ ? *db_->release_ : *db_->commit_);
  HC_CHECK(q.run());  // on failure the destructor rolls back
  db_ = nullptr;
  return {};
}

Transaction::~Transaction() {
  // Some failures (I/O, disk full) already rolled SQLite back by themselves.
  if (!db_ || !db_->in_transaction()) return;
  if (nested_) {
    // Undo the savepoint's changes, then drop it: the outer transaction goes on.
    Query undo(*db_->rollback_to_);
    Query drop(*db_->release_);
    if (!undo.run() || !drop.run()) logger()->error("{}: rollback to savepoint failed", db_->path().string());
    return;
  }
  Query q(*db_->rollback_);
  if (!q.run()) logger()->error("{}: rollback failed", db_->path().string());
}

}  // namespace hc::storage
