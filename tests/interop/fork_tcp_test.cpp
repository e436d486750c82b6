// Truncate / fork replication with the real Node hypercore 11.37.1 over TCP
// on 127.0.0.1: a C++ ReplicationSession (src/wire) reading a Node writer
// (fork_peer.js) that truncates and appends, live and while apart. The C++
// side verifies Node's signed tree of each new fork, finds the common
// ancestor through Node's hash proofs, and ends with Node's tree hash.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "core/memory_storage.hpp"
#include "encoding/key_id.hpp"
#include "live_process.hpp"
#include "node_runner.hpp"
#include "wire/replication_session.hpp"

using namespace hc;
using hc::interop::LiveProcess;

namespace {

struct Held : wire::ReplicationSession::Cores {
  std::map<Hash32, core::Core*> cores;
  core::Core* find_by_discovery_key(const Hash32& dk) override {
    auto it = cores.find(dk);
    return it == cores.end() ? nullptr : it->second;
  }
  wire::CoreChannel::Options options_for(const core::Core& c) override { return {!c.writable(), 64}; }
};

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/hc-fork-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Node's next stdout line, within 30 s.
nlohmann::json next_line(LiveProcess& node) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    node.read_available();
    if (auto line = node.next_line()) return *line;
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "Node said nothing within 30 s");
    pollfd p{node.stdout_fd(), POLLIN, 0};
    ::poll(&p, 1, 100);
  }
}

// A reader session on one TCP connection to Node: moves bytes until `done`.
struct Reader {
  Held held;
  wire::ReplicationSession session;
  int fd;
  Bytes pending;
  Reader(core::Core& core, int port)
      : session(true, crypto::random_key_pair(), held), fd(connect_to(port)) {
    held.cores[core.discovery_key()] = &core;
    session.add_core(core);
  }
  ~Reader() { ::close(fd); }

  void run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "no progress within 30 s");
      Bytes out = session.take_output();
      pending.insert(pending.end(), out.begin(), out.end());
      pollfd p{fd, static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0};
      REQUIRE(::poll(&p, 1, 100) >= 0);
      if (p.revents & POLLOUT) {
        const ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
        REQUIRE(n > 0);
        pending.erase(pending.begin(), pending.begin() + n);
      }
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        std::uint8_t buf[65536];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        REQUIRE_MESSAGE(n > 0, "Node closed the connection; session: " << session.error_reason());
        auto st = session.feed(ByteView(buf, static_cast<std::size_t>(n)));
        REQUIRE_MESSAGE(st.ok(), "session failed: " << session.error_reason());
      }
    }
  }
};

// "append P0 P1 ..." for blocks [from, to) named prefix+index.
std::string append_line(const std::string& prefix, std::uint64_t from, std::uint64_t to) {
  std::string line = "append";
  for (std::uint64_t i = from; i < to; i++) line += " " + prefix + std::to_string(i);
  return line;
}

void check_blocks(core::Core& c, const std::string& prefix, std::uint64_t from, std::uint64_t to) {
  for (std::uint64_t i = from; i < to; i++) {
    const std::string want = prefix + std::to_string(i);
    CHECK(c.get(i).value() == Bytes(want.begin(), want.end()));
  }
}

}  // namespace

TEST_CASE("fork over TCP: a C++ reader follows a Node writer's truncate and append, live and after a reconnect") {
  TempDir dir;
  LiveProcess node("fork_peer.js", {(dir.path / "node").string(), "writer"});
  const auto hello = next_line(node);
  const int port = hello["port"].get<int>();
  node.write_line(append_line("a", 0, 40));
  REQUIRE(next_line(node)["length"] == 40);

  core::MemoryStorage storage;
  auto reader = std::move(core::Core::create_remote(storage, interop::hex32(hello["key"])).value());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> truncated;
  reader->events().on_truncate = [&](std::uint64_t n, std::uint64_t f) { truncated.emplace_back(n, f); };
  {
    Reader r(*reader, port);
    r.run_until([&] { return reader->contiguous_length() == 40; });
    check_blocks(*reader, "a", 0, 40);

    // Live: Node truncates to 30 and appends 5 others.
    node.write_line("truncate 30");
    REQUIRE(next_line(node)["fork"] == 1);
    node.write_line(append_line("b", 30, 35));
    const auto state = next_line(node);
    REQUIRE(state["length"] == 35);
    r.run_until([&] { return reader->fork() == 1 && reader->contiguous_length() == 35; });
    CHECK(encoding::to_hex(reader->tree_hash()) == state["treeHash"].get<std::string>());
    check_blocks(*reader, "a", 0, 30);
    check_blocks(*reader, "b", 30, 35);
  }
  REQUIRE(!truncated.empty());
  CHECK(truncated.front().first == 30);

  // Apart: Node cuts deep into the tree and grows past the old length, so
  // the reader must search Node's hash proofs for where the forks part.
  node.write_line("truncate 10");
  REQUIRE(next_line(node)["fork"] == 2);
  node.write_line(append_line("c", 10, 50));
  const auto state = next_line(node);
  REQUIRE(state["length"] == 50);
  truncated.clear();
  {
    Reader r(*reader, port);
    r.run_until([&] { return reader->fork() == 2 && reader->contiguous_length() == 50; });
  }
  CHECK(encoding::to_hex(reader->tree_hash()) == state["treeHash"].get<std::string>());
  REQUIRE(truncated.size() == 1);
  CHECK(truncated[0] == std::pair<std::uint64_t, std::uint64_t>{10, 2});
  check_blocks(*reader, "a", 0, 10);
  check_blocks(*reader, "c", 10, 50);
}
