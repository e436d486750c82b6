// Two PeerManagers in one process over loopback TCP, each with its own
// registry: a written core reaches the other daemon (passively answered),
// live appends follow, a core written after the connection started
// replicates too, pins hold while connected, and stop() closes everything.
#include "peer_manager.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>

#include "core/memory_storage.hpp"
#include "primary_key.hpp"

using namespace std::chrono_literals;
using hc::daemon::CoreRegistry;
using hc::daemon::PeerManager;

namespace {

bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(10ms);
  }
  return done();
}

hc::Bytes bytes(std::string_view s) { return hc::Bytes(s.begin(), s.end()); }

struct Daemon {
  hc::core::MemoryStorage storage;
  hc::Hash32 primary;
  CoreRegistry registry;
  PeerManager peers;
  Daemon(asio::io_context& io, std::uint8_t seed, PeerManager::Options options)
      : primary(hc::Hash32{seed}),
        registry(storage, primary),
        peers(io, registry, hc::daemon::peer_key_pair(primary), std::move(options)) {
    REQUIRE(peers.start());
  }
  // A core of the other daemon, known here by key only (as `follow` makes it).
  hc::core::Core* follow(const hc::Hash32& key) {
    REQUIRE(hc::core::Core::create_remote(storage, key));
    auto found = registry.find(key);
    REQUIRE(found);
    peers.replicate(**found);
    return *found;
  }
};

}  // namespace

TEST_CASE("peer manager: a dialer and a listener replicate written cores, live, both ways") {
  asio::io_context io(1);
  PeerManager::Options listen;
  listen.listen = hc::net::Endpoint{"127.0.0.1", 0};
  Daemon a(io, 1, listen);
  auto chat = a.registry.create_named("chat");
  REQUIRE(chat);
  REQUIRE((*chat)->append(hc::ByteView(bytes("hello"))));

  // B dials A at runtime (corectl connect); a second connect is a no-op.
  Daemon b(io, 2, {});
  CHECK(b.peers.connect(*a.peers.listening()));
  CHECK_FALSE(b.peers.connect(*a.peers.listening()));
  REQUIRE(run_until(io, [&] {
    return a.peers.peers().size() == 1 && b.peers.peers().size() == 1 &&
           b.peers.peers()[0].remote_public_key.has_value();
  }));
  CHECK(*b.peers.peers()[0].remote_public_key == hc::daemon::peer_key_pair(a.primary).public_key);

  // B follows A's core: it gets the block, then a live one.
  auto* copy = b.follow((*chat)->key());
  REQUIRE(run_until(io, [&] { return copy->contiguous_length() == 1; }));
  CHECK(hc::as_chars(*copy->get(0)) == "hello");
  REQUIRE((*chat)->append(hc::ByteView(bytes("live"))));
  REQUIRE(run_until(io, [&] { return copy->contiguous_length() == 2; }));
  CHECK(hc::as_chars(*copy->get(1)) == "live");
  CHECK(a.peers.peers()[0].shared_cores == std::vector<hc::Hash32>{(*chat)->key()});
  CHECK(b.registry.pinned(*copy));

  // A core B writes after the connection started reaches A once A follows it.
  auto notes = b.registry.create_named("notes");
  REQUIRE(notes);
  REQUIRE((*notes)->append(hc::ByteView(bytes("from b"))));
  auto* notes_at_a = a.follow((*notes)->key());
  REQUIRE(run_until(io, [&] { return notes_at_a->contiguous_length() == 1; }));
  CHECK(hc::as_chars(*notes_at_a->get(0)) == "from b");

  // Stopping closes the connections; pins go with them.
  a.peers.stop();
  b.peers.stop();
  CHECK_FALSE(b.peers.connect(*a.peers.listening()));
  REQUIRE(run_until(io, [&] { return a.peers.peers().empty() && b.peers.peers().empty(); }));
  run_until(io, [] { return false; }, 50ms);  // the closed handlers
  CHECK_FALSE(b.registry.pinned(*copy));
  CHECK_FALSE(a.registry.pinned(**chat));
}

TEST_CASE("peer manager: a listen address in use is an error at start") {
  asio::io_context io(1);
  PeerManager::Options listen;
  listen.listen = hc::net::Endpoint{"127.0.0.1", 0};
  Daemon a(io, 1, listen);
  hc::core::MemoryStorage storage;
  CoreRegistry registry(storage, hc::Hash32{});
  PeerManager::Options same;
  same.listen = a.peers.listening();
  PeerManager second(io, registry, hc::daemon::peer_key_pair(hc::Hash32{}), same);
  auto started = second.start();
  REQUIRE_FALSE(started);
  CHECK(started.error() == asio::error::address_in_use);
  a.peers.stop();
  run_until(io, [] { return false; }, 20ms);
}
