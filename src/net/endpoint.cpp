#include "endpoint.hpp"

#include <charconv>

namespace hc::net {

std::string parse_endpoint(std::string_view text, Endpoint& out, bool allow_port_zero) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return "expected HOST:PORT";
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return "expected HOST:PORT";
    host = text.substr(0, colon);
    // A bare IPv6 address is ambiguous: its last group could be the port.
    if (host.find(':') != std::string_view::npos) return "put an IPv6 address in brackets: [ADDR]:PORT";
    port = text.substr(colon + 1);
  }
  if (host.empty()) return "the host is empty";
  if (host.size() > 253) return "the host is longer than 253 characters";
  for (char c : host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '[' || c == ']') {
      return "the host has a character that cannot be in a name or address";
    }
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535 ||
      (value == 0 && !allow_port_zero)) {
    return allow_port_zero ? "the port must be 0-65535" : "the port must be 1-65535";
  }
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(value);
  return {};
}

std::string to_string(const Endpoint& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

}  // namespace hc::net
