// The primary key from which named writable cores get their key pairs, the
// Corestore way: 32 raw bytes in <data dir>/primary-key, mode 0600, made on
// first start.
#pragma once

#include <filesystem>
#include <string>

#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::daemon {

// Reads the key, or creates it when the file does not exist. A file of the
// wrong size is an error: it is never replaced.
Result<Hash32> load_or_create_primary_key(const std::filesystem::path& file);

}  // namespace hc::daemon
