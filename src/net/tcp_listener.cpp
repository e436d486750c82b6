#include "tcp_listener.hpp"

#include <chrono>
#include <utility>

#include "log.hpp"

namespace hc::net {

Result<std::shared_ptr<TcpListener>> TcpListener::open(asio::io_context& io,
                                                       const Endpoint& where) {
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(where.host, std::to_string(where.port),
                                        asio::ip::resolver_base::passive, ec);
  if (ec) return ec;
  asio::error_code last = asio::error::host_not_found;
  for (const auto& entry : results) {
    asio::ip::tcp::acceptor acceptor(io);
    const auto endpoint = entry.endpoint();
    acceptor.open(endpoint.protocol(), last);
    if (last) continue;
    // A restarted daemon rebinds its port while old connections sit in TIME_WAIT.
    acceptor.set_option(asio::socket_base::reuse_address(true), last);
    if (last) continue;
    acceptor.bind(endpoint, last);
    if (last) continue;
    acceptor.listen(asio::socket_base::max_listen_connections, last);
    if (last) continue;
    return std::make_shared<TcpListener>(Private{}, io, std::move(acceptor));
  }
  return last;
}

TcpListener::TcpListener(Private, asio::io_context& io, asio::ip::tcp::acceptor acceptor)
    : acceptor_(std::move(acceptor)), retry_(io) {}

void TcpListener::start(AcceptHandler on_accept) {
  on_accept_ = std::move(on_accept);
  accept_next();
}

void TcpListener::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

Endpoint TcpListener::local_endpoint() const {
  asio::error_code ec;
  const auto local = acceptor_.local_endpoint(ec);
  if (ec) return {};
  return {local.address().to_string(), local.port()};
}

void TcpListener::accept_next() {
  if (stopped_) return;
  acceptor_.async_accept([self = shared_from_this()](const asio::error_code& ec,
                                                     asio::ip::tcp::socket socket) {
    if (self->stopped_) return;
    if (ec) {
      // Out of descriptors or the like: try again later rather than spin.
      logger()->warn("accepting a peer failed: {}; retrying in 1 s", ec.message());
      self->retry_.expires_after(std::chrono::seconds(1));
      self->retry_.async_wait([self](const asio::error_code& wait_ec) {
        if (!wait_ec) self->accept_next();
      });
      return;
    }
    self->on_accept_(std::move(socket));
    self->accept_next();
  });
}

}  // namespace hc::net
