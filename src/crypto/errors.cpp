#include "errors.hpp"

#include <string>

namespace hc::crypto {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "crypto"; }
  std::string message(int c) const override {
    switch (static_cast<Errc>(c)) {
      case Errc::handshake_failed: return "Noise handshake failed";
      case Errc::handshake_state: return "Noise handshake step out of turn";
      case Errc::message_too_large: return "Noise message exceeds 65535 bytes";
      case Errc::invalid_header: return "secretstream header is not 24 bytes";
      case Errc::decrypt_failed: return "secretstream message failed to decrypt";
    }
    return "unknown crypto error";
  }
};

}  // namespace

const std::error_category& category() {
  static const Category c;
  return c;
}

}  // namespace hc::crypto
