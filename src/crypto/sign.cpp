#include "sign.hpp"

#include <sodium.h>

#include "sodium_init.hpp"

namespace hc::crypto {

KeyPair key_pair_from_seed(const Hash32& seed) {
  ensure_sodium();
  KeyPair kp;
  crypto_sign_seed_keypair(kp.public_key.data(), kp.secret_key.data(), seed.data());
  return kp;
}

KeyPair random_key_pair() {
  ensure_sodium();
  KeyPair kp;
  crypto_sign_keypair(kp.public_key.data(), kp.secret_key.data());
  return kp;
}

bool validate_key_pair(const KeyPair& kp) {
  Hash32 pk;
  crypto_sign_ed25519_sk_to_pk(pk.data(), kp.secret_key.data());
  return pk == kp.public_key;
}

Signature64 sign(ByteView message, const SecretKey& secret_key) {
  ensure_sodium();
  Signature64 sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_key.data());
  return sig;
}

bool verify(ByteView message, ByteView signature, ByteView public_key) {
  ensure_sodium();
  if (signature.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return false;
  }
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

void random_bytes(std::span<std::uint8_t> out) {
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

}  // namespace hc::crypto
