// Accepts TCP connections on HOST:PORT (`hypercored --listen`) and hands each
// connected socket to its owner, who runs the responder side of a replication
// session on it (as Node's net.createServer + core.replicate(false, socket)).
//
// Threads: the io thread only. Lifetime: open() binds at once (so a port in
// use is a start-up error); start() accepts until stop(), which closes the
// acceptor; the io_context must outlive it. Accept errors such as EMFILE are
// logged and retried after a pause, as RpcServer does.
#pragma once

#include <functional>
#include <memory>

#include <asio.hpp>

#include "encoding/result.hpp"
#include "endpoint.hpp"

namespace hc::net {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  using AcceptHandler = std::function<void(asio::ip::tcp::socket)>;

  // Resolves `where` (numeric addresses need no lookup) and binds the first
  // address that works. Port 0 picks a free port: see local_endpoint().
  static Result<std::shared_ptr<TcpListener>> open(asio::io_context& io, const Endpoint& where);
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  void start(AcceptHandler on_accept);
  // Idempotent.
  void stop();
  // Where it listens, e.g. 127.0.0.1:41234.
  Endpoint local_endpoint() const;

 private:
  struct Private {};

 public:
  TcpListener(Private, asio::io_context& io, asio::ip::tcp::acceptor acceptor);

 private:
  void accept_next();

  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  AcceptHandler on_accept_;
  bool stopped_ = false;
};

}  // namespace hc::net
