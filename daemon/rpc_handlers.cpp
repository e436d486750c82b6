#include "rpc_handlers.hpp"

#include <algorithm>
#include <exception>
#include <iterator>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "encoding/key_id.hpp"
#include "proto/methods.hpp"
#include "proto/peer_methods.hpp"
#include "proto/truncate_methods.hpp"
#include "rpc_log.hpp"

namespace hc::daemon {

using nlohmann::json;
using proto::Errc;
using proto::Outcome;

proto::Error to_proto_error(std::error_code ec) {
  if (ec.category() == core::category()) {
    switch (static_cast<core::Errc>(ec.value())) {
      case core::Errc::core_not_found: return Errc::core_not_found;
      case core::Errc::core_exists: return Errc::core_exists;
      case core::Errc::session_not_writable: return Errc::not_writable;
      case core::Errc::block_not_available: return Errc::block_not_available;
      case core::Errc::storage_corrupt:
        return proto::Error(Errc::storage_error, "storage error: " + ec.message());
      default: break;
    }
    return proto::Error(Errc::internal_error, "internal error: " + ec.message());
  }
  // Anything else comes from the storage layer (SQLite, files).
  return proto::Error(Errc::storage_error, "storage error: " + ec.message());
}

namespace {

// Room for the blocks of a core.tail answer: the line limit less the envelope.
constexpr std::size_t kTailBudget = proto::kMaxLineBytes - 4096;

proto::CoreInfo info_of(CoreRegistry::Summary s) {
  proto::CoreInfo info;
  info.key = s.key;
  info.discovery_key = s.discovery_key;
  info.name = std::move(s.name);
  info.length = s.length;
  info.byte_length = s.byte_length;
  info.fork = s.fork;
  info.writable = s.writable;
  info.contiguous_length = s.contiguous_length;
  return info;
}

proto::CoreInfo info_of(const core::Core& c) { return info_of(CoreRegistry::summary_of(c)); }

// Unwraps a proto::Outcome into `decl`, or returns its error.
#define RPC_TRY(decl, expr)                                              \
  auto HC_CONCAT(rpc_try_, __LINE__) = (expr);                           \
  if (!HC_CONCAT(rpc_try_, __LINE__)) return HC_CONCAT(rpc_try_, __LINE__).error(); \
  decl = std::move(*HC_CONCAT(rpc_try_, __LINE__))

// Unwraps an hc::Result into `decl`, or returns its error as a protocol error.
#define RPC_TRY_CORE(decl, expr)                                         \
  auto HC_CONCAT(rpc_try_, __LINE__) = (expr);                           \
  if (!HC_CONCAT(rpc_try_, __LINE__))                                    \
    return to_proto_error(HC_CONCAT(rpc_try_, __LINE__).error());        \
  decl = std::move(*HC_CONCAT(rpc_try_, __LINE__))

}  // namespace

RpcHandlers::RpcHandlers(CoreRegistry& cores)
    : cores_(cores), started_(std::chrono::steady_clock::now()) {}

json RpcHandlers::handle(const proto::Request& request) {
  const json id = request.id.value_or(json(nullptr));
  try {
    auto result = dispatch(request);
    // Between requests no Core* is held, so idle cores may go now.
    cores_.release_idle();
    if (!result) return proto::make_error(id, result.error());
    return proto::make_result(id, std::move(*result));
  } catch (const std::exception& e) {
    rpc_log().warn("{} failed with an exception: {}", request.method, e.what());
    return proto::make_error(id, Errc::internal_error, std::string("internal error: ") + e.what());
  }
}

Outcome<json> RpcHandlers::dispatch(const proto::Request& request) {
  const auto& m = request.method;
  const auto& p = request.params;
  if (m == proto::kCoreCreate) return create(p);
  if (m == proto::kCoreAppend) return append(p);
  if (m == proto::kCoreGet) return get(p);
  if (m == proto::kCoreInfo) return info(p);
  if (m == proto::kCoreList) return list(p);
  if (m == proto::kCoreTail) return tail(p);
  if (m == proto::kDaemonStatus) return status(p);
  if (m == proto::kCoreSeed) return seed(p);
  if (m == proto::kCoreTruncate) return truncate(p);
  if (proto::is_peer_method(m)) {
    if (peer_methods_) return peer_methods_(request);
    return proto::Error(Errc::internal_error, "replication is not running in this daemon");
  }
  if (proto::is_known_method(m)) {
    // core.follow / core.unfollow belong to a connection (RpcConnection).
    return proto::Error(Errc::internal_error, std::string(m) + " needs a connection");
  }
  return proto::Error(Errc::method_not_found, "unknown method \"" + m + "\"");
}

Outcome<core::Core*> RpcHandlers::resolve(const proto::CoreRef& ref) {
  RPC_TRY_CORE(auto* c, ref.key ? cores_.find(*ref.key) : cores_.find_named(ref.name));
  return c;
}

Outcome<core::Core*> RpcHandlers::resolve_to_fetch(const proto::CoreRef& ref) {
  if (!ref.key) return resolve(ref);
  RPC_TRY_CORE(auto opened, cores_.find_or_create_remote(*ref.key));
  if (opened.created) {
    rpc_log().info("following remote core {}", encoding::encode_key_id(*ref.key));
  }
  if (!opened.core->writable() && remote_core_hook_) remote_core_hook_(*opened.core);
  return opened.core;
}

Outcome<json> RpcHandlers::seed(const json& params) {
  RPC_TRY(auto p, proto::from_json<proto::SeedParams>(params));
  RPC_TRY(auto* c, resolve_to_fetch(proto::CoreRef::by_key(p.key)));
  return proto::to_json(info_with_peers(*c));
}

proto::CoreInfo RpcHandlers::info_with_peers(const core::Core& core) const {
  proto::CoreInfo info = info_of(core);
  if (peer_count_) info.peers = peer_count_(core.key());
  return info;
}

Outcome<json> RpcHandlers::create(const json& params) {
  RPC_TRY(auto p, proto::from_json<proto::CreateParams>(params));
  RPC_TRY_CORE(auto* c, cores_.create_named(p.name, p.compat));
  rpc_log().info("created core {} ({})", encoding::encode_key_id(c->key()), p.name);
  return proto::to_json(info_of(*c));
}

Outcome<json> RpcHandlers::append(const json& params) {
  RPC_TRY(auto p, proto::from_json<proto::AppendParams>(params));
  core::Core* c = nullptr;
  bool created = false;
  if (p.core.key) {
    RPC_TRY(c, resolve(p.core));
  } else {
    RPC_TRY_CORE(auto opened, cores_.find_or_create_named(p.core.name));
    c = opened.core;
    created = opened.created;
  }
  if (!c->writable()) return proto::Error(Errc::not_writable);
  std::vector<ByteView> views(p.blocks.begin(), p.blocks.end());
  // One Core::append: one transaction; the answer goes out after it committed.
  RPC_TRY_CORE(auto length, c->append(views));
  return proto::to_json(proto::AppendResult{c->key(), length, created});
}

Outcome<json> RpcHandlers::truncate(const json& params) {
  RPC_TRY(auto p, proto::from_json<proto::TruncateParams>(params));
  RPC_TRY(auto* c, resolve(p.core));
  if (!c->writable()) return proto::Error(Errc::not_writable);
  if (p.length > c->length()) {
    return proto::Error(Errc::invalid_params,
                        "length " + std::to_string(p.length) + " is past the end (length " +
                            std::to_string(c->length()) + ")",
                        {{"field", "length"}});
  }
  // One Core::truncate: one transaction, at the next fork; peers and
  // followers hear of it from the core's on_truncate event.
  if (auto st = c->truncate(p.length); !st) return to_proto_error(st.error());
  rpc_log().info("truncated core {} to {} (fork {})", encoding::encode_key_id(c->key()), p.length,
                 c->fork());
  return proto::to_json(info_of(*c));
}

Outcome<json> RpcHandlers::get(const json& params) {
  RPC_TRY(auto p, proto::from_json<proto::GetParams>(params));
  RPC_TRY(auto* c, resolve(p.core));
  if (p.index >= c->length()) {
    return proto::Error(Errc::block_not_available,
                        "block " + std::to_string(p.index) + " is past the end (length " +
                            std::to_string(c->length()) + ")");
  }
  RPC_TRY_CORE(auto block, c->get(p.index));
  return proto::to_json(proto::GetResult{p.index, std::move(block), p.encoding});
}

Outcome<json> RpcHandlers::info(const json& params) {
  RPC_TRY(auto p, proto::from_json<proto::InfoParams>(params));
  RPC_TRY(auto* c, resolve(p.core));
  return proto::to_json(info_with_peers(*c));
}

Outcome<json> RpcHandlers::list(const json&) {
  RPC_TRY_CORE(auto cores, cores_.list());
  proto::ListResult result;
  result.cores.reserve(cores.size());
  for (auto& c : cores) result.cores.push_back(info_of(std::move(c)));
  return proto::to_json(result);
}

Outcome<json> RpcHandlers::tail(const json& params) {
  RPC_TRY(auto p, proto::from_json<proto::TailParams>(params));
  RPC_TRY(auto* c, resolve(p.core));
  proto::TailResult result;
  result.encoding = p.encoding;
  const std::uint64_t wanted = c->length() > p.n ? c->length() - p.n : 0;
  // The answer must fit in one line: the longest suffix of the wanted blocks
  // that does (at least one block); the client gets earlier ones with core.get.
  std::size_t budget = kTailBudget;
  std::vector<Bytes> newest_first;
  for (std::uint64_t i = c->length(); i > wanted; i--) {
    RPC_TRY_CORE(auto block, c->get(i - 1));
    const std::size_t size = proto::encoded_size_bound(block, p.encoding) + 1;  // the comma
    if (size > budget && !newest_first.empty()) break;
    budget -= std::min(size, budget);
    newest_first.push_back(std::move(block));
  }
  result.start = c->length() - newest_first.size();
  result.blocks.assign(std::make_move_iterator(newest_first.rbegin()),
                       std::make_move_iterator(newest_first.rend()));
  return proto::to_json(result);
}

Outcome<json> RpcHandlers::status(const json&) {
  RPC_TRY_CORE(auto count, cores_.count());
  proto::StatusResult result;
  result.version = HC_VERSION;
  result.cores = count;
  result.uptime_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                            started_)
          .count());
  return proto::to_json(result);
}

}  // namespace hc::daemon
