#include "peer_methods.hpp"

#include <chrono>

#include "proto/peer_methods.hpp"
#include "rpc_log.hpp"

namespace hc::daemon {

using nlohmann::json;

namespace {

proto::Outcome<json> connect(PeerManager& peers, const json& params) {
  auto p = proto::from_json<proto::ConnectParams>(params);
  if (!p) return p.error();
  const net::Endpoint target{p->host, p->port};
  if (!peers.connect(target)) {
    return proto::Error(proto::Errc::invalid_params,
                        "already connected or dialing " + net::to_string(target),
                        {{"field", "address"}});
  }
  rpc_log().info("dialing {} (corectl connect)", net::to_string(target));
  return json::object();
}

json list(PeerManager& peers) {
  proto::PeerListResult result;
  const auto now = std::chrono::system_clock::now();
  for (const auto& s : peers.peers()) {
    proto::PeerInfo p;
    if (s.remote_public_key) p.remote_public_key = *s.remote_public_key;
    p.address = s.remote_address;
    p.initiator = s.initiator;
    p.cores = s.shared_cores;
    p.bytes_in = s.bytes_in;
    p.bytes_out = s.bytes_out;
    const auto up = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.connected_since);
    p.uptime_ms = up.count() > 0 ? static_cast<std::uint64_t>(up.count()) : 0;
    result.peers.push_back(std::move(p));
  }
  return proto::to_json(result);
}

}  // namespace

RpcHandlers::PeerMethods make_peer_methods(PeerManager& peers) {
  return [&peers](const proto::Request& request) -> proto::Outcome<json> {
    if (request.method == proto::kPeerConnect) return connect(peers, request.params);
    if (request.method == proto::kPeerList) return list(peers);
    return proto::Error(proto::Errc::method_not_found, "unknown method \"" + request.method + "\"");
  };
}

}  // namespace hc::daemon
