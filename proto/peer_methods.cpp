#include "peer_methods.hpp"

#include <array>
#include <charconv>

#include "encoding/key_id.hpp"
#include "json_fields.hpp"

namespace hc::proto {
namespace {

using nlohmann::json;
using namespace fields;

constexpr std::array kPeerMethods = {kCoreSeed, kPeerConnect, kPeerList};

}  // namespace

bool is_peer_method(std::string_view method) {
  for (auto m : kPeerMethods)
    if (m == method) return true;
  return false;
}

Outcome<ConnectParams> parse_address(std::string_view address, std::string_view field) {
  const auto bad = [&] {
    return invalid_field(field, "must be host:port (e.g. 127.0.0.1:4000 or [::1]:4000)");
  };
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) return bad();
  std::string_view host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad();
    host = host.substr(1, host.size() - 2);
  }
  for (char c : host)
    if (c == ' ' || c == '\t' || c == '[' || c == ']' || c == '/') return bad();
  const std::string_view port_text = address.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return bad();
  return ConnectParams{std::string(host), static_cast<std::uint16_t>(port)};
}

std::string format_address(const ConnectParams& a) {
  const bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

template <>
Outcome<SeedParams> from_json<SeedParams>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(Hash32 key, get_key(*obj, "key"));
  return SeedParams{key};
}

json to_json(const SeedParams& v) { return json{{"key", encoding::encode_key_id(v.key)}}; }

template <>
Outcome<ConnectParams> from_json<ConnectParams>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::string address, get_string(*obj, "address"));
  return parse_address(address, "address");
}

json to_json(const ConnectParams& v) { return json{{"address", format_address(v)}}; }

template <>
Outcome<PeerInfo> from_json<PeerInfo>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  PeerInfo p;
  HC_PROTO_TRY(p.remote_public_key, get_hex32(*obj, "remote_public_key"));
  HC_PROTO_TRY(p.address, get_string(*obj, "address"));
  HC_PROTO_TRY(p.initiator, get_bool(*obj, "initiator"));
  const json* cores = member(*obj, "cores");
  if (!cores || !cores->is_array()) return invalid_field("cores", "must be an array of keys");
  for (std::size_t i = 0; i < cores->size(); i++) {
    const json& k = (*cores)[i];
    auto key = encoding::decode_key_id(k.is_string() ? k.get<std::string>() : std::string());
    if (!key) {
      return invalid_field("cores[" + std::to_string(i) + "]",
                           "is not a key: expected 64 hex or 52 z-base32 characters",
                           Errc::invalid_key);
    }
    p.cores.push_back(*key);
  }
  HC_PROTO_TRY(p.bytes_in, get_uint(*obj, "bytes_in"));
  HC_PROTO_TRY(p.bytes_out, get_uint(*obj, "bytes_out"));
  HC_PROTO_TRY(p.uptime_ms, get_uint(*obj, "uptime_ms"));
  return p;
}

json to_json(const PeerInfo& v) {
  json cores = json::array();
  for (const auto& k : v.cores) cores.push_back(encoding::encode_key_id(k));
  return json{{"remote_public_key", encoding::to_hex(v.remote_public_key)},
              {"address", v.address},
              {"initiator", v.initiator},
              {"cores", std::move(cores)},
              {"bytes_in", v.bytes_in},
              {"bytes_out", v.bytes_out},
              {"uptime_ms", v.uptime_ms}};
}

template <>
Outcome<PeerListResult> from_json<PeerListResult>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  const json* peers = member(*obj, "peers");
  if (!peers || !peers->is_array()) return invalid_field("peers", "must be an array");
  PeerListResult r;
  for (std::size_t i = 0; i < peers->size(); i++) {
    auto p = from_json<PeerInfo>((*peers)[i]);
    if (!p) return nested("peers[" + std::to_string(i) + "]", p.error());
    r.peers.push_back(std::move(*p));
  }
  return r;
}

json to_json(const PeerListResult& v) {
  json peers = json::array();
  for (const auto& p : v.peers) peers.push_back(to_json(p));
  return json{{"peers", std::move(peers)}};
}

}  // namespace hc::proto
