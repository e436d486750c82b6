#include "block_encoding.hpp"

#include <sodium.h>

#include "utf8.hpp"

namespace hc::proto {

std::string_view to_string(BlockEncoding e) {
  return e == BlockEncoding::base64 ? "base64" : "utf8";
}

Outcome<BlockEncoding> parse_block_encoding(const nlohmann::json& j, std::string_view field) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "utf8" || s == "utf-8") return BlockEncoding::utf8;
    if (s == "base64") return BlockEncoding::base64;
  }
  return invalid_field(field, "must be \"utf8\" or \"base64\"");
}

std::string to_base64(ByteView b) {
  const std::size_t cap = sodium_base64_ENCODED_LEN(b.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string s(cap, '\0');
  sodium_bin2base64(s.data(), cap, b.data(), b.size(), sodium_base64_VARIANT_ORIGINAL);
  s.resize(cap - 1);  // cap counts the terminating NUL
  return s;
}

Outcome<Bytes> from_base64(std::string_view s, std::string_view field) {
  Bytes out(s.size() / 4 * 3 + 3);
  std::size_t len = 0;
  // b64_end == nullptr: any character outside the alphabet is an error.
  if (sodium_base642bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return invalid_field(field, "is not valid base64 (standard alphabet, with padding)");
  out.resize(len);
  return out;
}

std::size_t encoded_size_bound(ByteView block, BlockEncoding e) {
  if (e == BlockEncoding::base64) return (block.size() + 2) / 3 * 4 + 2;
  // JSON escapes '"' and '\\' with two characters and control characters
  // with at most six (\u00XX).
  std::size_t n = block.size() + 2;
  for (std::uint8_t b : block) {
    if (b < 0x20) n += 5;
    else if (b == '"' || b == '\\') n += 1;
  }
  return n;
}

Outcome<nlohmann::json> encode_block(ByteView block, BlockEncoding e, std::string_view field) {
  if (e == BlockEncoding::base64) return nlohmann::json(to_base64(block));
  if (!is_valid_utf8(as_chars(block)))
    return invalid_field(field, "is not valid UTF-8 text: ask for it with \"encoding\":\"base64\"");
  return nlohmann::json(std::string(as_chars(block)));
}

Outcome<Bytes> decode_block(const nlohmann::json& j, BlockEncoding e, std::string_view field) {
  if (!j.is_string()) return invalid_field(field, "must be a string");
  const auto& s = j.get_ref<const std::string&>();
  if (e == BlockEncoding::base64) return from_base64(s, field);
  if (!is_valid_utf8(s))
    return invalid_field(field, "is not valid UTF-8: send binary blocks with \"encoding\":\"base64\"");
  return to_bytes(as_bytes(s));
}

}  // namespace hc::proto
