// The control protocol's methods (proto/methods.hpp) on top of the open cores:
// proto params in, Core calls, proto results or errors out; core and storage
// error codes become the protocol's stable codes (proto/errors.hpp).
//
// Threads: the io thread only. Storage and Core calls run synchronously here
// (a known simplification: design.md wants a storage thread). Lifetime: the
// CoreRegistry must outlive the handlers.
#pragma once

#include <chrono>
#include <functional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "core_registry.hpp"
#include "proto/errors.hpp"
#include "proto/jsonrpc.hpp"
#include "proto/methods.hpp"

namespace hc::daemon {

// The protocol error for a failed core or storage call.
proto::Error to_proto_error(std::error_code ec);

class RpcHandlers {
 public:
  explicit RpcHandlers(CoreRegistry& cores);

  // The response object (result or error) for `request`. Never throws: an
  // exception from below becomes internal_error.
  nlohmann::json handle(const proto::Request& request);

  // The replication methods (proto/peer_methods.hpp) go to `handler` once
  // replication runs; until then they are answered "not available".
  using PeerMethods = std::function<proto::Outcome<nlohmann::json>(const proto::Request&)>;
  void set_peer_methods(PeerMethods handler) { peer_methods_ = std::move(handler); }

  // Called with every remote core that a follow or seed names (created on
  // first use), so that replication fetches it.
  using RemoteCoreHook = std::function<void(core::Core&)>;
  void set_remote_core_hook(RemoteCoreHook hook) { remote_core_hook_ = std::move(hook); }
  // How many peer connections replicate a core (core.info, core.seed).
  using PeerCount = std::function<std::uint64_t(const Hash32& key)>;
  void set_peer_count(PeerCount count) { peer_count_ = std::move(count); }

  // For the per-connection methods (core.follow, core.unfollow), which
  // RpcConnection serves itself as they need its write queue.
  proto::Outcome<core::Core*> resolve(const proto::CoreRef& ref);
  // As resolve, but a key the daemon does not hold yet becomes a new remote
  // core, and a remote core is handed to the RemoteCoreHook (follow, seed).
  proto::Outcome<core::Core*> resolve_to_fetch(const proto::CoreRef& ref);
  CoreRegistry& cores() { return cores_; }

 private:
  proto::Outcome<nlohmann::json> dispatch(const proto::Request& request);

  proto::Outcome<nlohmann::json> create(const nlohmann::json& params);
  proto::Outcome<nlohmann::json> append(const nlohmann::json& params);
  proto::Outcome<nlohmann::json> get(const nlohmann::json& params);
  proto::Outcome<nlohmann::json> info(const nlohmann::json& params);
  proto::Outcome<nlohmann::json> list(const nlohmann::json& params);
  proto::Outcome<nlohmann::json> tail(const nlohmann::json& params);
  proto::Outcome<nlohmann::json> status(const nlohmann::json& params);
  proto::Outcome<nlohmann::json> seed(const nlohmann::json& params);
  proto::Outcome<nlohmann::json> truncate(const nlohmann::json& params);
  // info_of with the peer count, once replication runs.
  proto::CoreInfo info_with_peers(const core::Core& core) const;

  CoreRegistry& cores_;
  std::chrono::steady_clock::time_point started_;
  PeerMethods peer_methods_;
  RemoteCoreHook remote_core_hook_;
  PeerCount peer_count_;
};

}  // namespace hc::daemon
