// TcpListener, TcpDialer and TcpConnection over loopback: the handshake,
// replication of a core, keep-alives, the handshake deadline, the idle
// timeout, bad input, EOF, and redialing with backoff. Each test runs its own
// io_context until a condition holds (no sleeps) and ends every socket it
// opened.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "core/memory_storage.hpp"
#include "crypto/sign.hpp"
#include "net/tcp_connection.hpp"
#include "net/tcp_dialer.hpp"
#include "net/tcp_listener.hpp"

using namespace hc;
using namespace std::chrono_literals;

namespace {

// Runs `io` until `done()` or `limit` passed; returns done().
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(10ms);
  }
  return done();
}

// The cores one side holds, by discovery key.
struct TestCores : wire::ReplicationSession::Cores {
  std::map<Hash32, core::Core*> by_discovery_key;
  int opened = 0;
  core::Core* find_by_discovery_key(const Hash32& dk) override {
    auto it = by_discovery_key.find(dk);
    return it == by_discovery_key.end() ? nullptr : it->second;
  }
  wire::CoreChannel::Options options_for(const core::Core& c) override {
    wire::CoreChannel::Options o;
    o.download = !c.writable();
    return o;
  }
  void channel_opened(core::Core&) override { opened++; }
  void channel_closed(core::Core&) override { opened--; }
};

struct Closed {
  bool done = false;
  std::string reason;
};

net::TcpConnection::Options fast() {
  net::TcpConnection::Options o;
  o.keep_alive = 50ms;
  o.handshake_timeout = 300ms;
  return o;
}

const net::Endpoint kLoopback{"127.0.0.1", 0};

// A listener whose first accepted socket becomes a responder connection.
struct Server {
  std::shared_ptr<net::TcpListener> listener;
  std::shared_ptr<net::TcpConnection> connection;
  Closed closed;
  bool established = false;
  crypto::KeyPair key_pair;
  Server(asio::io_context& io, TestCores& cores, const crypto::KeyPair& kp,
         net::TcpConnection::Options options = fast())
      : key_pair(kp) {
    listener = std::move(net::TcpListener::open(io, kLoopback).value());
    listener->start([this, &cores, options](asio::ip::tcp::socket s) {
      const auto& kp = key_pair;
      connection = net::TcpConnection::create(std::move(s), false, kp, cores, options);
      connection->start([this](net::TcpConnection&) { established = true; },
                        [this](net::TcpConnection&, const std::string& why) {
                          closed = {true, why};
                        });
    });
  }
  std::uint16_t port() const { return listener->local_endpoint().port; }
  ~Server() {
    listener->stop();
    if (connection) connection->close("test over");
  }
};

}  // namespace

TEST_CASE("tcp: a dialed and an accepted connection handshake, then a core replicates live") {
  asio::io_context io(1);
  core::MemoryStorage writer_storage, reader_storage;
  core::Core::CreateOptions options;
  options.key_pair = crypto::key_pair_from_seed(Hash32{7});
  auto writer = std::move(core::Core::create(writer_storage, options).value());
  for (int i = 0; i < 50; i++) REQUIRE(writer->append(as_bytes("block " + std::to_string(i))));
  auto reader = std::move(core::Core::create_remote(reader_storage, writer->key()).value());

  TestCores writer_cores, reader_cores;
  writer_cores.by_discovery_key[writer->discovery_key()] = writer.get();
  const auto server_kp = crypto::key_pair_from_seed(Hash32{1});
  const auto client_kp = crypto::key_pair_from_seed(Hash32{2});
  Server server(io, writer_cores, server_kp);

  auto dialer = net::TcpDialer::create(io, {"127.0.0.1", server.port()}, {});
  std::shared_ptr<net::TcpConnection> client;
  Closed client_closed;
  dialer->start([&](asio::ip::tcp::socket s) {
    client = net::TcpConnection::create(std::move(s), true, client_kp, reader_cores, fast());
    client->start([&](net::TcpConnection& c) { c.add_core(*reader); },
                  [&](net::TcpConnection&, const std::string& why) {
                    client_closed = {true, why};
                  });
  });
  REQUIRE(run_until(io, [&] { return client && client->established() && server.established; }));
  CHECK(client->stats().remote_public_key == server_kp.public_key);
  CHECK(server.connection->stats().remote_public_key == client_kp.public_key);
  CHECK(client->stats().initiator);
  CHECK_FALSE(server.connection->stats().initiator);
  CHECK(client->remote_address() == "127.0.0.1:" + std::to_string(server.port()));

  // The writer answers the reader's channel through Cores (passively).
  REQUIRE(run_until(io, [&] { return reader->contiguous_length() == 50; }));
  CHECK(reader_cores.opened == 1);
  CHECK(writer_cores.opened == 1);
  CHECK(client->stats().shared_cores == std::vector<Hash32>{writer->key()});
  REQUIRE(writer->append(as_bytes("live")));
  server.connection->on_local_append(*writer);
  REQUIRE(run_until(io, [&] { return reader->contiguous_length() == 51; }));
  CHECK(as_chars(*reader->get(50)) == "live");

  // Idle, both sides keep writing keep-alives.
  const auto out_before = client->stats().bytes_out;
  const auto server_out_before = server.connection->stats().bytes_out;
  REQUIRE(run_until(io, [&] {
    return client->stats().bytes_out >= out_before + 40 &&
           server.connection->stats().bytes_out >= server_out_before + 40;
  }));
  CHECK_FALSE(client_closed.done);
  CHECK(client->stats().bytes_in == server.connection->stats().bytes_out);

  // Closing one side: the other sees EOF; channels close on both.
  client->close("test closes");
  dialer->stop();
  REQUIRE(run_until(io, [&] { return server.closed.done && client_closed.done; }));
  CHECK(client_closed.reason == "test closes");
  CHECK(server.closed.reason == "the peer ended the connection");
  CHECK(reader_cores.opened == 0);
  CHECK(writer_cores.opened == 0);
}

TEST_CASE("tcp: a peer that stalls mid-handshake is dropped at the deadline") {
  asio::io_context io(1);
  TestCores cores;
  Server server(io, cores, crypto::key_pair_from_seed(Hash32{1}));
  asio::ip::tcp::socket raw(io);
  raw.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(run_until(io, [&] { return server.closed.done; }));
  CHECK(server.closed.reason == "no handshake within 300 ms");
  CHECK(std::chrono::steady_clock::now() - start >= 250ms);
}

TEST_CASE("tcp: once established, a peer silent past the idle timeout is dropped, keep-alives keep it") {
  // The client has no cores: after the handshake it writes keep-alives only,
  // or, with them off, nothing at all.
  for (const bool silent : {true, false}) {
    CAPTURE(silent);
    asio::io_context io(1);
    TestCores server_cores, client_cores;
    auto options = fast();
    options.idle_timeout = 300ms;
    Server server(io, server_cores, crypto::key_pair_from_seed(Hash32{1}), options);
    auto client_options = options;
    if (silent) client_options.keep_alive = 3600s;
    auto dialer = net::TcpDialer::create(io, {"127.0.0.1", server.port()}, {});
    std::shared_ptr<net::TcpConnection> client;
    Closed client_closed;
    dialer->start([&](asio::ip::tcp::socket sock) {
      client = net::TcpConnection::create(std::move(sock), true,
                                          crypto::key_pair_from_seed(Hash32{2}), client_cores,
                                          client_options);
      client->start(nullptr, [&](net::TcpConnection&, const std::string& why) {
        client_closed = {true, why};
      });
    });
    REQUIRE(run_until(io, [&] { return server.established; }));
    const auto start = std::chrono::steady_clock::now();
    if (silent) {
      REQUIRE(run_until(io, [&] { return server.closed.done; }));
      CHECK(server.closed.reason == "nothing from the peer for 300 ms");
      CHECK(std::chrono::steady_clock::now() - start >= 250ms);
    } else {
      // Three idle timeouts with nothing but keep-alives (every 50 ms).
      run_until(io, [] { return false; }, 900ms);
      CHECK_FALSE(server.closed.done);
      CHECK_FALSE(client_closed.done);
      client->close("test over");
    }
    dialer->stop();
    REQUIRE(run_until(io, [&] { return server.closed.done && client_closed.done; }));
  }
}

TEST_CASE("tcp: garbage instead of a handshake closes the connection with a reason") {
  asio::io_context io(1);
  TestCores cores;
  Server server(io, cores, crypto::key_pair_from_seed(Hash32{1}));
  asio::ip::tcp::socket raw(io);
  raw.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  // A frame of 100 bytes that is no Noise message.
  std::vector<std::uint8_t> junk(103, 0xAB);
  junk[0] = 100;
  junk[1] = 0;
  junk[2] = 0;
  asio::write(raw, asio::buffer(junk));
  REQUIRE(run_until(io, [&] { return server.closed.done; }));
  CHECK(server.closed.reason.find("handshake") != std::string::npos);
  // And the socket is closed: the raw client reads EOF.
  std::array<char, 256> buf{};
  asio::error_code ec;
  while (!ec) raw.read_some(asio::buffer(buf), ec);
  CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
}

TEST_CASE("tcp: the dialer redials with backoff until a listener appears, then after it goes") {
  asio::io_context io(1);
  TestCores cores;
  const auto kp = crypto::key_pair_from_seed(Hash32{1});
  // A port nobody listens on: bound once to learn a free one, then released.
  std::uint16_t port = 0;
  {
    auto probe = std::move(net::TcpListener::open(io, kLoopback).value());
    port = probe->local_endpoint().port;
    probe->stop();
  }
  net::TcpDialer::Options options;
  options.initial_backoff = 20ms;
  options.max_backoff = 80ms;
  options.stable_after = 1h;
  auto dialer = net::TcpDialer::create(io, {"127.0.0.1", port}, options);
  std::shared_ptr<net::TcpConnection> client;
  int connects = 0;
  auto started = std::chrono::steady_clock::now();
  dialer->start([&](asio::ip::tcp::socket s) {
    connects++;
    client = net::TcpConnection::create(std::move(s), true, kp, cores, fast());
    client->start({}, [&](net::TcpConnection&, const std::string&) {
      dialer->connection_ended(std::chrono::steady_clock::now() - started);
    });
  });
  REQUIRE(run_until(io, [&] { return dialer->failures() >= 3; }));
  CHECK(connects == 0);

  auto listener = std::move(net::TcpListener::open(io, {"127.0.0.1", port}).value());
  std::vector<std::shared_ptr<net::TcpConnection>> accepted;
  listener->start([&](asio::ip::tcp::socket s) {
    accepted.push_back(net::TcpConnection::create(std::move(s), false, kp, cores, fast()));
    accepted.back()->start({}, {});
  });
  REQUIRE(run_until(io, [&] { return client && client->established(); }));
  CHECK(connects == 1);
  CHECK(dialer->failures() == 0);

  // The listener goes away with its connection: the dialer fails, then comes
  // back once a listener is there again.
  listener->stop();
  for (auto& c : accepted) c->close("listener stopped");
  REQUIRE(run_until(io, [&] { return client->closed() && dialer->failures() >= 2; }));
  listener = std::move(net::TcpListener::open(io, {"127.0.0.1", port}).value());
  listener->start([&](asio::ip::tcp::socket s) {
    accepted.push_back(net::TcpConnection::create(std::move(s), false, kp, cores, fast()));
    accepted.back()->start({}, {});
  });
  REQUIRE(run_until(io, [&] { return connects == 2 && client->established(); }));
  dialer->stop();
  listener->stop();
  client->close("test over");
  for (auto& c : accepted) c->close("test over");
  run_until(io, [] { return false; }, 50ms);
}

TEST_CASE("tcp: a writer that stops reading while requests wait still answers them all") {
  // The writer pauses reading past max_backlog queued requests and past
  // max_queued_bytes unwritten, and resumes as it answers and writes.
  asio::io_context io(1);
  core::MemoryStorage writer_storage, reader_storage;
  core::Core::CreateOptions options;
  options.key_pair = crypto::key_pair_from_seed(Hash32{8});
  auto writer = std::move(core::Core::create(writer_storage, options).value());
  for (int i = 0; i < 100; i++) REQUIRE(writer->append(Bytes(64 * 1024, std::uint8_t(i))));
  auto reader = std::move(core::Core::create_remote(reader_storage, writer->key()).value());

  TestCores writer_cores, reader_cores;
  writer_cores.by_discovery_key[writer->discovery_key()] = writer.get();
  net::TcpConnection::Options tight = fast();
  tight.max_backlog = 2;
  tight.max_queued_bytes = 64 * 1024;
  Server server(io, writer_cores, crypto::key_pair_from_seed(Hash32{1}), tight);
  auto dialer = net::TcpDialer::create(io, {"127.0.0.1", server.port()}, {});
  std::shared_ptr<net::TcpConnection> client;
  dialer->start([&](asio::ip::tcp::socket s) {
    client = net::TcpConnection::create(std::move(s), true, crypto::key_pair_from_seed(Hash32{2}),
                                        reader_cores, fast());
    client->start([&](net::TcpConnection& c) { c.add_core(*reader); },
                  [](net::TcpConnection&, const std::string&) {});
  });
  REQUIRE(run_until(io, [&] { return reader->contiguous_length() == 100; }, 20000ms));
  CHECK(reader->get(99).value() == Bytes(64 * 1024, 99));
  CHECK_FALSE(server.closed.done);
  client->close("test over");
  dialer->stop();
  REQUIRE(run_until(io, [&] { return server.closed.done; }));
}
