#include "tcp_connection.hpp"

#include <utility>
#include <vector>

#include "encoding/key_id.hpp"
#include "log.hpp"

namespace hc::net {
namespace {

// The most one read takes from a socket (see the header).
constexpr std::size_t kReadBytes = 256 * 1024;

std::string address_of(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return "?";
  const auto address = remote.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(remote.port());
}

// Enough of a key to tell peers apart in a log line.
std::string short_key(const Hash32& key) { return encoding::to_hex(key).substr(0, 8); }

}  // namespace

std::shared_ptr<TcpConnection> TcpConnection::create(asio::ip::tcp::socket socket, bool initiator,
                                                     const crypto::KeyPair& key_pair,
                                                     wire::ReplicationSession::Cores& cores,
                                                     Options options) {
  return std::make_shared<TcpConnection>(Private{}, std::move(socket), initiator, key_pair, cores,
                                         options);
}

TcpConnection::TcpConnection(Private, asio::ip::tcp::socket socket, bool initiator,
                             const crypto::KeyPair& key_pair,
                             wire::ReplicationSession::Cores& cores, Options options)
    : socket_(std::move(socket)),
      keep_alive_timer_(socket_.get_executor()),
      handshake_timer_(socket_.get_executor()),
      options_(options),
      session_(std::make_unique<wire::ReplicationSession>(initiator, key_pair, cores)) {
  stats_.remote_address = address_of(socket_);
  stats_.initiator = initiator;
  stats_.connected_since = std::chrono::system_clock::now();
}

void TcpConnection::start(EstablishedHandler on_established, ClosedHandler on_closed) {
  on_established_ = std::move(on_established);
  on_closed_ = std::move(on_closed);
  // Every block and keep-alive is one small write; Nagle would hold each for
  // up to 40 ms (the latency target is 1 ms).
  asio::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (ec) return close("cannot set TCP_NODELAY: " + ec.message());
  socket_.non_blocking(true, ec);  // on_readable reads what is there, never waits
  if (ec) return close("cannot make the socket non-blocking: " + ec.message());
  last_write_ = std::chrono::steady_clock::now();
  last_read_ = last_write_;
  handshake_timer_.expires_after(options_.handshake_timeout);
  handshake_timer_.async_wait([self = shared_from_this()](const asio::error_code& wait_ec) {
    if (wait_ec || self->closed_ || self->established_) return;
    self->close("no handshake within " +
                std::to_string(self->options_.handshake_timeout.count()) + " ms");
  });
  arm_keep_alive();
  pump();  // the initiator's first Noise message
  read_next();
}

void TcpConnection::add_core(core::Core& core) {
  if (closed_) return;
  session_->add_core(core);
  pump();
}

void TcpConnection::on_local_append(const core::Core& core) {
  if (closed_) return;
  // A peer that allows pushes but does not read gets syncs, not blocks:
  // it asks for them once it reads again.
  session_->on_local_append(core, has_room());
  pump();
}

void TcpConnection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  logger()->info("peer {} closed: {}", stats_.remote_address, reason);
  asio::error_code ignored;
  keep_alive_timer_.cancel();
  handshake_timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  // Channels close now, while the Cores surely lives.
  session_.reset();
  queue_.clear();
  queued_bytes_ = 0;
  if (on_closed_) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), reason] {
      auto handler = std::exchange(self->on_closed_, nullptr);
      if (handler) handler(*self, reason);
    });
  }
}

TcpConnection::Stats TcpConnection::stats() const {
  Stats s = stats_;
  if (session_) {
    for (const auto* core : session_->shared_cores()) s.shared_cores.push_back(core->key());
  }
  return s;
}

void TcpConnection::read_next() {
  if (closed_ || reading_ || queued_bytes_ > options_.max_queued_bytes ||
      session_->backlog() > options_.max_backlog) {
    return;
  }
  reading_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const asio::error_code& ec) {
                       self->on_readable(ec);
                     });
}

void TcpConnection::on_readable(const asio::error_code& ec) {
  reading_ = false;
  if (closed_) return;
  if (ec) return close("read failed: " + ec.message());
  // Shared: feed() consumes what it is given before anything else reads.
  static thread_local std::vector<std::uint8_t> buffer(kReadBytes);
  asio::error_code read_ec;
  const std::size_t n = socket_.read_some(asio::buffer(buffer), read_ec);
  if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
    read_next();  // woken for nothing
    return;
  }
  on_read(read_ec, ByteView(buffer.data(), n));
}

void TcpConnection::on_read(const asio::error_code& ec, ByteView bytes) {
  if (ec == asio::error::eof) return close("the peer ended the connection");
  if (ec) return close("read failed: " + ec.message());
  stats_.bytes_in += bytes.size();
  last_read_ = std::chrono::steady_clock::now();
  if (auto st = session_->feed(bytes); !st) {
    // Whatever the session said last (an error frame, nothing) is not worth
    // waiting for: the peer broke the protocol.
    return close(session_->error_reason().empty() ? st.error().message()
                                                   : session_->error_reason());
  }
  if (!established_ && session_->established()) {
    established_ = true;
    handshake_timer_.cancel();
    stats_.remote_public_key = session_->remote_public_key();
    logger()->info("peer {} connected ({}), remote key {}", stats_.remote_address,
                   stats_.initiator ? "dialed" : "accepted",
                   short_key(*stats_.remote_public_key));
    if (on_established_) on_established_(*this);
    if (closed_) return;
  }
  pump();
  read_next();
}

void TcpConnection::pump() {
  if (closed_ || !session_) return;
  if (session_->has_output()) {
    // Answers wait while a slice of them is still unwritten (on_written
    // asks again); anything else goes at once.
    Bytes out = session_->take_output(std::exchange(spare_, Bytes{}), has_room());
    if (session_->failed()) return close(session_->error_reason());
    queued_bytes_ += out.size();
    // Small writes that pile up behind a slow one go out together.
    if (out.empty()) {
      spare_ = std::move(out);
    } else if (queue_.size() > 1 && queue_.back().size() + out.size() <= 64 * 1024) {
      append(queue_.back(), out);
      spare_ = std::move(out);
    } else {
      queue_.push_back(std::move(out));
    }
  }
  write_next();
  read_next();  // resumes when the queue drained below the limit
}

void TcpConnection::write_next() {
  if (closed_ || writing_ || queue_.empty()) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(queue_.front()),
                    [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                      self->on_written(ec, n);
                    });
}

void TcpConnection::on_written(const asio::error_code& ec, std::size_t n) {
  writing_ = false;
  if (closed_) return;
  if (ec) return close("write failed: " + ec.message());
  stats_.bytes_out += n;
  last_write_ = std::chrono::steady_clock::now();
  queued_bytes_ -= queue_.front().size();
  if (queue_.front().capacity() > spare_.capacity()) spare_ = std::move(queue_.front());
  queue_.pop_front();
  // Little left to write: answer the next slice of requests meanwhile.
  if (has_room()) return pump();
  write_next();
  read_next();
}

void TcpConnection::arm_keep_alive() {
  // A write in flight counts as writing: look again a full period later.
  const auto from = writing_ ? std::chrono::steady_clock::now() : last_write_;
  keep_alive_timer_.expires_at(from + options_.keep_alive);
  keep_alive_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec || self->closed_) return;
    self->on_keep_alive_timer();
  });
}

void TcpConnection::on_keep_alive_timer() {
  const auto now = std::chrono::steady_clock::now();
  if (established_ && now - last_read_ >= options_.idle_timeout) {
    return close("nothing from the peer for " + std::to_string(options_.idle_timeout.count()) +
                 " ms");
  }
  // A write in the meantime moved the deadline.
  if (!writing_ && now - last_write_ >= options_.keep_alive) {
    // Idle for a while: the buffers of a past burst go back to the heap.
    spare_ = Bytes{};
    if (!session_->has_output()) (void)session_->take_output();
    session_->keep_alive();
    last_write_ = now;  // the keep-alive itself is written by pump()
    pump();
    if (closed_) return;
  }
  arm_keep_alive();
}

}  // namespace hc::net
