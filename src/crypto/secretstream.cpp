#include "secretstream.hpp"

#include <sodium.h>

#include <cassert>

#include "crypto/errors.hpp"
#include "sodium_init.hpp"

namespace hc::crypto {
namespace {

using SodiumState = crypto_secretstream_xchacha20poly1305_state;
static_assert(sizeof(SecretStreamState) >= sizeof(SodiumState));
static_assert(alignof(SecretStreamState) >= alignof(SodiumState));
static_assert(kSecretStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kSecretStreamABytes == crypto_secretstream_xchacha20poly1305_ABYTES);
static_assert(kSecretStreamTagMessage == crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
static_assert(kSecretStreamTagFinal == crypto_secretstream_xchacha20poly1305_TAG_FINAL);

SodiumState* native(SecretStreamState& s) { return reinterpret_cast<SodiumState*>(s.bytes.data()); }

}  // namespace

SecretStreamPush::SecretStreamPush(const Hash32& key) {
  ensure_sodium();
  crypto_secretstream_xchacha20poly1305_init_push(native(state_), header_.data(), key.data());
}

SecretStreamPush::~SecretStreamPush() { sodium_memzero(state_.bytes.data(), state_.bytes.size()); }

Bytes SecretStreamPush::push(ByteView plaintext) {
  Bytes out(plaintext.size() + kSecretStreamABytes);
  push_into(plaintext, out);
  return out;
}

void SecretStreamPush::push_into(ByteView plaintext, std::span<std::uint8_t> out) {
  assert(out.size() == plaintext.size() + kSecretStreamABytes);
  crypto_secretstream_xchacha20poly1305_push(native(state_), out.data(), nullptr, plaintext.data(),
                                             plaintext.size(), nullptr, 0,
                                             crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

Result<SecretStreamPull> SecretStreamPull::open(ByteView header, const Hash32& key) {
  ensure_sodium();
  if (header.size() != kSecretStreamHeaderBytes) return Errc::invalid_header;
  SecretStreamPull p;
  if (crypto_secretstream_xchacha20poly1305_init_pull(native(p.state_), header.data(),
                                                      key.data()) != 0) {
    return Errc::invalid_header;
  }
  return p;
}

SecretStreamPull::~SecretStreamPull() { sodium_memzero(state_.bytes.data(), state_.bytes.size()); }

SecretStreamPull::SecretStreamPull(SecretStreamPull&& other) noexcept
    : state_(other.state_), last_tag_(other.last_tag_) {}

Result<Bytes> SecretStreamPull::pull(ByteView ciphertext) {
  if (ciphertext.size() < kSecretStreamABytes) return Errc::decrypt_failed;
  Bytes out(ciphertext.size() - kSecretStreamABytes);
  // libsodium leaves the state untouched when authentication fails.
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(native(state_), out.data(), nullptr, &tag,
                                                 ciphertext.data(), ciphertext.size(), nullptr,
                                                 0) != 0) {
    return Errc::decrypt_failed;
  }
  last_tag_ = tag;
  return out;
}

}  // namespace hc::crypto
