#include "registry_cores.hpp"

#include "core/errors.hpp"
#include "encoding/key_id.hpp"
#include "net/log.hpp"

namespace hc::daemon {

core::Core* RegistryCores::find_by_discovery_key(const Hash32& discovery_key) {
  auto found = registry_.find_by_discovery_key(discovery_key);
  if (found) return *found;
  if (found.error() != core::Errc::core_not_found) {
    // The peer is refused this core; the operator should know why.
    net::logger()->warn("cannot open the core with discovery key {} for a peer: {}",
                        encoding::to_hex(discovery_key).substr(0, 8), found.error().message());
  }
  return nullptr;
}

wire::CoreChannel::Options RegistryCores::options_for(const core::Core& core) {
  wire::CoreChannel::Options options;
  // A core we write has nothing to fetch; a remote one is held to be had.
  options.download = !core.writable();
  // Enough requests in flight that a fast peer's answers fill each read (and
  // each storage group) while ours are on their way.
  options.max_inflight = 512;
  return options;
}

}  // namespace hc::daemon
