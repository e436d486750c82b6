// A file beside the database in which a small append to a core we write is
// durable before SQLite has it: SqliteStorage writes the append here (one
// pwrite), answers, and commits it to SQLite a moment later (settle()).
//
// Why: the SQLite transaction of a single append (BEGIN, the row upserts,
// COMMIT with its WAL frames) was the largest part of a writer's time from a
// client's core.append to the push of the block to its peers, and most of its
// slowest cases; a record here costs one write() of a few hundred bytes.
//
// Durability is SQLite's with synchronous=NORMAL: once append() returns the
// OS has the record, so it survives this process dying. After a crash the
// next open reads the records back (read()) and writes each again whose core
// is still where the record found it (SqliteStorage checks that), so a record
// already committed, or one from before a later truncation, changes nothing.
//
// Records start again at the beginning of the file once SQLite has
// everything (restart()): its first record is then overwritten, so that read()
// finds nothing, and records left further on from earlier are skipped by
// their sequence numbers (append_record.hpp), which must follow each other.
//
// One SqliteStorage of a database holds the file (an exclusive flock); a
// second one opened on the same file gets none and commits every write itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/storage.hpp"
#include "encoding/bytes.hpp"
#include "append_record.hpp"

namespace hc::storage {

class AppendJournal {
 public:
  // Null when another AppendJournal holds the file.
  static Result<std::unique_ptr<AppendJournal>> open(const std::filesystem::path& path);
  AppendJournal(const AppendJournal&) = delete;
  AppendJournal& operator=(const AppendJournal&) = delete;
  ~AppendJournal();

  // REQUIRES: is_journaled_append(u). On failure the file may hold part of
  // the record, which read() ignores, and the next append goes over it.
  Status append(const core::CoreUpdate& u);
  // Every record appended so far is committed elsewhere.
  void restart();
  // The records of the file in order, up to the first that is torn, damaged
  // or out of sequence.
  Result<std::vector<AppendRecord>> read() const;
  // Empties the file (after read() and the records were committed).
  Status clear();

  const std::filesystem::path& path() const { return path_; }

 private:
  AppendJournal(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t end_ = 0;   // where the next record goes
  std::uint64_t seq_ = 1;   // the next record's sequence number
  Bytes buffer_;            // reused by append()
};

}  // namespace hc::storage
