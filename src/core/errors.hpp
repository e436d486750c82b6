// Error codes of the core layer, named like hypercore-errors.
#pragma once

#include <system_error>

namespace hc::core {

enum class Errc {
  bad_argument = 1,      // a caller passed something invalid (BAD_ARGUMENT)
  invalid_operation,     // a request or proof refers to nodes that do not fit (INVALID_OPERATION)
  invalid_proof,         // a proof that does not verify (INVALID_PROOF)
  invalid_checksum,      // a proof whose root differs from the stored node (INVALID_CHECKSUM)
  invalid_signature,     // a signature that does not verify (INVALID_SIGNATURE)
  invalid_manifest,      // a manifest that does not belong to the core key
  unknown_manifest_type, // a manifest that uses a hash or signature we do not know
  block_not_available,   // the block is not stored locally (BLOCK_NOT_AVAILABLE)
  session_not_writable,  // append/truncate on a core without its secret key (SESSION_NOT_WRITABLE)
  fork_mismatch,         // data for another fork than ours
  storage_corrupt,       // storage returned something that contradicts the core's header
  core_exists,           // creating a core whose key or name is already stored
  core_not_found,
};

const std::error_category& category();
inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), category()}; }

}  // namespace hc::core

template <>
struct std::is_error_code_enum<hc::core::Errc> : std::true_type {};
