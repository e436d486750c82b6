// UTF-8 validation for blocks sent or served as text (RFC 3629).
//
// Valid: well-formed sequences of U+0000..U+10FFFF. Invalid: stray
// continuation bytes, overlong forms (C0, C1, E0 80..9F, F0 80..8F), UTF-16
// surrogates (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF) and
// sequences cut short. Pure function.
#pragma once

#include <string_view>

namespace hc::proto {

bool is_valid_utf8(std::string_view s);

}  // namespace hc::proto
