#include "rpc_connection.hpp"

#include <exception>
#include <utility>

#include "proto/jsonrpc.hpp"
#include "rpc_log.hpp"

namespace hc::daemon {

RpcConnection::RpcConnection(Socket socket, RpcHandlers& handlers, OnClosed on_closed)
    : socket_(std::move(socket)),
      handlers_(handlers),
      on_closed_(std::move(on_closed)),
      input_(proto::kMaxLineBytes + 1) {}  // a full line plus its '\n'

void RpcConnection::start() { read_next(); }

void RpcConnection::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  output_.clear();
  if (on_closed_) on_closed_(shared_from_this());
}

void RpcConnection::read_next() {
  if (closed_ || reading_ || close_after_write_) return;
  if (output_.size() >= kMaxQueuedResponses) return;  // resumed by on_written
  reading_ = true;
  asio::async_read_until(socket_, input_, '\n',
                         [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                           self->on_read(ec, n);
                         });
}

void RpcConnection::on_read(const asio::error_code& ec, std::size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec == asio::error::not_found) {
    // The buffer is full and holds no '\n': the line is over the limit.
    rpc_log().debug("client sent a line over {} bytes; closing", proto::kMaxLineBytes);
    send(proto::to_line(proto::make_error(nullptr, proto::Errc::request_too_large)));
    close_after_write_ = true;
    return;
  }
  if (ec) {
    // eof (a half-written last line is dropped), reset, or operation_aborted
    // when closing.
    if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
      rpc_log().debug("client read error: {}", ec.message());
    }
    close();
    return;
  }
  // No exception may leave a completion handler (style.md): the handlers
  // catch their own; anything else here (allocation) ends this connection only.
  try {
    std::string line(asio::buffers_begin(input_.data()),
                     asio::buffers_begin(input_.data()) + static_cast<std::ptrdiff_t>(n - 1));
    input_.consume(n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    handle_line(line);
  } catch (const std::exception& e) {
    rpc_log().warn("closing a client after an exception: {}", e.what());
    close();
    return;
  }
  read_next();
}

void RpcConnection::handle_line(std::string_view line) {
  if (line.empty()) return;  // blank lines between requests are harmless
  auto request = proto::parse_request(line);
  if (!request) {
    send(proto::to_line(proto::make_error(request.error().id, request.error().error)));
    return;
  }
  auto response = handlers_.handle(*request);  // never throws
  if (request->is_notification()) return;      // JSON-RPC: no reply to notifications
  send(proto::to_line(response));
}

void RpcConnection::send(std::string line) {
  if (closed_) return;
  output_.push_back(std::move(line));
  write_next();
}

void RpcConnection::write_next() {
  if (writing_ || output_.empty()) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(output_.front()),
                    [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                      self->on_written(ec);
                    });
}

void RpcConnection::on_written(const asio::error_code& ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    if (ec != asio::error::operation_aborted) {
      rpc_log().debug("client write error: {}", ec.message());
    }
    close();
    return;
  }
  output_.pop_front();
  if (output_.empty() && close_after_write_) {
    close();
    return;
  }
  write_next();
  read_next();
}

}  // namespace hc::daemon
