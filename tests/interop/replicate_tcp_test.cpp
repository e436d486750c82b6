// Replication with the real Node hypercore 11.37.1 over TCP on 127.0.0.1,
// both directions: a C++ ReplicationSession (src/wire) against Node's
// core.replicate() stream (replicate_peer.js). Node verifies every block and
// signature it takes from us; we verify everything we take from Node
// (Core::verify). Block contents follow one formula on both sides (block()).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "core/memory_storage.hpp"
#include "crypto/hash.hpp"
#include "encoding/key_id.hpp"
#include "live_process.hpp"
#include "node_runner.hpp"
#include "wire/replication_session.hpp"

using namespace hc;
using hc::interop::LiveProcess;

namespace {

Bytes block(std::uint64_t i) {
  const std::uint64_t size = i % 7 == 0 ? 0 : (i * 7919) % (i % 5 == 0 ? 70000 : 300);
  Bytes b(size);
  for (std::uint64_t k = 0; k < size; k++) b[k] = static_cast<std::uint8_t>((k * 13 + i) & 255);
  return b;
}

std::string digest(core::Core& c, std::uint64_t n) {
  Bytes all;
  for (std::uint64_t i = 0; i < n; i++) {
    Bytes b = c.get(i).value();
    const auto len = static_cast<std::uint32_t>(b.size());
    for (int k = 0; k < 4; k++) all.push_back(static_cast<std::uint8_t>(len >> (8 * k)));
    all.insert(all.end(), b.begin(), b.end());
  }
  return encoding::to_hex(crypto::hash({ByteView(all)}));
}

struct Held : wire::ReplicationSession::Cores {
  std::map<Hash32, core::Core*> cores;
  core::Core* find_by_discovery_key(const Hash32& dk) override {
    auto it = cores.find(dk);
    return it == cores.end() ? nullptr : it->second;
  }
  wire::CoreChannel::Options options_for(const core::Core& c) override {
    return {!c.writable(), 64};
  }
};

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/hc-replicate-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// One TCP connection carrying a session, and the Node process beside it:
// moves bytes both ways and collects Node's lines until `done` or 30 s.
struct Link {
  int fd = -1;
  wire::ReplicationSession& session;
  LiveProcess& node;
  Bytes pending;
  Link(int socket_fd, wire::ReplicationSession& s, LiveProcess& n) : fd(socket_fd), session(s), node(n) {}
  ~Link() {
    if (fd >= 0) ::close(fd);
  }

  void run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "no progress within 30 s");
      Bytes out = session.take_output();
      pending.insert(pending.end(), out.begin(), out.end());
      pollfd p[2] = {{fd, static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0},
                     {node.stdout_fd(), POLLIN, 0}};
      REQUIRE(::poll(p, 2, 100) >= 0);
      if (p[0].revents & POLLOUT) {
        const ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
        REQUIRE(n > 0);
        pending.erase(pending.begin(), pending.begin() + n);
      }
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        std::uint8_t buf[65536];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        REQUIRE_MESSAGE(n > 0, "Node closed the connection; session: " << session.error_reason());
        auto st = session.feed(ByteView(buf, static_cast<std::size_t>(n)));
        REQUIRE_MESSAGE(st.ok(), "session failed: " << session.error_reason());
      }
      if (p[1].revents) node.read_available();
    }
  }
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

}  // namespace

TEST_CASE("replicate over TCP: a Node writer's blocks reach a C++ reader, then live appends") {
  TempDir dir;
  const std::uint64_t n = 600;
  LiveProcess node("replicate_peer.js", {(dir.path / "node").string(), "writer", std::to_string(n)});
  std::optional<nlohmann::json> hello;
  for (int i = 0; i < 600 && !hello; i++) {
    pollfd p{node.stdout_fd(), POLLIN, 0};
    ::poll(&p, 1, 50);
    node.read_available();
    hello = node.next_line();
  }
  REQUIRE(hello);
  const Hash32 key = interop::hex32((*hello)["key"]);

  core::MemoryStorage storage;
  auto reader = std::move(core::Core::create_remote(storage, key).value());
  Held held;
  held.cores[reader->discovery_key()] = reader.get();
  const int port = (*hello)["port"].get<int>();
  {
    wire::ReplicationSession session(true, crypto::random_key_pair(), held);
    session.add_core(*reader);
    Link link(connect_to(port), session, node);

    link.run_until([&] { return reader->contiguous_length() == n; });
    CHECK(reader->length() == n);
    for (std::uint64_t i : {0u, 1u, 5u, 10u, 599u}) CHECK(reader->get(i).value() == block(i));

    // Node appends while we stay connected: they arrive, verified.
    node.write_line("append 7");
    link.run_until([&] { return reader->contiguous_length() == n + 7; });
    for (std::uint64_t i = n; i < n + 7; i++) CHECK(reader->get(i).value() == block(i));

    // Node pushes its next blocks (our reader allows pushes): they arrive,
    // verified, whether taken from the push or asked for.
    node.write_line("push 3");
    link.run_until([&] { return reader->contiguous_length() == n + 10; });
    for (std::uint64_t i = n + 7; i < n + 10; i++) CHECK(reader->get(i).value() == block(i));
  }

  // A new connection, to a writer that appended meanwhile. Told that we
  // allow pushes, Node proves our first upgrade from how far it pushed on
  // this connection (0), not from our length; asked again, it answers.
  node.write_line("append 5");
  wire::ReplicationSession session(true, crypto::random_key_pair(), held);
  session.add_core(*reader);
  Link link(connect_to(port), session, node);
  link.run_until([&] { return reader->contiguous_length() == n + 15; });
  CHECK(reader->length() == n + 15);
  for (std::uint64_t i = n + 10; i < n + 15; i++) CHECK(reader->get(i).value() == block(i));
}

TEST_CASE("replicate over TCP: a C++ writer's blocks reach a Node reader, which verifies them, then live appends") {
  // A Node reader as by default, and one that allows pushes (ours then
  // pushes each live block to it).
  bool allow_push = false;
  SUBCASE("Node as by default") {}
  SUBCASE("Node allowing pushes") { allow_push = true; }
  TempDir dir;
  const std::uint64_t n = 400;
  core::MemoryStorage storage;
  core::Core::CreateOptions options;
  options.key_pair = crypto::random_key_pair();
  auto writer = std::move(core::Core::create(storage, options).value());
  for (std::uint64_t i = 0; i < n; i++) REQUIRE(writer->append(ByteView(block(i))));

  // Listen on an ephemeral port; Node connects.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const int port = ntohs(addr.sin_port);

  LiveProcess node("replicate_peer.js", {(dir.path / "node").string(), "reader",
                                         encoding::to_hex(writer->key()), std::to_string(port),
                                         std::to_string(n), allow_push ? "push" : "no-push"});
  pollfd p{listener, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 20000) == 1);
  const int fd = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  REQUIRE(fd >= 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  Held held;
  held.cores[writer->discovery_key()] = writer.get();
  wire::ReplicationSession session(false, crypto::random_key_pair(), held);
  session.add_core(*writer);
  Link link(fd, session, node);

  std::optional<nlohmann::json> got;
  link.run_until([&] { return (got = node.next_line()).has_value(); });
  CHECK((*got)["length"] == n);
  CHECK((*got)["digest"] == digest(*writer, n));

  for (std::uint64_t i = n; i < n + 3; i++) {
    REQUIRE(writer->append(ByteView(block(i))));
    session.on_local_append(*writer);
  }
  std::optional<nlohmann::json> appended;
  link.run_until([&] {
    while (auto line = node.next_line()) {
      if (line->contains("appended")) appended = *line;
    }
    return appended && (*appended)["length"] == n + 3;
  });
  CHECK((*appended)["digest"] == digest(*writer, n + 3));
}
