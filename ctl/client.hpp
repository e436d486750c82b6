// A blocking JSON-RPC client of hypercored's control socket (proto/jsonrpc.hpp):
// one request line out, response lines in, over a Unix stream socket.
//
// corectl is a short-lived, single-threaded process, so plain POSIX calls are
// enough here; the daemon side is asynchronous. A Client owns its socket
// (move-only) and is used by one thread. Notifications that arrive while a
// call waits for its response are skipped; after a core.follow call,
// next_notification() reads them. A call gives up after the timeout given to
// connect(), so a daemon that hangs cannot hang scripts; waiting for a
// notification has no limit (a follow may wait for hours).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proto/errors.hpp"
#include "proto/jsonrpc.hpp"

namespace hc::ctl {

struct ClientError {
  enum class Kind {
    not_running,  // no socket, or nobody listening on it
    connection,   // any other socket failure, or the daemon hung up
    protocol,     // the daemon sent something that is not a valid response
    rpc,          // the daemon answered with a JSON-RPC error
  };
  Kind kind = Kind::connection;
  std::string message;
  proto::Errc code = proto::Errc::internal_error;  // for Kind::rpc
  nlohmann::json data = nullptr;  // for Kind::rpc: the error's data, e.g. {"field": "blocks[3]"}
};

template <class T>
using ClientOutcome = proto::Outcome<T, ClientError>;

class Client {
 public:
  // `timeout`: how long one call may take, sending and waiting for its
  // answer; zero waits forever.
  static ClientOutcome<Client> connect(const std::filesystem::path& socket,
                                       std::chrono::milliseconds timeout);

  Client(Client&& other) noexcept;
  Client& operator=(Client&& other) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // Sends one request and waits for its response: the result, or the error.
  ClientOutcome<nlohmann::json> call(std::string_view method, nlohmann::json params);
  // Waits for the next notification from the daemon (responses to earlier
  // calls are protocol errors here: call() consumed them all).
  ClientOutcome<proto::Request> next_notification();
  // Whether something arrives within `wait` (or is already buffered), so that
  // next_notification() will not wait long; false on timeout.
  bool readable_within(std::chrono::milliseconds wait);

 private:
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;
  Client(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}
  Deadline deadline() const;
  // Waits until fd_ is ready for `events` (POLLIN/POLLOUT) or the deadline passes.
  ClientOutcome<bool> wait_for(short events, const Deadline& deadline, std::string_view what);
  ClientOutcome<bool> send_line(const std::string& line, const Deadline& deadline);
  ClientOutcome<std::string> read_line(const Deadline& deadline);

  int fd_ = -1;
  std::chrono::milliseconds timeout_{0};
  std::string buffer_;  // received bytes not yet returned as lines
  std::int64_t next_id_ = 1;
};

}  // namespace hc::ctl
