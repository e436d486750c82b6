#include "errors.hpp"

#include <string>

namespace hc::core {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "core"; }
  std::string message(int c) const override {
    switch (static_cast<Errc>(c)) {
      case Errc::bad_argument: return "bad argument";
      case Errc::invalid_operation: return "invalid operation";
      case Errc::invalid_proof: return "invalid proof";
      case Errc::invalid_checksum: return "invalid checksum: proof does not match the stored tree";
      case Errc::invalid_signature: return "invalid signature";
      case Errc::invalid_manifest: return "manifest does not match the core key";
      case Errc::unknown_manifest_type: return "manifest uses an unknown hash or signature type";
      case Errc::block_not_available: return "block not available";
      case Errc::session_not_writable: return "core is not writable";
      case Errc::fork_mismatch: return "data is for another fork";
      case Errc::storage_corrupt: return "storage is inconsistent with the core header";
      case Errc::core_exists: return "core already exists";
      case Errc::core_not_found: return "core not found";
    }
    return "unknown core error";
  }
};

}  // namespace

const std::error_category& category() {
  static const Category c;
  return c;
}

}  // namespace hc::core
