// Direct TCP peering (`--listen`, `--peer`): the listener, one dialer per
// configured peer, and every live replication connection, so that stop() can
// close them all (asio's connection_manager). It wires cores to connections:
//
// - When a connection is established, every core open in the registry and
//   every seeded one (a stored core we do not write, opened if idle) gets a
//   channel on it (add_core); a core the remote asks for is answered through
//   RegistryCores, so idle cores we write cost nothing until a peer wants them.
// - When any open core changes (an append, a downloaded block, a truncation),
//   every connection hears of it (on_local_append), once per loop turn for a
//   burst; a connection that has no channel for that core yet gets one, so a
//   core written or followed after the connection started replicates too.
// - replicate(core) adds a core to every live connection at once (`follow`
//   of a remote core).
//
// A core given to a connection stays pinned in the registry until that
// connection ends: the session holds its Core* from add_core on, even before
// the remote opens its side of the channel.
//
// Threads: the io thread. Lifetime: the io_context and the registry must
// outlive it; stop() (idempotent) closes the listener, dialers and
// connections, whose last handlers then run on the loop; destroy it after
// io.run() returned.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include <asio.hpp>

#include "core_registry.hpp"
#include "crypto/sign.hpp"
#include "encoding/result.hpp"
#include "net/endpoint.hpp"
#include "net/tcp_connection.hpp"
#include "net/tcp_dialer.hpp"
#include "net/tcp_listener.hpp"
#include "registry_cores.hpp"

namespace hc::daemon {

class PeerManager {
 public:
  struct Options {
    std::optional<net::Endpoint> listen;  // accept peers here
    std::vector<net::Endpoint> peers;     // dial and keep connected
    net::TcpConnection::Options connection;
    net::TcpDialer::Options dialer;
  };

  PeerManager(asio::io_context& io, CoreRegistry& registry, const crypto::KeyPair& key_pair,
              Options options);
  PeerManager(const PeerManager&) = delete;
  PeerManager& operator=(const PeerManager&) = delete;
  ~PeerManager();

  // Binds the listener (an error, e.g. address_in_use, ends start-up) and
  // starts dialing.
  Status start();
  void stop();

  // Where the listener accepts, once started.
  std::optional<net::Endpoint> listening() const;
  // Dials `target` and keeps it connected from now on (`corectl connect`);
  // false if it is dialed already (or after stop()).
  bool connect(const net::Endpoint& target);
  // Replicates `core` (from the registry) on every live connection.
  void replicate(core::Core& core);
  // One entry per live connection (`corectl peers`).
  std::vector<net::TcpConnection::Stats> peers() const;
  // How many live connections have a channel open for the core `key`.
  std::uint64_t sharing(const Hash32& key) const;

 private:
  struct Peer {
    std::shared_ptr<net::TcpConnection> connection;
    std::shared_ptr<net::TcpDialer> dialer;  // null for an accepted peer
    std::chrono::steady_clock::time_point since;
    std::set<Hash32> cores;  // given to the connection, pinned
  };

  void dial(const net::Endpoint& target);
  void adopt(asio::ip::tcp::socket socket, std::shared_ptr<net::TcpDialer> dialer);
  void on_established(net::TcpConnection& connection);
  void on_closed(net::TcpConnection& connection);
  void give(Peer& peer, core::Core& core);
  void on_change(const Hash32& key);
  void announce_changes();

  asio::io_context& io_;
  CoreRegistry& registry_;
  crypto::KeyPair key_pair_;
  Options options_;
  RegistryCores cores_;
  std::shared_ptr<net::TcpListener> listener_;
  std::vector<std::shared_ptr<net::TcpDialer>> dialers_;
  std::map<const net::TcpConnection*, Peer> peers_;
  std::set<Hash32> changed_;  // cores changed since the last announce
  bool announce_posted_ = false;
  bool stopped_ = false;
  // Handlers posted to the loop check it: they may run after destruction.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hc::daemon
