// Keeps one outgoing TCP connection to HOST:PORT (`hypercored --peer`): it
// resolves and connects, hands the socket to its owner (who runs the
// initiator side of a replication session on it), and when the owner says the
// connection ended, connects again after a pause that doubles from
// Options::initial_backoff up to Options::max_backoff with every attempt that
// fails, and starts over after a connection that lasted Options::stable_after.
// Replication resumes by itself: the new session starts fresh and each core
// says where it is.
//
// Threads: the io thread only. Lifetime: shared_ptr; start() begins, stop()
// cancels whatever is pending (idempotent); the io_context must outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <asio.hpp>

#include "endpoint.hpp"

namespace hc::net {

class TcpDialer : public std::enable_shared_from_this<TcpDialer> {
 public:
  struct Options {
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{30000};
    // A connection that lasted this long resets the backoff.
    std::chrono::milliseconds stable_after{10000};
    // An attempt that neither connects nor fails within this long fails.
    std::chrono::milliseconds connect_timeout{10000};
  };
  using ConnectHandler = std::function<void(asio::ip::tcp::socket)>;

  static std::shared_ptr<TcpDialer> create(asio::io_context& io, Endpoint target,
                                           Options options);
  TcpDialer(const TcpDialer&) = delete;
  TcpDialer& operator=(const TcpDialer&) = delete;

  // Dials now; `on_connect` gets each connected socket.
  void start(ConnectHandler on_connect);
  // The connection handed out last ended after `lasted`: dial again later.
  void connection_ended(std::chrono::steady_clock::duration lasted);
  void stop();

  const Endpoint& target() const { return target_; }
  // Failed attempts since the last connection (for status and tests).
  unsigned failures() const { return failures_; }

 private:
  struct Private {};

 public:
  TcpDialer(Private, asio::io_context& io, Endpoint target, Options options);

 private:
  void dial();
  void on_resolved(const asio::error_code& ec, asio::ip::tcp::resolver::results_type results);
  void on_connected(const asio::error_code& ec);
  void retry_later(const std::string& why);

  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;     // the backoff pause
  asio::steady_timer deadline_;  // connect_timeout of the attempt
  Endpoint target_;
  Options options_;
  ConnectHandler on_connect_;
  std::chrono::milliseconds backoff_;
  unsigned failures_ = 0;
  unsigned attempt_ = 0;  // tells a late handler from the current attempt
  bool stopped_ = false;
};

}  // namespace hc::net
