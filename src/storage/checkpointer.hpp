// Copies the WAL back into the database file on a thread of its own.
//
// With synchronous=NORMAL a commit only writes to the WAL; the fsyncs happen
// at checkpoints (WAL before copying, database file after). Done by the
// writing connection, as SQLite's auto-checkpoint does, every ~1000th commit
// would stall for both fsyncs, which cost more than all the commits between
// them. Here a second connection, owned by this thread, runs a PASSIVE
// checkpoint each time the writer has added `pass_frames` frames to the WAL
// (committed(), from the writer's WAL hook): commits never wait for it, and
// the disk writes the WAL while the writer works.
//
// committed() may be called from any thread; everything else belongs to the
// owner. The destructor finishes the pass under way, then joins the thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "database.hpp"

namespace hc::storage {

class Checkpointer {
 public:
  // REQUIRES: `file` exists and is in WAL mode. full_sync: synchronous=FULL.
  static Result<std::unique_ptr<Checkpointer>> start(const std::filesystem::path& file,
                                                     bool full_sync, int pass_frames);
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  ~Checkpointer();

  // A commit left the WAL `wal_frames` long: starts a pass if enough is new.
  void committed(int wal_frames);
  // Waits for the pass under way and keeps new ones from starting while the
  // returned lock is held, so the writer can checkpoint by itself.
  std::unique_lock<std::mutex> hold();

 private:
  Checkpointer(Database db, int pass_frames) : db_(std::move(db)), pass_frames_(pass_frames) {}
  void request();
  void run();

  Database db_;  // used only by thread_ once it runs
  const int pass_frames_;
  std::atomic<int> copied_{0};  // WAL frames in the database file after the last pass
  std::mutex pass_mutex_;  // held during each pass
  std::mutex mutex_;       // guards pending_, stop_
  std::condition_variable wake_;
  bool pending_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hc::storage
