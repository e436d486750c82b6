#include "client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "proto/jsonrpc.hpp"

namespace hc::ctl {
namespace {

using Kind = ClientError::Kind;

ClientError os_error(Kind kind, const std::string& what, int err) {
  return ClientError{kind, what + ": " + std::strerror(err)};
}

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

ClientOutcome<Client> Client::connect(const std::filesystem::path& socket,
                                      std::chrono::milliseconds timeout) {
  const std::string path = socket.string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return ClientError{Kind::connection, "socket path is empty or too long: " + path};
  std::memcpy(addr.sun_path, path.data(), path.size());

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return os_error(Kind::connection, "cannot create a socket", errno);
  Client client(fd, timeout);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ECONNREFUSED)
      return ClientError{Kind::not_running, "hypercored is not running (no socket at " + path +
                                                "); start it with: hypercored"};
    return os_error(Kind::connection, "cannot connect to " + path, err);
  }
  return client;
}

Client::Client(Client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      timeout_(other.timeout_),
      buffer_(std::move(other.buffer_)),
      next_id_(other.next_id_) {}

Client& Client::operator=(Client&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
    buffer_ = std::move(other.buffer_);
    next_id_ = other.next_id_;
  }
  return *this;
}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

ClientOutcome<nlohmann::json> Client::call(std::string_view method, nlohmann::json params) {
  const std::int64_t id = next_id_++;
  const std::string line = proto::to_line(proto::make_request(id, method, std::move(params)));
  if (line.size() > proto::kMaxLineBytes + 1)
    return ClientError{Kind::protocol, "request too large (over 16 MiB): " + std::string(method)};
  const Deadline until = deadline();
  if (auto sent = send_line(line, until); !sent) return sent.error();

  for (;;) {
    auto got = read_line(until);
    if (!got) return got.error();
    auto incoming = proto::parse_incoming(*got);
    if (!incoming)
      return ClientError{Kind::protocol, "bad message from hypercored: " + incoming.error().message};
    auto* response = std::get_if<proto::Response>(&*incoming);
    if (!response) continue;  // a notification: not ours to handle here
    if (response->id != nlohmann::json(id))
      return ClientError{Kind::protocol, "hypercored answered an unknown request id " +
                                             response->id.dump()};
    if (response->error)
      return ClientError{Kind::rpc, response->error->message, response->error->code,
                         std::move(response->error->data)};
    return std::move(response->result);
  }
}

ClientOutcome<proto::Request> Client::next_notification() {
  auto got = read_line(std::nullopt);
  if (!got) return got.error();
  auto incoming = proto::parse_incoming(*got);
  if (!incoming)
    return ClientError{Kind::protocol, "bad message from hypercored: " + incoming.error().message};
  auto* notification = std::get_if<proto::Request>(&*incoming);
  if (!notification) return ClientError{Kind::protocol, "hypercored sent an unexpected response"};
  return std::move(*notification);
}

bool Client::readable_within(std::chrono::milliseconds wait) {
  if (buffer_.find('\n') != std::string::npos) return true;
  pollfd p{fd_, POLLIN, 0};
  // EINTR or an error: say yes, and let the read that follows report it.
  return ::poll(&p, 1, static_cast<int>(wait.count())) != 0;
}

Client::Deadline Client::deadline() const {
  if (timeout_.count() <= 0) return std::nullopt;
  return std::chrono::steady_clock::now() + timeout_;
}

ClientOutcome<bool> Client::wait_for(short events, const Deadline& deadline,
                                     std::string_view what) {
  for (;;) {
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return ClientError{Kind::connection,
                           "hypercored did not " + std::string(what) + " within " +
                               duration_text(timeout_) + " (see --timeout)"};
      }
      wait_ms = static_cast<int>(std::min<std::int64_t>(left.count() + 1, 1 << 30));
    }
    pollfd p{fd_, events, 0};
    const int n = ::poll(&p, 1, wait_ms);
    if (n > 0) return true;  // ready, or an error that the next call reports
    if (n < 0 && errno != EINTR) return os_error(Kind::connection, "cannot wait for hypercored", errno);
  }
}

ClientOutcome<bool> Client::send_line(const std::string& line, const Deadline& deadline) {
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (auto ready = wait_for(POLLOUT, deadline, "take the request"); !ready)
          return ready.error();
        continue;
      }
      return os_error(Kind::connection, "cannot send to hypercored", errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

ClientOutcome<std::string> Client::read_line(const Deadline& deadline) {
  std::size_t scanned = 0;
  for (;;) {
    if (auto nl = buffer_.find('\n', scanned); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    scanned = buffer_.size();
    if (scanned > proto::kMaxAnswerLineBytes)
      return ClientError{Kind::protocol, "hypercored sent a line longer than 32 MiB"};
    if (auto ready = wait_for(POLLIN, deadline, "answer"); !ready) return ready.error();
    char chunk[64 * 1024];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error(Kind::connection, "cannot read from hypercored", errno);
    }
    if (n == 0) return ClientError{Kind::connection, "hypercored closed the connection"};
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace hc::ctl
