// Ed25519 keys, signatures and verification, as hypercore-crypto@3.7.0 keyPair,
// sign and verify (libsodium crypto_sign_*; deterministic signatures).
#pragma once

#include <array>

#include "encoding/bytes.hpp"

namespace hc::crypto {

using SecretKey = std::array<std::uint8_t, 64>;  // libsodium's seed ‖ public key

struct KeyPair {
  Hash32 public_key{};
  SecretKey secret_key{};
};

KeyPair key_pair_from_seed(const Hash32& seed);
KeyPair random_key_pair();
// True when secret_key belongs to public_key (hypercore-crypto validateKeyPair).
bool validate_key_pair(const KeyPair& kp);

Signature64 sign(ByteView message, const SecretKey& secret_key);
// False unless signature is 64 bytes and public_key 32 bytes and the signature holds.
bool verify(ByteView message, ByteView signature, ByteView public_key);

void random_bytes(std::span<std::uint8_t> out);

}  // namespace hc::crypto
