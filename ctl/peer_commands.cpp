// corectl seed, connect and peers: the replication commands (issue 4).
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "commands.hpp"
#include "encoding/key_id.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "proto/peer_methods.hpp"
#include "request.hpp"

namespace hc::ctl {
namespace {

// Polls core.info until every block the peers know of is here.
int watch_download(const GlobalOptions& opts, const Hash32& key) {
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  std::cerr << "downloading (Ctrl-C stops watching; the daemon keeps seeding)\n";
  while (true) {
    auto result = client->call(proto::kCoreInfo, proto::to_json(proto::InfoParams{proto::CoreRef::by_key(key)}));
    if (!result) {
      std::cerr << '\n';
      return fail(result.error());
    }
    auto info = proto::from_json<proto::CoreInfo>(*result);
    if (!info) return fail_result(proto::kCoreInfo, info.error());
    draw_progress(info->contiguous_length, info->length, info->peers.value_or(0));
    if (info->length > 0 && info->contiguous_length == info->length) {
      std::cerr << "\ncomplete\n";
      return kExitOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

int run_seed(const GlobalOptions& opts, const std::string& key) {
  auto k = encoding::decode_key_id(key);
  if (!k) {
    print_failure("not a key: " + key + " (expected 64 hex or 52 z-base32 characters)");
    return kExitUsage;
  }
  const int rc = request<proto::CoreInfo>(
      opts, proto::kCoreSeed, proto::to_json(proto::SeedParams{*k}),
      [&](const proto::CoreInfo& info) { return show_info(opts, info); });
  // On a terminal, watch the download (scripts get the answer at once).
  if (rc != kExitOk || opts.json || !isatty(STDERR_FILENO)) return rc;
  return watch_download(opts, *k);
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
