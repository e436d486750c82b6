// Error codes of the crypto layer: Noise handshakes and secretstream
// decryption that fail on what a peer sent (noise-handshake@4.2.0 throws,
// sodium-secretstream@1.2.0 throws; here they are values).
#pragma once

#include <system_error>

namespace hc::crypto {

enum class Errc {
  handshake_failed = 1,  // a Noise message that is short, forged or carries a bad key
  handshake_state,       // a Noise step called out of turn, or after completion/failure
  message_too_large,     // a Noise payload ciphertext above 65535 bytes
  invalid_header,        // a secretstream header that is not 24 bytes
  decrypt_failed,        // a secretstream message that is short or forged
};

const std::error_category& category();
inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), category()}; }

}  // namespace hc::crypto

template <>
struct std::is_error_code_enum<hc::crypto::Errc> : std::true_type {};
