// How blocks travel in the control protocol: as UTF-8 text (the default) or
// as base64 (RFC 4648, standard alphabet, with padding), chosen per request
// with "encoding": "utf8" | "base64".
//
// Text is the convenient form for chat-like logs; base64 is binary-safe. A
// block that is not valid UTF-8 cannot be sent or served as text: the caller
// gets invalid_params and should ask again with base64. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "encoding/bytes.hpp"
#include "errors.hpp"

namespace hc::proto {

enum class BlockEncoding { utf8, base64 };

std::string_view to_string(BlockEncoding e);

// `field` names the value in errors. Accepts "utf8", "utf-8" and "base64".
Outcome<BlockEncoding> parse_block_encoding(const nlohmann::json& j, std::string_view field);

// A JSON string holding the block. Errors: invalid_params naming `field` when
// utf8 is asked for a block that is not valid UTF-8.
Outcome<nlohmann::json> encode_block(ByteView block, BlockEncoding e, std::string_view field);

// The bytes of a block given as a JSON string. Errors: invalid_params naming
// `field` for a non-string, invalid UTF-8 or invalid base64.
Outcome<Bytes> decode_block(const nlohmann::json& j, BlockEncoding e, std::string_view field);

// At least as many bytes as encode_block's string takes in a serialized
// message, quotes and escapes included, without encoding it.
std::size_t encoded_size_bound(ByteView block, BlockEncoding e);

std::string to_base64(ByteView b);
// Strict: standard alphabet, padding required, no whitespace.
Outcome<Bytes> from_base64(std::string_view s, std::string_view field);

}  // namespace hc::proto
