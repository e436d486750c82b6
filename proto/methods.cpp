#include "methods.hpp"

#include <array>

#include "encoding/key_id.hpp"
#include "encoding/result.hpp"
#include "json_fields.hpp"
#include "peer_methods.hpp"
#include "truncate_methods.hpp"
#include "utf8.hpp"

namespace hc::proto {
namespace {

using nlohmann::json;
using namespace fields;

constexpr std::array kMethods = {kCoreCreate, kCoreAppend, kCoreGet,      kCoreInfo,     kCoreList,
                                 kCoreTail,   kCoreFollow, kCoreUnfollow, kDaemonStatus, kCoreTruncate};

// The params object of a request on one core, with the CoreRef's fields.
json with_core(const CoreRef& core, json fields) {
  json j = to_json(core);
  j.update(fields);
  return j;
}

}  // namespace

bool is_known_method(std::string_view method) {
  for (auto m : kMethods)
    if (m == method) return true;
  return is_peer_method(method);
}

template <>
Outcome<CoreRef> from_json<CoreRef>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  const bool has_name = member(*obj, "name"), has_key = member(*obj, "key");
  if (has_name && has_key) return invalid_field("key", "cannot be given together with \"name\"");
  if (has_key) {
    HC_PROTO_TRY(Hash32 k, get_key(*obj, "key"));
    return CoreRef::by_key(k);
  }
  if (!has_name) return invalid_field("name", "is required (or \"key\"): which core?");
  HC_PROTO_TRY(std::string n, get_name(*obj, "name"));
  return CoreRef::by_name(std::move(n));
}

json to_json(const CoreRef& v) {
  if (v.key) return json{{"key", encoding::encode_key_id(*v.key)}};
  return json{{"name", v.name}};
}

template <>
Outcome<CreateParams> from_json<CreateParams>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::string n, get_name(*obj, "name"));
  bool compat = false;
  if (member(*obj, "compat")) {
    HC_PROTO_TRY(bool c, get_bool(*obj, "compat"));
    compat = c;
  }
  return CreateParams{std::move(n), compat};
}

json to_json(const CreateParams& v) {
  json j{{"name", v.name}};
  if (v.compat) j["compat"] = true;  // only when set: other requests stay as they were
  return j;
}

template <>
Outcome<AppendParams> from_json<AppendParams>(const json& j) {
  HC_PROTO_TRY(CoreRef core, from_json<CoreRef>(j));
  HC_PROTO_TRY(BlockEncoding e, get_encoding(j));
  HC_PROTO_TRY(std::vector<Bytes> blocks, get_blocks(j, "blocks", e));
  return AppendParams{std::move(core), std::move(blocks), e};
}

Outcome<json> to_json(const AppendParams& v) {
  HC_PROTO_TRY(json blocks, put_blocks(v.blocks, "blocks", v.encoding));
  return with_core(v.core, {{"blocks", std::move(blocks)}, {"encoding", to_string(v.encoding)}});
}

template <>
Outcome<AppendResult> from_json<AppendResult>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(Hash32 key, get_key(*obj, "key"));
  HC_PROTO_TRY(std::uint64_t length, get_uint(*obj, "length"));
  HC_PROTO_TRY(bool created, get_bool(*obj, "created"));
  return AppendResult{key, length, created};
}

json to_json(const AppendResult& v) {
  return json{{"key", encoding::encode_key_id(v.key)}, {"length", v.length}, {"created", v.created}};
}

template <>
Outcome<GetParams> from_json<GetParams>(const json& j) {
  HC_PROTO_TRY(CoreRef core, from_json<CoreRef>(j));
  HC_PROTO_TRY(std::uint64_t index, get_uint(j, "index"));
  HC_PROTO_TRY(BlockEncoding e, get_encoding(j));
  return GetParams{std::move(core), index, e};
}

json to_json(const GetParams& v) {
  return with_core(v.core, {{"index", v.index}, {"encoding", to_string(v.encoding)}});
}

template <>
Outcome<GetResult> from_json<GetResult>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::uint64_t index, get_uint(*obj, "index"));
  HC_PROTO_TRY(BlockEncoding e, get_encoding(*obj));
  HC_PROTO_TRY(Bytes block, get_block(*obj, "block", e));
  return GetResult{index, std::move(block), e};
}

Outcome<json> to_json(const GetResult& v) {
  HC_PROTO_TRY(json block, encode_block(v.block, v.encoding, "block"));
  return json{{"index", v.index}, {"block", std::move(block)}, {"encoding", to_string(v.encoding)}};
}

template <>
Outcome<InfoParams> from_json<InfoParams>(const json& j) {
  HC_PROTO_TRY(CoreRef core, from_json<CoreRef>(j));
  return InfoParams{std::move(core)};
}

json to_json(const InfoParams& v) { return to_json(v.core); }

template <>
Outcome<CoreInfo> from_json<CoreInfo>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  CoreInfo info;
  HC_PROTO_TRY(info.key, get_key(*obj, "key"));
  if (member(*obj, "key_hex")) {
    HC_PROTO_TRY(Hash32 key_hex, get_hex32(*obj, "key_hex"));
    if (key_hex != info.key) return invalid_field("key_hex", "differs from \"key\"");
  }
  HC_PROTO_TRY(info.discovery_key, get_hex32(*obj, "discovery_key"));
  if (const json* n = member(*obj, "name"); n && !n->is_null()) {
    HC_PROTO_TRY(info.name, get_name(*obj, "name"));
  }
  HC_PROTO_TRY(info.length, get_uint(*obj, "length"));
  HC_PROTO_TRY(info.byte_length, get_uint(*obj, "byte_length"));
  HC_PROTO_TRY(info.fork, get_uint(*obj, "fork"));
  HC_PROTO_TRY(info.writable, get_bool(*obj, "writable"));
  HC_PROTO_TRY(info.contiguous_length, get_uint(*obj, "contiguous_length"));
  if (member(*obj, "peers")) {
    HC_PROTO_TRY(info.peers, get_uint(*obj, "peers"));
  }
  return info;
}

json to_json(const CoreInfo& v) {
  json j{{"key", encoding::encode_key_id(v.key)},
         {"key_hex", encoding::to_hex(v.key)},
         {"discovery_key", encoding::to_hex(v.discovery_key)},
         {"name", v.name ? json(*v.name) : json(nullptr)},
         {"length", v.length},
         {"byte_length", v.byte_length},
         {"fork", v.fork},
         {"writable", v.writable},
         {"contiguous_length", v.contiguous_length}};
  if (v.peers) j["peers"] = *v.peers;
  return j;
}

template <>
Outcome<ListResult> from_json<ListResult>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  const json* cores = member(*obj, "cores");
  if (!cores) return invalid_field("cores", "is required");
  if (!cores->is_array()) return invalid_field("cores", "must be an array");
  ListResult r;
  r.cores.reserve(cores->size());
  for (std::size_t i = 0; i < cores->size(); i++) {
    auto info = from_json<CoreInfo>((*cores)[i]);
    if (!info) return nested("cores[" + std::to_string(i) + "]", info.error());
    r.cores.push_back(std::move(*info));
  }
  return r;
}

json to_json(const ListResult& v) {
  json cores = json::array();
  for (const auto& c : v.cores) cores.push_back(to_json(c));
  return json{{"cores", std::move(cores)}};
}

template <>
Outcome<TailParams> from_json<TailParams>(const json& j) {
  HC_PROTO_TRY(CoreRef core, from_json<CoreRef>(j));
  HC_PROTO_TRY(std::uint64_t n, get_uint(j, "n", 10));
  HC_PROTO_TRY(BlockEncoding e, get_encoding(j));
  return TailParams{std::move(core), n, e};
}

json to_json(const TailParams& v) {
  return with_core(v.core, {{"n", v.n}, {"encoding", to_string(v.encoding)}});
}

template <>
Outcome<TailResult> from_json<TailResult>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::uint64_t start, get_uint(*obj, "start"));
  HC_PROTO_TRY(BlockEncoding e, get_encoding(*obj));
  HC_PROTO_TRY(std::vector<Bytes> blocks, get_blocks(*obj, "blocks", e));
  return TailResult{start, std::move(blocks), e};
}

Outcome<json> to_json(const TailResult& v) {
  HC_PROTO_TRY(json blocks, put_blocks(v.blocks, "blocks", v.encoding));
  return json{{"start", v.start}, {"blocks", std::move(blocks)}, {"encoding", to_string(v.encoding)}};
}

template <>
Outcome<FollowParams> from_json<FollowParams>(const json& j) {
  HC_PROTO_TRY(CoreRef core, from_json<CoreRef>(j));
  HC_PROTO_TRY(std::uint64_t start, get_uint(j, "start", 0));
  HC_PROTO_TRY(BlockEncoding e, get_encoding(j));
  return FollowParams{std::move(core), start, e};
}

json to_json(const FollowParams& v) {
  return with_core(v.core, {{"start", v.start}, {"encoding", to_string(v.encoding)}});
}

template <>
Outcome<FollowResult> from_json<FollowResult>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::uint64_t s, get_uint(*obj, "subscription"));
  return FollowResult{s};
}

json to_json(const FollowResult& v) { return json{{"subscription", v.subscription}}; }

template <>
Outcome<BlockNotification> from_json<BlockNotification>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::uint64_t s, get_uint(*obj, "subscription"));
  HC_PROTO_TRY(std::uint64_t index, get_uint(*obj, "index"));
  HC_PROTO_TRY(BlockEncoding e, get_encoding(*obj));
  HC_PROTO_TRY(Bytes block, get_block(*obj, "block", e));
  return BlockNotification{s, index, std::move(block), e};
}

Outcome<json> to_json(const BlockNotification& v) {
  HC_PROTO_TRY(json block, encode_block(v.block, v.encoding, "block"));
  return json{{"subscription", v.subscription},
              {"index", v.index},
              {"block", std::move(block)},
              {"encoding", to_string(v.encoding)}};
}

template <>
Outcome<UnfollowParams> from_json<UnfollowParams>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::uint64_t s, get_uint(*obj, "subscription"));
  return UnfollowParams{s};
}

json to_json(const UnfollowParams& v) { return json{{"subscription", v.subscription}}; }

template <>
Outcome<StatusResult> from_json<StatusResult>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::string version, get_string(*obj, "version"));
  HC_PROTO_TRY(std::uint64_t cores, get_uint(*obj, "cores"));
  HC_PROTO_TRY(std::uint64_t uptime, get_uint(*obj, "uptime_ms"));
  return StatusResult{std::move(version), cores, uptime};
}

json to_json(const StatusResult& v) {
  return json{{"version", v.version}, {"cores", v.cores}, {"uptime_ms", v.uptime_ms}};
}

}  // namespace hc::proto
