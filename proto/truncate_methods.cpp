#include "truncate_methods.hpp"

#include "json_fields.hpp"

namespace hc::proto {

using nlohmann::json;
using namespace fields;

template <>
Outcome<TruncateParams> from_json<TruncateParams>(const json& j) {
  HC_PROTO_TRY(CoreRef core, from_json<CoreRef>(j));
  HC_PROTO_TRY(std::uint64_t length, get_uint(j, "length"));
  return TruncateParams{std::move(core), length};
}

json to_json(const TruncateParams& v) {
  json j = to_json(v.core);
  j["length"] = v.length;
  return j;
}

template <>
Outcome<TruncateNotification> from_json<TruncateNotification>(const json& j) {
  HC_PROTO_TRY(auto obj, require_object(j));
  HC_PROTO_TRY(std::uint64_t s, get_uint(*obj, "subscription"));
  HC_PROTO_TRY(std::uint64_t length, get_uint(*obj, "length"));
  HC_PROTO_TRY(std::uint64_t fork, get_uint(*obj, "fork"));
  return TruncateNotification{s, length, fork};
}

json to_json(const TruncateNotification& v) {
  return json{{"subscription", v.subscription}, {"length", v.length}, {"fork", v.fork}};
}

}  // namespace hc::proto
