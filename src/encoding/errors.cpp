#include "errors.hpp"

#include <string>

namespace hc::encoding {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "encoding"; }
  std::string message(int c) const override {
    switch (static_cast<Errc>(c)) {
      case Errc::out_of_bounds: return "out of bounds: the input ends too early";
      case Errc::uint_too_large: return "uint above 2^53-1";
      case Errc::array_too_big: return "array is too big";
      case Errc::trailing_bytes: return "unexpected bytes after the end of the message";
      case Errc::invalid_value: return "invalid field value";
      case Errc::invalid_key_id: return "invalid key: expected 64 hex or 52 z-base32 characters";
      case Errc::invalid_hex: return "invalid hex string";
      case Errc::invalid_z32: return "invalid z-base32 string";
    }
    return "unknown encoding error";
  }
};

}  // namespace

const std::error_category& category() {
  static const Category c;
  return c;
}

}  // namespace hc::encoding
