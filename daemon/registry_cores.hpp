// What a replication session needs from the daemon's cores (wire::
// ReplicationSession::Cores), backed by the CoreRegistry: a remote's channel
// open is answered for any stored core, opening an idle one on demand
// (passive, as Corestore does); remote cores download (follow, seed), cores
// we write only upload; a core with an open channel is pinned so that
// release_idle() cannot free it under the session; what one read from a peer
// stores commits at once (CoreRegistry::begin_group).
//
// Threads: the io thread. Lifetime: the registry must outlive it, and it must
// outlive every session that uses it.
#pragma once

#include "core_registry.hpp"
#include "wire/replication_session.hpp"

namespace hc::daemon {

class RegistryCores final : public wire::ReplicationSession::Cores {
 public:
  explicit RegistryCores(CoreRegistry& registry) : registry_(registry) {}

  core::Core* find_by_discovery_key(const Hash32& discovery_key) override;
  wire::CoreChannel::Options options_for(const core::Core& core) override;
  void channel_opened(core::Core& core) override { registry_.pin(core); }
  void channel_closed(core::Core& core) override { registry_.unpin(core); }
  void before_feed() override { registry_.begin_group(); }
  Status after_feed() override { return registry_.end_group(); }

 private:
  CoreRegistry& registry_;
};

}  // namespace hc::daemon
