// One TCP connection carrying one wire::ReplicationSession: the Asio half of
// the sans-IO session (what Node's net.Socket + NoiseSecretStream piping does
// in hypercore index.js replicate()).
//
// Reads go to session.feed(), as much as the socket holds up to 256 KiB at a
// time (a read is one storage group and one batch of answers: bigger reads
// mean fewer commits), through one buffer that all connections of the thread
// share (a connection waits for data, then reads it at once); after every feed, add_core and
// on_local_append whatever the session produced is written, one async_write
// at a time, the rest queued. The remote's requests are answered a slice at a
// time (ReplicationSession::take_output) while little waits to be written,
// so that answers go out as they are made. While more than
// Options::max_queued_bytes wait to be written, or more than
// Options::max_backlog requests wait for an answer, reading stops (a peer
// that asks faster than it reads gets back-pressure, not an unbounded queue). A keep-alive goes out after
// Options::keep_alive without a write (Node: setKeepAlive(5000)); a peer that
// has not completed the handshake within Options::handshake_timeout is
// dropped (one stalling mid-handshake holds nothing for long), and so is one
// that then sends nothing for Options::idle_timeout.
//
// Any failure (a protocol error from feed, a socket error, EOF, the deadline)
// closes the connection with a reason, logged at info on the "net" logger,
// and the closed handler is told once, posted (never from inside a call of
// the owner's). close() destroys the session at once, so Cores sees every
// channel_closed before close() returns.
//
// Threads: the io thread only. Lifetime: owned by shared_ptr; handlers hold
// it alive, start() begins the work. The Cores must outlive the connection or
// its close(), whichever comes first.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio.hpp>

#include "core/core.hpp"
#include "crypto/sign.hpp"
#include "encoding/bytes.hpp"
#include "wire/replication_session.hpp"

namespace hc::net {

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  struct Options {
    // Send a keep-alive after this long without writing (Node: 5 s).
    std::chrono::milliseconds keep_alive{5000};
    // Close unless the Noise handshake completed within this long.
    std::chrono::milliseconds handshake_timeout{10000};
    // Once established, close after this long without a byte from the peer
    // (checked at each keep-alive tick). Live peers write keep-alives every
    // 5 s (we do, Node's hypercore does): this finds the ones that vanished
    // without a FIN, whose TCP connection would otherwise linger for many
    // minutes, holding their cores.
    std::chrono::milliseconds idle_timeout{30000};
    // Stop reading while this many bytes wait to be written.
    std::size_t max_queued_bytes = 4 << 20;
    // Stop reading while this many requests of the remote wait for an answer.
    std::size_t max_backlog = 4096;
  };

  // For `corectl peers`.
  struct Stats {
    std::string remote_address;  // HOST:PORT
    bool initiator = false;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::chrono::system_clock::time_point connected_since;
    std::optional<Hash32> remote_public_key;  // once established
    std::vector<Hash32> shared_cores;          // keys of cores with an open channel
  };

  using EstablishedHandler = std::function<void(TcpConnection&)>;
  using ClosedHandler = std::function<void(TcpConnection&, const std::string& reason)>;

  // `socket` is connected. `initiator` is the side that dialed.
  static std::shared_ptr<TcpConnection> create(asio::ip::tcp::socket socket, bool initiator,
                                               const crypto::KeyPair& key_pair,
                                               wire::ReplicationSession::Cores& cores,
                                               Options options);
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Starts reading, writing (the initiator's first handshake message) and the
  // timers. The handlers are called on the io thread; `on_closed` once.
  void start(EstablishedHandler on_established, ClosedHandler on_closed);

  // Both no-ops once closed.
  void add_core(core::Core& core);
  void on_local_append(const core::Core& core);

  // Idempotent: cancels everything, destroys the session, posts on_closed.
  void close(const std::string& reason);

  bool established() const { return established_; }
  bool closed() const { return closed_; }
  const std::string& remote_address() const { return stats_.remote_address; }
  Stats stats() const;

 private:
  struct Private {};

 public:
  TcpConnection(Private, asio::ip::tcp::socket socket, bool initiator,
                const crypto::KeyPair& key_pair, wire::ReplicationSession::Cores& cores,
                Options options);

 private:
  void read_next();
  void on_readable(const asio::error_code& ec);
  void on_read(const asio::error_code& ec, ByteView bytes);
  // Queues what the session produced and writes it; resumes or pauses reads.
  void pump();
  // Less than one slice of answers is left to write: room for more answers,
  // and for pushes of new heads.
  bool has_room() const { return queued_bytes_ < wire::ReplicationSession::kServeBytes; }
  void write_next();
  void on_written(const asio::error_code& ec, std::size_t n);
  void arm_keep_alive();
  void on_keep_alive_timer();

  asio::ip::tcp::socket socket_;
  asio::steady_timer keep_alive_timer_;
  asio::steady_timer handshake_timer_;
  Options options_;
  std::unique_ptr<wire::ReplicationSession> session_;
  EstablishedHandler on_established_;
  ClosedHandler on_closed_;
  std::deque<Bytes> queue_;
  // The largest buffer written lately, given back to the session for its
  // next output. Both go when the connection has written nothing for a
  // keep-alive period, so an idle connection does not keep a burst's memory.
  Bytes spare_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool reading_ = false;
  bool established_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point last_write_;
  std::chrono::steady_clock::time_point last_read_;
  Stats stats_;
};

}  // namespace hc::net
