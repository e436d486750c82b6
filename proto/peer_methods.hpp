// The control protocol's replication methods: seeding a core, connecting to
// a peer, and listing the peers (issue 4). Same conventions as methods.hpp:
// typed params and results, from_json that never throws, to_json.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "encoding/bytes.hpp"
#include "errors.hpp"
#include "methods.hpp"

namespace hc::proto {

inline constexpr std::string_view kCoreSeed = "core.seed";        // SeedParams -> CoreInfo
inline constexpr std::string_view kPeerConnect = "peer.connect";  // ConnectParams -> {}
inline constexpr std::string_view kPeerList = "peer.list";        // {} -> PeerListResult

// Whether `method` is one of the above.
bool is_peer_method(std::string_view method);

struct SeedParams {  // {"key"}: download every block of the core and keep serving it
  Hash32 key{};
  friend bool operator==(const SeedParams&, const SeedParams&) = default;
};

struct ConnectParams {  // {"address": "host:port"}: dial and keep the connection alive
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const ConnectParams&, const ConnectParams&) = default;
};

// {"remote_public_key": hex, "address": "host:port", "initiator", "cores":
//  [z32 key...], "bytes_in", "bytes_out", "uptime_ms"}
struct PeerInfo {
  Hash32 remote_public_key{};
  std::string address;
  bool initiator = false;        // we dialed
  std::vector<Hash32> cores;     // cores replicated on this connection
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t uptime_ms = 0;
  friend bool operator==(const PeerInfo&, const PeerInfo&) = default;
};

struct PeerListResult {  // {"peers": [PeerInfo...]}
  std::vector<PeerInfo> peers;
  friend bool operator==(const PeerListResult&, const PeerListResult&) = default;
};

// "host:port" with a non-empty host (no spaces) and a port in 1..65535;
// "[::1]:port" for IPv6 literals.
Outcome<ConnectParams> parse_address(std::string_view address, std::string_view field);
std::string format_address(const ConnectParams& address);

template <> Outcome<SeedParams> from_json<SeedParams>(const nlohmann::json& j);
template <> Outcome<ConnectParams> from_json<ConnectParams>(const nlohmann::json& j);
template <> Outcome<PeerInfo> from_json<PeerInfo>(const nlohmann::json& j);
template <> Outcome<PeerListResult> from_json<PeerListResult>(const nlohmann::json& j);

nlohmann::json to_json(const SeedParams& v);
nlohmann::json to_json(const ConnectParams& v);
nlohmann::json to_json(const PeerInfo& v);
nlohmann::json to_json(const PeerListResult& v);

}  // namespace hc::proto
