// Printable key ids: hex and z-base32, as hypercore-id-encoding@1.3.0 and z32@1.1.0.
//
// A core's `id` is z32(key): 52 lowercase characters. decode_key_id() accepts
// what Node's hypercore-id-encoding decode() accepts: 64 hex characters, 52
// z-base32 characters, or either behind a "pear://" prefix.
#pragma once

#include <string>
#include <string_view>

#include "bytes.hpp"
#include "errors.hpp"
#include "result.hpp"

namespace hc::encoding {

std::string to_hex(ByteView b);
Result<Bytes> from_hex(std::string_view s);

std::string to_z32(ByteView b);
Result<Bytes> from_z32(std::string_view s);

// z-base32 of a 32-byte key.
inline std::string encode_key_id(const Hash32& key) { return to_z32(key); }
// A 32-byte key from 64 hex or 52 z-base32 characters (optionally "pear://...").
Result<Hash32> decode_key_id(std::string_view id);

}  // namespace hc::encoding
