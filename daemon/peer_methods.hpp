// peer.connect and peer.list (proto/peer_methods.hpp) on top of the
// PeerManager, handed to RpcHandlers::set_peer_methods. core.seed lives in
// RpcHandlers with the other core methods. Threads: the io thread.
#pragma once

#include "peer_manager.hpp"
#include "rpc_handlers.hpp"

namespace hc::daemon {

// REQUIRES: `peers` outlives the returned function.
RpcHandlers::PeerMethods make_peer_methods(PeerManager& peers);

}  // namespace hc::daemon
