#include "rpc_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <exception>
#include <utility>
#include <vector>

#include "rpc_log.hpp"

namespace hc::daemon {

namespace {

// Gives the freshly bound socket file (still 0600) to `group`, then opens it to
// the group: in this order no one outside the group ever gets access. chown is
// skipped when the group is already ours (under systemd it is, and its
// SystemCallFilter may forbid chown).
std::error_code share_with_group(const std::filesystem::path& path, gid_t group) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {errno, std::generic_category()};
  if (st.st_gid != group && ::chown(path.c_str(), static_cast<uid_t>(-1), group) != 0)
    return {errno, std::generic_category()};
  if (::chmod(path.c_str(), 0660) != 0) return {errno, std::generic_category()};
  return {};
}

}  // namespace

Result<std::unique_ptr<RpcServer>> RpcServer::listen(asio::io_context& io,
                                                     const std::filesystem::path& socket_path,
                                                     RpcHandlers& handlers,
                                                     std::optional<gid_t> group) {
  using asio::local::stream_protocol;
  stream_protocol::endpoint endpoint;
  try {
    endpoint = stream_protocol::endpoint(socket_path.string());  // throws when too long
  } catch (const std::exception&) {
    return std::make_error_code(std::errc::filename_too_long);
  }
  asio::error_code ec;
  std::error_code fs_ec;
  if (std::filesystem::is_socket(std::filesystem::symlink_status(socket_path, fs_ec))) {
    // Our lock covers the data directory, not $XDG_RUNTIME_DIR: a daemon on
    // another data directory may be serving this path. Only a socket nobody
    // answers on is stale.
    stream_protocol::socket probe(io);
    probe.connect(endpoint, ec);
    if (!ec) return std::make_error_code(std::errc::address_in_use);
    std::filesystem::remove(socket_path, fs_ec);
    if (fs_ec) return fs_ec;
  }
  Acceptor acceptor(io);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return ec;
  // Create the file as 0600 from the start: no moment in which others may connect.
  const mode_t old_mask = ::umask(0177);
  acceptor.bind(endpoint, ec);
  ::umask(old_mask);
  if (ec) return ec;
  if (group) {
    if (auto share_ec = share_with_group(socket_path, *group)) {
      std::filesystem::remove(socket_path, fs_ec);
      return share_ec;
    }
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  auto server = std::unique_ptr<RpcServer>(
      new RpcServer(io, std::move(acceptor), socket_path, handlers));
  server->accept_next();
  return server;
}

RpcServer::RpcServer(asio::io_context& io, Acceptor acceptor, std::filesystem::path path,
                     RpcHandlers& handlers)
    : io_(io), acceptor_(std::move(acceptor)), retry_(io), path_(std::move(path)), handlers_(handlers) {}

RpcServer::~RpcServer() { stop(); }

void RpcServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  std::error_code fs_ignored;
  std::filesystem::remove(path_, fs_ignored);
  // close() reports back through on_closed; iterate over a copy.
  std::vector<std::shared_ptr<RpcConnection>> open(connections_.begin(), connections_.end());
  for (auto& c : open) c->close();
  connections_.clear();
}

void RpcServer::accept_next() {
  acceptor_.async_accept([this](const asio::error_code& ec,
                                asio::local::stream_protocol::socket socket) {
    if (stopped_) return;
    if (ec) {
      // Out of descriptors or similar: log, pause so as not to spin, go on.
      rpc_log().warn("accept failed: {}", ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](const asio::error_code& wait_ec) {
        if (!wait_ec && !stopped_) accept_next();
      });
      return;
    }
    auto connection = std::make_shared<RpcConnection>(
        std::move(socket), handlers_,
        [this](const std::shared_ptr<RpcConnection>& c) { on_closed(c); });
    connections_.insert(connection);
    rpc_log().debug("client connected ({} open)", connections_.size());
    connection->start();
    accept_next();
  });
}

void RpcServer::on_closed(const std::shared_ptr<RpcConnection>& connection) {
  // Never destroy a connection inside its own handler chain: post the removal.
  asio::post(io_, [this, connection] {
    connections_.erase(connection);
    rpc_log().debug("client disconnected ({} open)", connections_.size());
  });
}

}  // namespace hc::daemon
