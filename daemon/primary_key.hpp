// The primary key from which named writable cores get their key pairs, the
// Corestore way: 32 raw bytes in <data dir>/primary-key, mode 0600, made on
// first start.
#pragma once

#include <filesystem>
#include <string>

#include "crypto/sign.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::daemon {

// Reads the key, or creates it when the file does not exist. A file of the
// wrong size is an error: it is never replaced.
Result<Hash32> load_or_create_primary_key(const std::filesystem::path& file);

// The daemon's static Noise key pair on replication connections, derived from
// the primary key so that peers see the same public key after a restart.
crypto::KeyPair peer_key_pair(const Hash32& primary_key);

}  // namespace hc::daemon
