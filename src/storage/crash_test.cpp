// kill -9 during appends: every length a child process saw acknowledged by
// Core::append (so committed by SqliteStorage) is there after a restart, with
// the same bytes, a tree that matches them and a signature that verifies.
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>

#include "core/core.hpp"
#include "sqlite_storage.hpp"
#include "test_support.hpp"

namespace hc::storage {
namespace {

using test::block_for;

// The child: appends deterministic 1 KiB blocks until killed, writing each
// acknowledged length to `ack_fd`. Never returns; exits non-zero on an error.
[[noreturn]] void append_until_killed(const std::filesystem::path& file, const Hash32& key,
                                      int ack_fd) {
  auto db = SqliteStorage::open(file);
  if (!db) _exit(2);
  auto c = core::Core::open(**db, key);
  if (!c) _exit(3);
  for (std::uint64_t i = (*c)->length();; i++) {
    const Bytes block = block_for(i);
    auto length = (*c)->append(block);
    if (!length || *length != i + 1) _exit(4);
    const std::uint64_t acked = *length;
    if (write(ack_fd, &acked, sizeof acked) != sizeof acked) _exit(5);
  }
}

// Reads acknowledged lengths until `deadline` (nullopt: until the pipe closes).
// Returns the largest seen, or `max` if none.
std::uint64_t read_acks(int fd, std::uint64_t max,
                        std::optional<std::chrono::steady_clock::time_point> deadline,
                        bool stop_at_first = false) {
  std::uint64_t value = 0;
  std::size_t have = 0;
  while (true) {
    int timeout = -1;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return max;
      timeout = static_cast<int>(left.count()) + 1;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout) <= 0) continue;
    const ssize_t n = read(fd, reinterpret_cast<char*>(&value) + have, sizeof value - have);
    if (n <= 0) return max;  // the child is gone
    have += static_cast<std::size_t>(n);
    if (have == sizeof value) {
      max = std::max(max, value);
      have = 0;
      if (stop_at_first) return max;
    }
  }
}

TEST_CASE("kill -9 during appends loses no acknowledged block") {
  test::TempDir dir;
  const auto file = dir.file("crash.db");
  Hash32 key{};
  {
    // Made and closed before any fork: the children open their own storage.
    auto db = SqliteStorage::open(file);
    REQUIRE(db.ok());
    core::Core::CreateOptions o;
    Hash32 seed{};
    seed.fill(7);
    o.key_pair = crypto::key_pair_from_seed(seed);
    auto c = core::Core::create(**db, o);
    REQUIRE(c.ok());
    key = (*c)->key();
  }

  const auto rng_seed = std::random_device{}();
  INFO("random seed ", rng_seed);
  std::mt19937 rng(rng_seed);
  std::uniform_int_distribution<int> run_for_us(500, 15000);
  std::uint64_t acked = 0;

  for (int round = 0; round < 20; round++) {
    INFO("round ", round);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      append_until_killed(file, key, fds[1]);
    }
    close(fds[1]);
    // Kill it a random short time after its first acknowledged append.
    const std::uint64_t first = read_acks(fds[0], acked, std::nullopt, true);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::microseconds(run_for_us(rng));
    std::uint64_t seen = read_acks(fds[0], first, deadline);
    kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    seen = read_acks(fds[0], seen, std::nullopt);  // what it wrote before dying
    close(fds[0]);
    REQUIRE_MESSAGE(WIFSIGNALED(status), "child exited with status ", WEXITSTATUS(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    REQUIRE(seen > acked);  // it made progress this round
    acked = seen;

    auto db = SqliteStorage::open(file);
    REQUIRE_MESSAGE(db.ok(), db.error().message());
    auto c = core::Core::open(**db, key);
    REQUIRE_MESSAGE(c.ok(), c.error().message());
    core::Core& core = **c;
    // A commit may have landed after the last acknowledgement was written.
    REQUIRE(core.length() >= acked);
    CHECK(core.length() <= acked + 1);
    CHECK(core.contiguous_length() == core.length());
    core::TreeBatch rebuilt{core::TreeState{}};
    for (std::uint64_t i = 0; i < core.length(); i++) {
      auto b = core.get(i);
      REQUIRE_MESSAGE(b.ok(), "block ", i, ": ", b.error().message());
      REQUIRE_MESSAGE(*b == block_for(i), "block ", i);
      rebuilt.append(*b);
    }
    CHECK(rebuilt.state().roots == core.tree().roots);
    CHECK(rebuilt.state().hash() == core.tree_hash());
    const core::Verifier verifier(core.key(), *core.manifest());
    CHECK(verifier.verify(core.tree().signed_tree(), core.signature()));
    acked = core.length();
  }
  MESSAGE("blocks after 20 kills: ", acked);
  // The survivor is still a working core.
  auto db = SqliteStorage::open(file);
  REQUIRE(db.ok());
  auto c = core::Core::open(**db, key);
  REQUIRE(c.ok());
  auto next = (*c)->append(block_for(acked));
  REQUIRE(next.ok());
  CHECK(*next == acked + 1);
}

}  // namespace
}  // namespace hc::storage
