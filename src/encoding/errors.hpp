// Error codes of the encoding layer: malformed bytes and bad key ids.
#pragma once

#include <system_error>

namespace hc::encoding {

enum class Errc {
  out_of_bounds = 1,   // a read past the end of the input
  uint_too_large,      // a compact uint above 2^53-1 (JS numbers)
  array_too_big,       // an array count above 0x100000
  trailing_bytes,      // input left over after a complete message
  invalid_value,       // a field holds a value its type does not allow
  invalid_key_id,      // a key id that is neither 64 hex nor 52 z-base32 chars
  invalid_hex,
  invalid_z32,
};

const std::error_category& category();
inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), category()}; }

}  // namespace hc::encoding

template <>
struct std::is_error_code_enum<hc::encoding::Errc> : std::true_type {};
