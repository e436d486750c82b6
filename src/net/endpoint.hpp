// HOST:PORT as given on the command line, in the config file or by corectl
// (`--listen 127.0.0.1:9000`, `--peer [::1]:9000`, `--peer example.org:9000`).
// Only the syntax is checked here; names resolve when used. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hc::net {

struct Endpoint {
  std::string host;    // a name, an IPv4 address or an IPv6 address (no brackets)
  std::uint16_t port = 0;
};

// Parses HOST:PORT; an IPv6 address goes in brackets. Port 0 is allowed only
// with `allow_port_zero` (a listener picking a free port). Returns "" and
// fills `out`, or says what is wrong in a few words ("port must be 1-65535").
std::string parse_endpoint(std::string_view text, Endpoint& out, bool allow_port_zero = false);

// HOST:PORT again, with brackets around an IPv6 address.
std::string to_string(const Endpoint& endpoint);

}  // namespace hc::net
