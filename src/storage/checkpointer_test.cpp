// The background checkpointer: a pass starts once `pass_frames` new frames
// are in the WAL, not before, and a pass that copied everything lets the next
// commit restart the WAL from its beginning (which keeps it short).
#include <sqlite3.h>

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "checkpointer.hpp"
#include "database.hpp"
#include "test_support.hpp"

namespace hc::storage {
namespace {

// A WAL database with one table, whose commits report to a Checkpointer the
// way SqliteStorage's do; `frames` is the WAL length after the last commit.
struct WalFile {
  test::TempDir dir;
  Database db;
  std::unique_ptr<Checkpointer> checkpointer;
  int frames = 0;

  explicit WalFile(int pass_frames) : db(open(dir.file("wal.db"))) {
    auto started = Checkpointer::start(dir.file("wal.db"), false, pass_frames);
    REQUIRE(started);
    checkpointer = std::move(*started);
    sqlite3_wal_hook(db.handle(), &WalFile::on_commit, this);
  }
  ~WalFile() {
    sqlite3_wal_hook(db.handle(), nullptr, nullptr);
    checkpointer.reset();
  }

  static Database open(const std::filesystem::path& file) {
    auto db = Database::open(file, true);
    REQUIRE(db);
    REQUIRE(db->query_text("PRAGMA journal_mode = WAL").value() == "wal");
    REQUIRE(db->exec("PRAGMA wal_autocheckpoint = 0"));
    REQUIRE(db->exec("CREATE TABLE t (v BLOB)"));
    return std::move(*db);
  }

  static int on_commit(void* self, sqlite3*, const char*, int wal_frames) {
    auto* f = static_cast<WalFile*>(self);
    f->frames = wal_frames;
    f->checkpointer->committed(wal_frames);
    return SQLITE_OK;
  }

  // One commit that adds one page to the WAL (a row of most of a page).
  void commit_one() {
    REQUIRE(db.exec("INSERT INTO t VALUES (zeroblob(3000))"));
  }
};

TEST_CASE("checkpointer: no pass before pass_frames new frames, after one, the WAL restarts") {
  WalFile f(64);  // more frames than the first 12 commits add (a page or three each)
  // Below the threshold (each commit adds a few frames) nothing is copied,
  // so the WAL only grows.
  int last = 0;
  for (int i = 0; i < 12; i++) {
    f.commit_one();
    CHECK(f.frames > last);
    last = f.frames;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Past it, a pass runs; once one has copied every frame, the next commit
  // writes from the WAL's beginning again. Commits keep coming, slowly, as a
  // live writer's do: a commit during a pass leaves frames uncopied, which
  // the pass after catches up.
  bool restarted = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!restarted && std::chrono::steady_clock::now() < deadline) {
    f.commit_one();
    restarted = f.frames < last;
    last = f.frames;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(restarted);
}

}  // namespace
}  // namespace hc::storage
