#include "peer_manager.hpp"

#include <utility>

#include "encoding/key_id.hpp"
#include "net/log.hpp"

namespace hc::daemon {

PeerManager::PeerManager(asio::io_context& io, CoreRegistry& registry,
                         const crypto::KeyPair& key_pair, Options options)
    : io_(io), registry_(registry), key_pair_(key_pair), options_(std::move(options)),
      cores_(registry) {}

PeerManager::~PeerManager() {
  stop();
  // Connections whose closed handler has not run yet still hold pins.
  for (auto& [connection, peer] : peers_) {
    for (const auto& key : peer.cores) {
      if (auto* core = registry_.find_open(key)) registry_.unpin(*core);
    }
  }
}

Status PeerManager::start() {
  registry_.set_change_listener([this](const Hash32& key) { on_change(key); });
  if (options_.listen) {
    HC_TRY(listener_, net::TcpListener::open(io_, *options_.listen));
    listener_->start([this](asio::ip::tcp::socket socket) { adopt(std::move(socket), nullptr); });
    net::logger()->info("accepting peers on {}", net::to_string(listener_->local_endpoint()));
  }
  for (const auto& target : options_.peers) dial(target);
  return {};
}

bool PeerManager::connect(const net::Endpoint& target) {
  if (stopped_) return false;
  for (const auto& dialer : dialers_) {
    const auto& t = dialer->target();
    if (t.host == target.host && t.port == target.port) return false;
  }
  dial(target);
  return true;
}

void PeerManager::dial(const net::Endpoint& target) {
  auto dialer = net::TcpDialer::create(io_, target, options_.dialer);
  dialers_.push_back(dialer);
  std::weak_ptr<net::TcpDialer> weak = dialer;
  dialer->start([this, weak](asio::ip::tcp::socket socket) {
    if (auto d = weak.lock()) adopt(std::move(socket), d);
  });
  net::logger()->info("dialing peer {}", net::to_string(target));
}

void PeerManager::stop() {
  if (stopped_) return;
  stopped_ = true;
  registry_.set_change_listener({});
  if (listener_) listener_->stop();
  for (auto& dialer : dialers_) dialer->stop();
  // close() posts each closed handler; they unpin on the loop.
  std::vector<std::shared_ptr<net::TcpConnection>> live;
  for (auto& [connection, peer] : peers_) live.push_back(peer.connection);
  for (auto& connection : live) connection->close("the daemon is stopping");
}

std::optional<net::Endpoint> PeerManager::listening() const {
  if (!listener_) return std::nullopt;
  return listener_->local_endpoint();
}

void PeerManager::replicate(core::Core& core) {
  for (auto& [connection, peer] : peers_) {
    if (peer.connection->established()) give(peer, core);
  }
}

std::vector<net::TcpConnection::Stats> PeerManager::peers() const {
  std::vector<net::TcpConnection::Stats> out;
  for (const auto& [connection, peer] : peers_) {
    if (!peer.connection->closed()) out.push_back(peer.connection->stats());
  }
  return out;
}

std::uint64_t PeerManager::sharing(const Hash32& key) const {
  std::uint64_t n = 0;
  for (const auto& [connection, peer] : peers_) {
    if (peer.connection->closed()) continue;
    for (const auto& shared : peer.connection->stats().shared_cores) {
      if (shared == key) {
        n++;
        break;
      }
    }
  }
  return n;
}

void PeerManager::adopt(asio::ip::tcp::socket socket, std::shared_ptr<net::TcpDialer> dialer) {
  if (stopped_) return;
  const bool initiator = dialer != nullptr;
  auto connection = net::TcpConnection::create(std::move(socket), initiator, key_pair_, cores_,
                                               options_.connection);
  net::logger()->debug("peer {} {}", connection->remote_address(),
                       initiator ? "dialed, handshaking" : "accepted, handshaking");
  Peer& peer = peers_[connection.get()];
  peer.connection = connection;
  peer.dialer = std::move(dialer);
  peer.since = std::chrono::steady_clock::now();
  std::weak_ptr<bool> alive = alive_;
  connection->start(
      [this, alive](net::TcpConnection& c) {
        if (!alive.expired()) on_established(c);
      },
      [this, alive](net::TcpConnection& c, const std::string&) {
        if (!alive.expired()) on_closed(c);
      });
}

void PeerManager::on_established(net::TcpConnection& connection) {
  auto it = peers_.find(&connection);
  if (it == peers_.end()) return;
  for (auto* core : registry_.open_cores()) give(it->second, *core);
  // Seeded cores, open or not: after a restart nothing else would ask a peer
  // for them unless the peer opened their channel itself.
  auto keys = registry_.remote_keys();
  if (!keys) {
    net::logger()->error("cannot list the seeded cores for peer {}: {}",
                         connection.remote_address(), keys.error().message());
    return;
  }
  for (const auto& key : *keys) {
    if (it->second.cores.contains(key)) continue;
    auto core = registry_.find(key);
    if (core) {
      give(it->second, **core);
    } else {
      net::logger()->warn("cannot open seeded core {} for peer {}: {}",
                          encoding::encode_key_id(key).substr(0, 8), connection.remote_address(),
                          core.error().message());
    }
  }
}

void PeerManager::on_closed(net::TcpConnection& connection) {
  auto it = peers_.find(&connection);
  if (it == peers_.end()) return;
  Peer peer = std::move(it->second);
  peers_.erase(it);
  // The session is gone (close() destroyed it): nothing uses these cores now.
  for (const auto& key : peer.cores) {
    if (auto* core = registry_.find_open(key)) registry_.unpin(*core);
  }
  if (peer.dialer) peer.dialer->connection_ended(std::chrono::steady_clock::now() - peer.since);
}

void PeerManager::give(Peer& peer, core::Core& core) {
  if (peer.connection->closed() || !peer.cores.insert(core.key()).second) return;
  registry_.pin(core);
  peer.connection->add_core(core);
}

void PeerManager::on_change(const Hash32& key) {
  changed_.insert(key);
  // A client's append or truncate: peers hear of it at once (live latency).
  if (!registry_.grouping() && !announce_posted_) {
    announce_changes();
    return;
  }
  if (announce_posted_) return;
  announce_posted_ = true;
  // Not now: we are inside a session's feed() (a download), and a burst of
  // blocks from one read is announced once.
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) announce_changes();
  });
}

void PeerManager::announce_changes() {
  announce_posted_ = false;
  if (stopped_) return;
  for (const auto& key : std::exchange(changed_, {})) {
    core::Core* core = registry_.find_open(key);
    if (!core) continue;  // closed since: no channel has it
    for (auto& [connection, peer] : peers_) {
      if (!peer.connection->established() || peer.connection->closed()) continue;
      give(peer, *core);
      peer.connection->on_local_append(*core);
    }
  }
}

}  // namespace hc::daemon
