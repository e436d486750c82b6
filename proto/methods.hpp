// The methods of the control protocol: their names, typed params and results,
// and the JSON form of each. docs/control-protocol.md shows each on the wire;
// its examples are checked against the daemon (tests/daemon/protocol_doc_test.py).
//
// from_json<T>() validates every field it reads and never throws out: a
// missing or wrongly typed field is invalid_params with data {"field": ...};
// a bad key is invalid_key. Unknown fields are ignored, so newer clients can
// talk to older daemons. to_json() of a struct that holds blocks returns an
// Outcome, as a block that is not UTF-8 cannot be sent as text.
// Pure functions; the structs are plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "block_encoding.hpp"
#include "encoding/bytes.hpp"
#include "errors.hpp"

namespace hc::proto {

// Method names. Requests unless marked otherwise.
inline constexpr std::string_view kCoreCreate = "core.create";      // CreateParams -> CoreInfo
inline constexpr std::string_view kCoreAppend = "core.append";      // AppendParams -> AppendResult
inline constexpr std::string_view kCoreGet = "core.get";            // GetParams -> GetResult
inline constexpr std::string_view kCoreInfo = "core.info";          // InfoParams -> CoreInfo
inline constexpr std::string_view kCoreList = "core.list";          // {} -> ListResult
inline constexpr std::string_view kCoreTail = "core.tail";          // TailParams -> TailResult
inline constexpr std::string_view kCoreFollow = "core.follow";      // FollowParams -> FollowResult
inline constexpr std::string_view kCoreUnfollow = "core.unfollow";  // UnfollowParams -> {}
inline constexpr std::string_view kDaemonStatus = "daemon.status";  // {} -> StatusResult
// Notification from daemon to client: one per block of a follow, in order.
inline constexpr std::string_view kCoreBlock = "core.block";        // BlockNotification

// Whether `method` is one a client may call (kCoreBlock is not).
bool is_known_method(std::string_view method);

// A core, named by `name` (a local named core) or `key` (64 hex or 52
// z-base32 characters on the wire; printed as z-base32). Exactly one is set.
// JSON: {"name": "chat"} or {"key": "..."}, merged into the params object.
struct CoreRef {
  std::string name;
  std::optional<Hash32> key;

  static CoreRef by_name(std::string n) { return {std::move(n), std::nullopt}; }
  static CoreRef by_key(const Hash32& k) { return {{}, k}; }
  friend bool operator==(const CoreRef&, const CoreRef&) = default;
};

// Names are non-empty and at most this many bytes of UTF-8.
inline constexpr std::size_t kMaxNameBytes = 1024;

struct CreateParams {  // {"name", "compat"? (default false)}
  std::string name;
  bool compat = false;  // key = public key (Hypercore 10 style), not the manifest hash
  friend bool operator==(const CreateParams&, const CreateParams&) = default;
};

struct AppendParams {  // {name|key, "blocks": [string...], "encoding"?}
  CoreRef core;
  std::vector<Bytes> blocks;
  BlockEncoding encoding = BlockEncoding::utf8;
  friend bool operator==(const AppendParams&, const AppendParams&) = default;
};

struct AppendResult {  // {"key": z32, "length", "created"}
  Hash32 key{};
  std::uint64_t length = 0;  // the core's length after the append
  bool created = false;      // the append created the named core
  friend bool operator==(const AppendResult&, const AppendResult&) = default;
};

struct GetParams {  // {name|key, "index", "encoding"?}
  CoreRef core;
  std::uint64_t index = 0;
  BlockEncoding encoding = BlockEncoding::utf8;
  friend bool operator==(const GetParams&, const GetParams&) = default;
};

struct GetResult {  // {"index", "block", "encoding"}
  std::uint64_t index = 0;
  Bytes block;
  BlockEncoding encoding = BlockEncoding::utf8;
  friend bool operator==(const GetResult&, const GetResult&) = default;
};

struct InfoParams {  // {name|key}
  CoreRef core;
  friend bool operator==(const InfoParams&, const InfoParams&) = default;
};

// {"key": z32, "key_hex", "discovery_key": hex, "name": string|null, "length",
//  "byte_length", "fork", "writable", "contiguous_length", "peers"?}
struct CoreInfo {
  Hash32 key{};
  Hash32 discovery_key{};
  std::optional<std::string> name;  // null for cores not created by name here
  std::uint64_t length = 0;
  std::uint64_t byte_length = 0;
  std::uint64_t fork = 0;
  bool writable = false;
  std::uint64_t contiguous_length = 0;
  // Peer connections replicating it; in core.info and core.seed answers only.
  std::optional<std::uint64_t> peers;
  friend bool operator==(const CoreInfo&, const CoreInfo&) = default;
};

struct ListResult {  // {"cores": [CoreInfo...]}
  std::vector<CoreInfo> cores;
  friend bool operator==(const ListResult&, const ListResult&) = default;
};

struct TailParams {  // {name|key, "n"? (default 10), "encoding"?}
  CoreRef core;
  std::uint64_t n = 10;
  BlockEncoding encoding = BlockEncoding::utf8;
  friend bool operator==(const TailParams&, const TailParams&) = default;
};

struct TailResult {  // {"start", "blocks": [...], "encoding"}: blocks start..start+size-1
  std::uint64_t start = 0;
  std::vector<Bytes> blocks;
  BlockEncoding encoding = BlockEncoding::utf8;
  friend bool operator==(const TailResult&, const TailResult&) = default;
};

struct FollowParams {  // {name|key, "start"? (default 0), "encoding"?}
  CoreRef core;
  std::uint64_t start = 0;
  BlockEncoding encoding = BlockEncoding::utf8;
  friend bool operator==(const FollowParams&, const FollowParams&) = default;
};

struct FollowResult {  // {"subscription"}
  std::uint64_t subscription = 0;
  friend bool operator==(const FollowResult&, const FollowResult&) = default;
};

// Params of a kCoreBlock notification: {"subscription", "index", "block", "encoding"}.
struct BlockNotification {
  std::uint64_t subscription = 0;
  std::uint64_t index = 0;
  Bytes block;
  BlockEncoding encoding = BlockEncoding::utf8;
  friend bool operator==(const BlockNotification&, const BlockNotification&) = default;
};

struct UnfollowParams {  // {"subscription"}; the result is {}
  std::uint64_t subscription = 0;
  friend bool operator==(const UnfollowParams&, const UnfollowParams&) = default;
};

struct StatusResult {  // {"version", "cores", "uptime_ms"}
  std::string version;
  std::uint64_t cores = 0;
  std::uint64_t uptime_ms = 0;
  friend bool operator==(const StatusResult&, const StatusResult&) = default;
};

// Reads T from a params or result object. Defined for every struct above.
template <class T>
Outcome<T> from_json(const nlohmann::json& j);

template <> Outcome<CoreRef> from_json<CoreRef>(const nlohmann::json& j);
template <> Outcome<CreateParams> from_json<CreateParams>(const nlohmann::json& j);
template <> Outcome<AppendParams> from_json<AppendParams>(const nlohmann::json& j);
template <> Outcome<AppendResult> from_json<AppendResult>(const nlohmann::json& j);
template <> Outcome<GetParams> from_json<GetParams>(const nlohmann::json& j);
template <> Outcome<GetResult> from_json<GetResult>(const nlohmann::json& j);
template <> Outcome<InfoParams> from_json<InfoParams>(const nlohmann::json& j);
template <> Outcome<CoreInfo> from_json<CoreInfo>(const nlohmann::json& j);
template <> Outcome<ListResult> from_json<ListResult>(const nlohmann::json& j);
template <> Outcome<TailParams> from_json<TailParams>(const nlohmann::json& j);
template <> Outcome<TailResult> from_json<TailResult>(const nlohmann::json& j);
template <> Outcome<FollowParams> from_json<FollowParams>(const nlohmann::json& j);
template <> Outcome<FollowResult> from_json<FollowResult>(const nlohmann::json& j);
template <> Outcome<BlockNotification> from_json<BlockNotification>(const nlohmann::json& j);
template <> Outcome<UnfollowParams> from_json<UnfollowParams>(const nlohmann::json& j);
template <> Outcome<StatusResult> from_json<StatusResult>(const nlohmann::json& j);

nlohmann::json to_json(const CoreRef& v);
nlohmann::json to_json(const CreateParams& v);
Outcome<nlohmann::json> to_json(const AppendParams& v);
nlohmann::json to_json(const AppendResult& v);
nlohmann::json to_json(const GetParams& v);
Outcome<nlohmann::json> to_json(const GetResult& v);
nlohmann::json to_json(const InfoParams& v);
nlohmann::json to_json(const CoreInfo& v);
nlohmann::json to_json(const ListResult& v);
nlohmann::json to_json(const TailParams& v);
Outcome<nlohmann::json> to_json(const TailResult& v);
nlohmann::json to_json(const FollowParams& v);
nlohmann::json to_json(const FollowResult& v);
Outcome<nlohmann::json> to_json(const BlockNotification& v);
nlohmann::json to_json(const UnfollowParams& v);
nlohmann::json to_json(const StatusResult& v);

}  // namespace hc::proto
