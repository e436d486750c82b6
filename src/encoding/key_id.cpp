#include "key_id.hpp"

#include <algorithm>

#include "errors.hpp"

namespace hc::encoding {
namespace {

constexpr std::string_view kZ32Alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";
constexpr std::string_view kHexDigits = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string to_hex(ByteView b) {
  std::string s;
  s.reserve(b.size() * 2);
  for (auto byte : b) {
    s.push_back(kHexDigits[byte >> 4]);
    s.push_back(kHexDigits[byte & 15]);
  }
  return s;
}

Result<Bytes> from_hex(std::string_view s) {
  if (s.size() % 2 != 0) return Errc::invalid_hex;
  Bytes out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); i++) {
    int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return Errc::invalid_hex;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string to_z32(ByteView b) {
  std::string s;
  s.reserve((b.size() * 8 + 4) / 5);
  std::uint32_t acc = 0;
  int bits = 0;
  for (auto byte : b) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      s.push_back(kZ32Alphabet[(acc >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) s.push_back(kZ32Alphabet[(acc << (5 - bits)) & 31]);
  return s;
}

Result<Bytes> from_z32(std::string_view s) {
  Bytes out;
  out.reserve(s.size() * 5 / 8);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    auto pos = kZ32Alphabet.find(c);
    if (pos == std::string_view::npos) return Errc::invalid_z32;
    acc = (acc << 5) | static_cast<std::uint32_t>(pos);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(acc >> (bits - 8)));
      bits -= 8;
    }
    acc &= (1u << bits) - 1;
  }
  return out;
}

Result<Hash32> decode_key_id(std::string_view id) {
  constexpr std::string_view kPear = "pear://";
  if (id.starts_with(kPear)) {
    id.remove_prefix(kPear.size());
    id = id.substr(0, id.find('/'));
  }
  Result<Bytes> bytes = Errc::invalid_key_id;
  if (id.size() == 52) {
    bytes = from_z32(id);
  } else if (id.size() == 64) {
    bytes = from_hex(id);
  }
  if (!bytes || bytes->size() != 32) return Errc::invalid_key_id;
  Hash32 key;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

}  // namespace hc::encoding
