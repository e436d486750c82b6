// The field readers and writers every param and result type of the control
// protocol uses (methods.cpp, peer_methods.cpp): each checks the JSON type and
// range and names the field in its error, so that from_json never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "block_encoding.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"
#include "errors.hpp"

// Like HC_TRY, for Outcome: binds the value or returns the Error.
#define HC_PROTO_TRY(decl, expr)                                                \
  auto HC_CONCAT(hc_proto_try_, __LINE__) = (expr);                             \
  if (!HC_CONCAT(hc_proto_try_, __LINE__))                                      \
    return HC_CONCAT(hc_proto_try_, __LINE__).error();                          \
  decl = std::move(*HC_CONCAT(hc_proto_try_, __LINE__))

namespace hc::proto::fields {

const nlohmann::json* member(const nlohmann::json& obj, std::string_view key);
Outcome<const nlohmann::json*> require_object(const nlohmann::json& j);
// Every getter: a missing field is "is required" unless a fallback is given.
Outcome<std::uint64_t> get_uint(const nlohmann::json& obj, std::string_view key,
                                std::optional<std::uint64_t> fallback = std::nullopt);
Outcome<bool> get_bool(const nlohmann::json& obj, std::string_view key);
Outcome<std::string> get_string(const nlohmann::json& obj, std::string_view key);
// Non-empty UTF-8 of at most kMaxNameBytes.
Outcome<std::string> get_name(const nlohmann::json& obj, std::string_view key);
// A key in hex or z-base32 (what hypercore-id-encoding accepts).
Outcome<Hash32> get_key(const nlohmann::json& obj, std::string_view key);
// Exactly 64 hex characters (discovery keys are always printed in hex).
Outcome<Hash32> get_hex32(const nlohmann::json& obj, std::string_view key);
Outcome<BlockEncoding> get_encoding(const nlohmann::json& obj);
Outcome<Bytes> get_block(const nlohmann::json& obj, std::string_view key, BlockEncoding e);
Outcome<std::vector<Bytes>> get_blocks(const nlohmann::json& obj, std::string_view key,
                                       BlockEncoding e);
Outcome<nlohmann::json> put_blocks(const std::vector<Bytes>& blocks, std::string_view key,
                                   BlockEncoding e);
// An error from inside element `prefix`: its field becomes "<prefix>.<field>".
Error nested(const std::string& prefix, const Error& inner);

}  // namespace hc::proto::fields
