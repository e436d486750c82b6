#include "tcp_dialer.hpp"

#include <algorithm>
#include <utility>

#include "log.hpp"

namespace hc::net {

std::shared_ptr<TcpDialer> TcpDialer::create(asio::io_context& io, Endpoint target,
                                             Options options) {
  return std::make_shared<TcpDialer>(Private{}, io, std::move(target), options);
}

TcpDialer::TcpDialer(Private, asio::io_context& io, Endpoint target, Options options)
    : resolver_(io),
      socket_(io),
      timer_(io),
      deadline_(io),
      target_(std::move(target)),
      options_(options),
      backoff_(options.initial_backoff) {}

void TcpDialer::start(ConnectHandler on_connect) {
  on_connect_ = std::move(on_connect);
  dial();
}

void TcpDialer::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ignored;
  timer_.cancel();
  deadline_.cancel();
  resolver_.cancel();
  socket_.close(ignored);
}

void TcpDialer::connection_ended(std::chrono::steady_clock::duration lasted) {
  if (stopped_) return;
  if (lasted >= options_.stable_after) backoff_ = options_.initial_backoff;
  // A connection that ends at once counts as a failed attempt, so a peer that
  // accepts and drops us is not dialed in a tight loop.
  retry_later("connection ended");
}

void TcpDialer::dial() {
  if (stopped_) return;
  const unsigned attempt = ++attempt_;
  deadline_.expires_after(options_.connect_timeout);
  deadline_.async_wait([self = shared_from_this(), attempt](const asio::error_code& ec) {
    if (ec || self->stopped_ || attempt != self->attempt_) return;
    // The pending resolve or connect completes with operation_aborted.
    asio::error_code ignored;
    self->resolver_.cancel();
    self->socket_.close(ignored);
  });
  resolver_.async_resolve(
      target_.host, std::to_string(target_.port),
      [self = shared_from_this()](const asio::error_code& ec,
                                  asio::ip::tcp::resolver::results_type results) {
        self->on_resolved(ec, std::move(results));
      });
}

void TcpDialer::on_resolved(const asio::error_code& ec,
                            asio::ip::tcp::resolver::results_type results) {
  if (stopped_) return;
  if (ec == asio::error::operation_aborted) return retry_later("timed out resolving");
  if (ec) return retry_later("cannot resolve: " + ec.message());
  asio::async_connect(socket_, results,
                      [self = shared_from_this()](const asio::error_code& connect_ec,
                                                  const asio::ip::tcp::endpoint&) {
                        self->on_connected(connect_ec);
                      });
}

void TcpDialer::on_connected(const asio::error_code& ec) {
  if (stopped_) return;
  deadline_.cancel();
  if (ec == asio::error::operation_aborted) return retry_later("timed out connecting");
  if (ec) return retry_later(ec.message());
  failures_ = 0;
  auto socket = std::move(socket_);
  socket_ = asio::ip::tcp::socket(socket.get_executor());
  on_connect_(std::move(socket));
}

void TcpDialer::retry_later(const std::string& why) {
  if (stopped_) return;
  failures_++;
  const auto pause = backoff_;
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  logger()->info("peer {}: {}; dialing again in {} ms", to_string(target_), why, pause.count());
  asio::error_code ignored;
  socket_.close(ignored);
  timer_.expires_after(pause);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->dial();
  });
}

}  // namespace hc::net
