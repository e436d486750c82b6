#include "json_fields.hpp"

#include <algorithm>

#include "encoding/key_id.hpp"
#include "methods.hpp"
#include "utf8.hpp"

namespace hc::proto::fields {

const nlohmann::json* member(const nlohmann::json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

Outcome<const nlohmann::json*> require_object(const nlohmann::json& j) {
  if (!j.is_object()) return invalid_field("params", "must be an object");
  return &j;
}

// Every getter: a missing field is "is required" unless a fallback is given.
Outcome<std::uint64_t> get_uint(const nlohmann::json& obj, std::string_view key,
                                std::optional<std::uint64_t> fallback) {
  const nlohmann::json* v = member(obj, key);
  if (!v) {
    if (fallback) return *fallback;
    return invalid_field(key, "is required");
  }
  if (v->is_number_unsigned()) return v->get<std::uint64_t>();
  if (v->is_number_integer() && v->get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(v->get<std::int64_t>());
  return invalid_field(key, "must be a non-negative integer");
}

Outcome<bool> get_bool(const nlohmann::json& obj, std::string_view key) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return invalid_field(key, "is required");
  if (!v->is_boolean()) return invalid_field(key, "must be true or false");
  return v->get<bool>();
}

Outcome<std::string> get_string(const nlohmann::json& obj, std::string_view key) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return invalid_field(key, "is required");
  if (!v->is_string()) return invalid_field(key, "must be a string");
  return v->get<std::string>();
}

Outcome<std::string> get_name(const nlohmann::json& obj, std::string_view key) {
  HC_PROTO_TRY(std::string name, get_string(obj, key));
  if (name.empty()) return invalid_field(key, "must not be empty");
  if (name.size() > kMaxNameBytes) return invalid_field(key, "is longer than 1024 bytes");
  if (!is_valid_utf8(name)) return invalid_field(key, "is not valid UTF-8");
  return name;
}

// A key in hex or z-base32 (what hypercore-id-encoding accepts).
Outcome<Hash32> get_key(const nlohmann::json& obj, std::string_view key) {
  HC_PROTO_TRY(std::string s, get_string(obj, key));
  auto k = encoding::decode_key_id(s);
  if (!k)
    return invalid_field(key, "is not a key: expected 64 hex or 52 z-base32 characters",
                         Errc::invalid_key);
  return *k;
}

// Exactly 64 hex characters (discovery keys are always printed in hex).
Outcome<Hash32> get_hex32(const nlohmann::json& obj, std::string_view key) {
  HC_PROTO_TRY(std::string s, get_string(obj, key));
  auto b = encoding::from_hex(s);
  if (!b || b->size() != 32) return invalid_field(key, "must be 64 hex characters");
  Hash32 h;
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

Outcome<BlockEncoding> get_encoding(const nlohmann::json& obj) {
  const nlohmann::json* v = member(obj, "encoding");
  if (!v) return BlockEncoding::utf8;
  return parse_block_encoding(*v, "encoding");
}

Outcome<Bytes> get_block(const nlohmann::json& obj, std::string_view key, BlockEncoding e) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return invalid_field(key, "is required");
  return decode_block(*v, e, key);
}

Outcome<std::vector<Bytes>> get_blocks(const nlohmann::json& obj, std::string_view key, BlockEncoding e) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return invalid_field(key, "is required");
  if (!v->is_array()) return invalid_field(key, "must be an array of strings");
  std::vector<Bytes> blocks;
  blocks.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); i++) {
    std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    HC_PROTO_TRY(Bytes b, decode_block((*v)[i], e, field));
    blocks.push_back(std::move(b));
  }
  return blocks;
}

Outcome<nlohmann::json> put_blocks(const std::vector<Bytes>& blocks, std::string_view key, BlockEncoding e) {
  nlohmann::json arr = nlohmann::json::array();
  for (std::size_t i = 0; i < blocks.size(); i++) {
    std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    HC_PROTO_TRY(nlohmann::json b, encode_block(blocks[i], e, field));
    arr.push_back(std::move(b));
  }
  return arr;
}

// An error from inside element `prefix`: its field becomes "<prefix>.<field>".
Error nested(const std::string& prefix, const Error& inner) {
  const nlohmann::json* f = inner.data.is_object() ? member(inner.data, "field") : nullptr;
  if (!f || !f->is_string() || *f == "params")
    return Error(inner.code, prefix + ": " + inner.message, nlohmann::json{{"field", prefix}});
  const std::string quoted = "\"" + f->get<std::string>() + "\"";
  std::string field = prefix + "." + f->get<std::string>();
  std::string message = inner.message;
  if (message.starts_with(quoted)) message.replace(0, quoted.size(), "\"" + field + "\"");
  return Error(inner.code, std::move(message), nlohmann::json{{"field", field}});
}

}  // namespace hc::proto::fields
