// Blocks of the cores we download, kept outside SQLite: one append-only file
// per core, `<dir>/<core id>`, that the block's tree row points into.
//
// Why: SQLite writes every byte twice, once into the WAL and once more when
// the checkpoint copies it into the database file. For a reader of large
// blocks that double write was half of its time; a plain file is written once.
// Only blocks from peers go here (SqliteStorage decides), because their
// durability is weaker: a file's tail reaches the disk when the kernel or a
// sync puts it there, not with the commit that points into it. After a power
// loss a committed row may point at bytes that never reached the disk, so the
// bytes past the last sync are checked against their leaf hash before they
// are trusted again, and lost ones are downloaded again (SqliteStorage).
// Acknowledged appends of our own cores never come here.
//
// Syncs: a thread of its own fdatasyncs the files with new bytes once
// `sync_bytes` of them have piled up, so that what a crash leaves to check
// stays bounded; take_synced() hands what it made durable to the owner, who
// records it. Everything except that thread belongs to the owner's thread.
// Files are never rewritten: a truncated core leaves dead bytes behind.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/storage.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::storage {

class BlockFiles {
 public:
  // Nothing is created until the first append.
  BlockFiles(std::filesystem::path dir, std::uint64_t sync_bytes);
  BlockFiles(const BlockFiles&) = delete;
  BlockFiles& operator=(const BlockFiles&) = delete;
  // Stops the sync thread (after the sync under way); does not sync.
  ~BlockFiles();


  // Writes `data` at the end of the core's file and returns its offset. The
  // end is the larger of the file's size and `recorded_end` (the end a
  // committed row may point to: bytes below it are never written again).
  Result<std::uint64_t> append(core::CoreId core, std::uint64_t recorded_end, ByteView data);
  // Reads `size` bytes at `offset`; a missing file or one too short is corrupt.
  Result<Bytes> read(core::CoreId core, std::uint64_t offset, std::size_t size);
  // Makes the core's file durable up to its end now, and returns that end
  // (0 if the core has no file).
  Result<std::uint64_t> sync(core::CoreId core);
  // The files the sync thread has made durable since the last call: core ->
  // length now on disk.
  std::map<core::CoreId, std::uint64_t> take_synced();

 private:
  struct File {
    ~File();
    core::CoreId core = 0;
    int fd = -1;
    std::uint64_t end = 0;  // where the next append goes
    std::uint64_t dropped = 0;  // the sync thread's: pages below left the page cache
  };
  std::filesystem::path path_of(core::CoreId core) const;
  // create: make the file (and the directory) if missing and recorded_end is
  // 0; else a missing file is corrupt.
  Result<std::shared_ptr<File>> open_file(core::CoreId core, std::uint64_t recorded_end,
                                          bool create);
  void run();

  const std::filesystem::path dir_;
  const std::uint64_t sync_bytes_;
  bool dir_made_ = false;
  // Open files, most recently used first; at most kOpenFiles stay open
  // (a file the sync thread still holds closes when it is done).
  std::list<std::shared_ptr<File>> open_;
  std::unordered_map<core::CoreId, std::list<std::shared_ptr<File>>::iterator> by_core_;

  std::mutex mutex_;  // guards what follows, shared with the sync thread
  std::map<core::CoreId, std::shared_ptr<File>> dirty_;  // appended to since their last sync
  std::uint64_t dirty_bytes_ = 0;
  bool dir_dirty_ = false;  // a file was created since the directory's last sync
  std::map<core::CoreId, std::uint64_t> synced_;
  bool stop_ = false;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace hc::storage
