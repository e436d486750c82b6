// SQLite persistence of many cores in one database file (WAL mode),
// implementing core::Storage and behaving as core::MemoryStorage does.
//
// write() is one transaction (BEGIN IMMEDIATE ... COMMIT): all updates of a
// call commit together (group commit), or, on any error, none of them. With
// Durability::normal (synchronous=NORMAL) a committed write survives a process
// crash; Durability::full (synchronous=FULL) also survives power loss.
// Held appends: with Durability::normal, a write() that is one append of up to
// 16 KiB of blocks to a core we write is instead written to the append journal
// beside the database (append_journal.hpp), which also survives a process
// crash, and held in memory, seen by every read; it commits at settle(), at
// the next write that is not held, at begin_group(), at a read of cores'
// headers or bitfields (find_*, list_cores, load_bitfield), past 64 held
// appends, or at close. Opening the file writes again what a crash left in
// the journal and SQLite lacks.
// Between begin_group() and end_group() the writes nest in one outer
// transaction (begun when the first of them reaches SQLite: a group that
// writes nothing costs nothing) and commit together at end_group(); those without a truncation
// or a manifest are merged and reach SQLite in one savepoint before the next
// read that needs them or at end_group() (pending_writes.hpp), the others go
// at once, each in a savepoint.
//
// Threads: a SqliteStorage owns one connection (SQLITE_OPEN_NOMUTEX) and must
// be used by one thread at a time; hand it over only with a happens-before
// (as a task queue gives). Inside, a checkpoint thread with its own connection
// copies the WAL into the file (checkpointer.hpp), and another syncs block
// files (block_files.hpp); both stop in the destructor, which also syncs the
// block files and records it. Do not fork() while one is open (the child
// would lack those threads).
//
// Reads: get_block and get_node share one read transaction for up to 1024
// calls (Database::hold_read); any write, and every core lookup, ends it
// first, so this connection always reads what it wrote. Another connection's
// writes may show up only when the snapshot ends, and never for tree nodes
// this connection already looked up (node_cache.hpp). The file is read through
// mmap: a process that truncates it under us would crash us (SIGBUS), as with
// any mmap'ed SQLite file; one daemon owns the file.
//
// Block files: blocks of Options::block_file_min_bytes or more of the cores
// we download (no secret key) are written to a file per core beside the
// database (block_files.hpp), the row keeping where; such a block is durable
// when its file is synced, not at its commit. After a crash, when its core's
// bitfield is first loaded, each block past its file's last recorded sync is
// checked against its leaf node, and one that did not reach the disk loses
// its row's block and its bitfield bit (a reader fetches it again); with
// Durability::full the files are synced before each commit instead.
//
// Layout and limits: layout.hpp (block indexes < 2^40, about 2 million cores);
// a write past them is Errc::limit_exceeded and changes nothing, as is
// core::Errc::bad_argument for a bitfield page that is not kPageBytes long
// (MemoryStorage would keep it; a read would call it damage). Schema
// versions and migrations: schema.hpp. Errors: errors.hpp; details go to the
// "storage" logger with the file path.
#pragma once

#include <filesystem>
#include <memory>

#include "core/storage.hpp"

namespace hc::storage {

enum class Durability { normal, full };

struct Options {
  Durability durability = Durability::normal;  // see above
  bool create = true;                          // create the file if missing
  // Blocks of at least this many bytes of cores we download (no secret key)
  // go to block files beside the database (block_files.hpp), not its rows.
  std::size_t block_file_min_bytes = 16 * 1024;
  // New block file bytes after which a background thread syncs them.
  std::uint64_t block_file_sync_bytes = 8 << 20;
};

class SqliteStorage final : public core::Storage {
 public:
  // Opens (or creates) the database; a damaged, truncated or foreign file, or
  // a schema newer than this build knows, is an error, never a crash.
  static Result<std::unique_ptr<SqliteStorage>> open(const std::filesystem::path& file,
                                                     const Options& options = {});
  SqliteStorage(const SqliteStorage&) = delete;
  SqliteStorage& operator=(const SqliteStorage&) = delete;
  // Closes the connection; being the last one, it checkpoints and removes the WAL.
  ~SqliteStorage() override;

  Result<core::CoreId> create_core(const core::CoreRecord& record) override;
  Result<std::optional<core::CoreRecord>> find_core(const Hash32& key) override;
  Result<std::optional<core::CoreRecord>> find_named_core(std::string_view name) override;
  // Through the index of schema version 2 (a peer's channel open).
  Result<std::optional<core::CoreRecord>> find_core_by_discovery_key(
      const Hash32& discovery_key) override;
  Result<std::vector<core::CoreRecord>> list_cores() override;
  // One column of the rows without a secret key.
  Result<std::vector<Hash32>> remote_core_keys() override;
  Result<std::uint64_t> count_cores() override;
  Result<std::optional<core::TreeNode>> get_node(core::CoreId core, std::uint64_t index) override;
  Result<std::optional<Bytes>> get_block(core::CoreId core, std::uint64_t index) override;
  Result<std::vector<core::BitfieldPage>> load_bitfield(core::CoreId core) override;
  Status write(std::span<const core::CoreUpdate> updates) override;
  Status begin_group() override;
  Status end_group() override;
  Status settle() override;

  // The append journal of the database `file`: `<file>-appends`.
  static std::filesystem::path journal_path(const std::filesystem::path& file);
  // Where the block files of the database `file` are: `<file>.blocks/`.
  static std::filesystem::path block_dir(const std::filesystem::path& file);

  // The schema version of the open file (schema.hpp).
  int schema_version() const;

 private:
  struct Impl;
  explicit SqliteStorage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hc::storage
