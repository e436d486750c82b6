// The control protocol's fork methods: truncating a local writable core, and
// the notification a follow gets when its core moves to a new fork (a local
// truncate, or a peer's reorg: hypercore's 'truncate' event). Same
// conventions as methods.hpp: typed params, from_json that never throws.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "methods.hpp"

namespace hc::proto {

inline constexpr std::string_view kCoreTruncate = "core.truncate";  // TruncateParams -> CoreInfo
// Notification from daemon to client: a followed core was truncated to
// `length` and is now at `fork`; blocks from `length` on follow (from the
// new fork), so a block index may come again.
inline constexpr std::string_view kCoreTruncated = "core.truncated";  // TruncateNotification

struct TruncateParams {  // {name|key, "length"}
  CoreRef core;
  std::uint64_t length = 0;
  friend bool operator==(const TruncateParams&, const TruncateParams&) = default;
};

struct TruncateNotification {  // {"subscription", "length", "fork"}
  std::uint64_t subscription = 0;
  std::uint64_t length = 0;
  std::uint64_t fork = 0;
  friend bool operator==(const TruncateNotification&, const TruncateNotification&) = default;
};

template <> Outcome<TruncateParams> from_json<TruncateParams>(const nlohmann::json& j);
template <>
Outcome<TruncateNotification> from_json<TruncateNotification>(const nlohmann::json& j);
nlohmann::json to_json(const TruncateParams& v);
nlohmann::json to_json(const TruncateNotification& v);

}  // namespace hc::proto
