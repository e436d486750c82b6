// The control socket: a Unix stream socket acceptor (mode 0600, or 0660 in
// the group of --socket-group) and the registry of its connections, so that
// stop() can close them all (as asio's http server example: server +
// connection_manager).
//
// Threads: the io thread only. Lifetime: listen() makes it; stop() closes the
// acceptor and every connection and removes the socket file, after which the
// io_context's run() returns once the last handlers ran. The io_context and
// RpcHandlers must outlive the server; destroy it only after run() returned.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include <asio.hpp>

#include "encoding/result.hpp"
#include "rpc_connection.hpp"
#include "rpc_handlers.hpp"

namespace hc::daemon {

class RpcServer {
 public:
  // Binds `socket_path`, first removing a socket file left there by an earlier
  // run. address_in_use if a live server answers on it (a daemon on another
  // data directory) or a file that is not a socket is in the way. With a
  // `group`, the socket file is given to that group and made 0660 before any
  // client can connect; the daemon must be allowed to chown to it (be a member).
  static Result<std::unique_ptr<RpcServer>> listen(asio::io_context& io,
                                                   const std::filesystem::path& socket_path,
                                                   RpcHandlers& handlers,
                                                   std::optional<gid_t> group = std::nullopt);
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;
  ~RpcServer();

  // Stops accepting and closes every connection. Idempotent.
  void stop();

 private:
  using Acceptor = asio::local::stream_protocol::acceptor;
  RpcServer(asio::io_context& io, Acceptor acceptor, std::filesystem::path path,
            RpcHandlers& handlers);
  void accept_next();
  void on_closed(const std::shared_ptr<RpcConnection>& connection);

  asio::io_context& io_;
  Acceptor acceptor_;
  asio::steady_timer retry_;  // accept errors (e.g. EMFILE) retry after a pause
  std::filesystem::path path_;
  RpcHandlers& handlers_;
  std::set<std::shared_ptr<RpcConnection>> connections_;
  bool stopped_ = false;
};

}  // namespace hc::daemon
