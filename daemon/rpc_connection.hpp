// One client of the control socket: reads JSON-RPC requests, one per line,
// answers each in order through a write queue (one async_write at a time).
//
// Bad input never ends the daemon: malformed lines get a JSON-RPC error and
// the connection stays open; a line longer than proto::kMaxLineBytes gets
// request_too_large and the connection closes after it is written. Reading
// pauses while kMaxQueuedResponses answers wait to be written, so a client
// that does not read cannot make the daemon buffer without bound.
//
// Threads: the io thread only. Lifetime: owned by shared_ptr; every handler
// holds `self`; start() begins the reads. close() is idempotent and tells the
// owner through on_closed, which must not destroy the connection inline (the
// server posts the removal). The RpcHandlers must outlive the connection.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <asio.hpp>

#include "rpc_handlers.hpp"

namespace hc::daemon {

class RpcConnection : public std::enable_shared_from_this<RpcConnection> {
 public:
  using Socket = asio::local::stream_protocol::socket;
  using OnClosed = std::function<void(const std::shared_ptr<RpcConnection>&)>;

  static constexpr std::size_t kMaxQueuedResponses = 64;

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

  Socket socket_;
  RpcHandlers& handlers_;
  OnClosed on_closed_;
  asio::streambuf input_;
  std::deque<std::string> output_;
  bool reading_ = false;
  bool writing_ = false;
  bool close_after_write_ = false;  // a fatal error is queued; close once written
  bool closed_ = false;
};

}  // namespace hc::daemon
