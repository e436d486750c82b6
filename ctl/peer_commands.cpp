// corectl seed, connect and peers: the replication commands (issue 4).
#include <iostream>
#include <string>

#include "commands.hpp"
#include "encoding/key_id.hpp"
#include "output.hpp"
#include "proto/peer_methods.hpp"
#include "request.hpp"

namespace hc::ctl {

int run_seed(const GlobalOptions& opts, const std::string& key) {
  auto k = encoding::decode_key_id(key);
  if (!k) {
    print_failure("not a key: " + key + " (expected 64 hex or 52 z-base32 characters)");
    return kExitUsage;
  }
  return request<proto::CoreInfo>(opts, proto::kCoreSeed, proto::to_json(proto::SeedParams{*k}),
                                  [&](const proto::CoreInfo& info) { return show_info(opts, info); });
}

int run_connect(const GlobalOptions& opts, const std::string& address) {
  auto parsed = proto::parse_address(address, "address");
  if (!parsed) {
    print_failure(address + ": " + parsed.error().message);
    return kExitUsage;
  }
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  auto result = client->call(proto::kPeerConnect, proto::to_json(*parsed));
  if (!result) return fail(result.error());
  if (opts.json) {
    print_json_line(proto::to_json(*parsed));
  } else {
    std::cout << "connecting to " << proto::format_address(*parsed)
              << " (kept alive; see corectl peers)\n";
  }
  return kExitOk;
}

int run_peers(const GlobalOptions& opts) {
  return request<proto::PeerListResult>(
      opts, proto::kPeerList, nlohmann::json::object(), [&](const proto::PeerListResult& r) {
        for (const auto& p : r.peers) {
          if (opts.json) {
            print_json_line(proto::to_json(p));
            continue;
          }
          std::cout << encoding::to_hex(p.remote_public_key) << "  " << p.address << "  "
                    << (p.initiator ? "out" : "in") << "  cores " << p.cores.size() << "  in "
                    << p.bytes_in << " B  out " << p.bytes_out << " B  up "
                    << p.uptime_ms / 1000 << " s\n";
        }
        if (r.peers.empty() && !opts.json) std::cout << "no peers\n";
        return kExitOk;
      });
}

}  // namespace hc::ctl
