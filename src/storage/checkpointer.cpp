#include "checkpointer.hpp"

#include <sqlite3.h>

#include <system_error>

#include "errors.hpp"
#include "log.hpp"

namespace hc::storage {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::filesystem::path& file,
                                                          bool full_sync, int pass_frames) {
  HC_TRY(Database db, Database::open(file, false));
  // The sync a checkpoint does follows the durability the writer promised.
  HC_CHECK(db.exec(full_sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  std::unique_ptr<Checkpointer> c(new Checkpointer(std::move(db), pass_frames));
  try {
    c->thread_ = std::thread([p = c.get()] { p->run(); });
  } catch (const std::system_error& e) {
    logger()->error("{}: cannot start the checkpoint thread: {}", file.string(), e.what());
    return Errc::internal;
  }
  return c;
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::committed(int wal_frames) {
  // A WAL shorter than what was copied has restarted from its beginning.
  const int copied = copied_.load(std::memory_order_relaxed);
  const int base = wal_frames >= copied ? copied : 0;
  if (wal_frames - base >= pass_frames_) request();
}

void Checkpointer::request() {
  {
    std::lock_guard lock(mutex_);
    if (pending_) return;
    pending_ = true;
  }
  wake_.notify_one();
}

std::unique_lock<std::mutex> Checkpointer::hold() { return std::unique_lock(pass_mutex_); }

void Checkpointer::run() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return pending_ || stop_; });
      if (stop_) return;
      pending_ = false;
    }
    std::lock_guard pass(pass_mutex_);
    // PASSIVE: copies what it can without waiting for (or blocking) anyone.
    // A failure leaves the WAL longer; the writer's limit still bounds it.
    int frames = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_.handle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                             &frames, &copied);
    if (rc == SQLITE_OK && copied >= 0) {
      copied_.store(copied, std::memory_order_relaxed);
    } else if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      (void)sqlite_failure(db_.handle(), rc, "background checkpoint");
    }
  }
}

}  // namespace hc::storage
