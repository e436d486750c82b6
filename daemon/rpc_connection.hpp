// One client of the control socket: reads JSON-RPC requests, one per line,
// answers each in order through a write queue (one async_write at a time).
//
// Bad input never ends the daemon: malformed lines get a JSON-RPC error and
// the connection stays open; a line longer than proto::kMaxLineBytes gets
// request_too_large and the connection closes after it is written. Reading
// pauses while kMaxQueuedResponses answers, or kMaxQueuedResponseBytes bytes,
// wait to be written, so a client that does not read cannot make the daemon
// buffer without bound (at most one answer, itself under the line limit, past
// the byte bound).
//
// Follow subscriptions (subscription.hpp) live here, as they share the write
// queue: core.follow answers {subscription} first, then core.block
// notifications are queued only while has_room() (fewer than
// kMaxQueuedNotifications lines and kMaxQueuedBytes bytes waiting), so a
// client that stops reading makes the daemon stop reading blocks, not buffer
// them; requests are still read and answered meanwhile. The queue draining
// (on_written) and the core growing (a CoreRegistry append listener holding a
// weak_ptr to this connection) resume them. close() drops every subscription
// and its listener.
//
// Threads: the io thread only. Lifetime: owned by shared_ptr; every handler
// holds `self`; start() begins the reads. close() is idempotent and tells the
// owner through on_closed, which must not destroy the connection inline (the
// server posts the removal). The RpcHandlers (and its CoreRegistry) must
// outlive every connection that is not closed; a closed one touches neither.
#pragma once

#include <cstddef>
#include <deque>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <asio.hpp>

#include "rpc_handlers.hpp"
#include "subscription.hpp"

namespace hc::daemon {

class RpcConnection : public std::enable_shared_from_this<RpcConnection> {
 public:
  using Socket = asio::local::stream_protocol::socket;
  using OnClosed = std::function<void(const std::shared_ptr<RpcConnection>&)>;

  static constexpr std::size_t kMaxQueuedResponses = 64;
  // Above kMaxQueuedBytes, so that queued notifications alone never stop the
  // reading of requests either.
  static constexpr std::size_t kMaxQueuedResponseBytes = 4 * 1024 * 1024;
  // Below kMaxQueuedResponses, so a follower's notifications never stop the
  // reading of its requests (core.unfollow still gets through).
  static constexpr std::size_t kMaxQueuedNotifications = 32;
  static constexpr std::size_t kMaxQueuedBytes = 1024 * 1024;

  RpcConnection(Socket socket, RpcHandlers& handlers, OnClosed on_closed);
  RpcConnection(const RpcConnection&) = delete;
  RpcConnection& operator=(const RpcConnection&) = delete;

  void start();
  void close();

 private:
  void read_next();
  void on_read(const asio::error_code& ec, std::size_t n);
  void handle_line(std::string_view line);
  void send(std::string line);
  void write_next();
  void on_written(const asio::error_code& ec);

  void follow(const proto::Request& request);
  void unfollow(const proto::Request& request);
  void answer(const proto::Request& request, proto::Outcome<nlohmann::json> outcome);
  // Room in the write queue for one more notification.
  bool has_room() const;
  // Queues notifications of every subscription, in turns, while has_room().
  void pump();
  void drop_subscriptions();

  Socket socket_;
  RpcHandlers& handlers_;
  OnClosed on_closed_;
  asio::streambuf input_;
  std::deque<std::string> output_;
  std::size_t queued_bytes_ = 0;
  std::map<std::uint64_t, Subscription> subscriptions_;
  std::uint64_t next_subscription_ = 1;
  bool pumping_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool close_after_write_ = false;  // a fatal error is queued; close once written
  bool closed_ = false;
};

}  // namespace hc::daemon
