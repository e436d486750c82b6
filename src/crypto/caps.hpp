// Hypercore's capability namespaces and signables, as hypercore@11.37.1 lib/caps.js.
//
// [TREE, REPLICATE_INITIATOR, REPLICATE_RESPONDER, MANIFEST, DEFAULT_NAMESPACE,
//  DEFAULT_ENCRYPTION] = namespace("hypercore", 6). Computed once, on first use.
#pragma once

#include <array>

#include "encoding/bytes.hpp"

namespace hc::crypto::caps {

const Hash32& tree();
const Hash32& replicate_initiator();
const Hash32& replicate_responder();
const Hash32& manifest();
const Hash32& default_namespace();
const Hash32& default_encryption();

// 112 bytes: TREE ‖ manifest_hash ‖ tree_hash ‖ u64le(length) ‖ u64le(fork)
std::array<std::uint8_t, 112> tree_signable(const Hash32& manifest_hash, const Hash32& tree_hash,
                                            std::uint64_t length, std::uint64_t fork);
// 80 bytes: TREE ‖ tree_hash ‖ u64le(length) ‖ u64le(fork) (compat cores, key = public key)
std::array<std::uint8_t, 80> tree_signable_compat(const Hash32& tree_hash, std::uint64_t length,
                                                  std::uint64_t fork);

// The channel capability: keyed H((initiator ? REPLICATE_INITIATOR : REPLICATE_RESPONDER) ‖ key)
// with the 64-byte Noise handshake hash as the key.
Hash32 replicate(bool is_initiator, const Hash32& key, ByteView handshake_hash);

}  // namespace hc::crypto::caps
