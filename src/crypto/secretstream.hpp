// libsodium crypto_secretstream_xchacha20poly1305, as sodium-secretstream@1.2.0
// Push / Pull wrap it for @hyperswarm/secret-stream (docs/protocol/hypercore.md
// §5.4, §11.7): each message is push(plaintext, ad = none, TAG_MESSAGE), so
// a ciphertext is 1 encrypted tag byte ‖ ciphertext ‖ 16-byte MAC
// (kSecretStreamABytes = 17 bytes longer than its plaintext). Rekeying is
// libsodium's own.
//
// Each object is one direction of one stream, used from one thread; the
// state is wiped on destruction.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::crypto {

inline constexpr std::size_t kSecretStreamHeaderBytes = 24;
inline constexpr std::size_t kSecretStreamABytes = 17;
inline constexpr std::uint8_t kSecretStreamTagMessage = 0;
inline constexpr std::uint8_t kSecretStreamTagFinal = 3;

using SecretStreamHeader = std::array<std::uint8_t, kSecretStreamHeaderBytes>;

// libsodium's state, kept opaque so that users need not include sodium.h
// (size and alignment checked against it in secretstream.cpp).
struct alignas(16) SecretStreamState {
  std::array<std::uint8_t, 52> bytes{};
};

class SecretStreamPush {
 public:
  // init_push: a random header for `key` (the tx key of the handshake).
  explicit SecretStreamPush(const Hash32& key);
  ~SecretStreamPush();
  SecretStreamPush(const SecretStreamPush&) = delete;
  SecretStreamPush& operator=(const SecretStreamPush&) = delete;

  const SecretStreamHeader& header() const { return header_; }
  // Encrypts one message with TAG_MESSAGE.
  Bytes push(ByteView plaintext);
  // The same into `out`, which must hold exactly plaintext.size() + 17
  // bytes and must not overlap `plaintext`.
  void push_into(ByteView plaintext, std::span<std::uint8_t> out);

 private:
  SecretStreamState state_;
  SecretStreamHeader header_{};
};

class SecretStreamPull {
 public:
  // init_pull with the peer's header and our rx key. Error invalid_header
  // unless header is 24 bytes.
  static Result<SecretStreamPull> open(ByteView header, const Hash32& key);
  ~SecretStreamPull();
  SecretStreamPull(const SecretStreamPull&) = delete;
  SecretStreamPull& operator=(const SecretStreamPull&) = delete;
  SecretStreamPull(SecretStreamPull&& other) noexcept;
  SecretStreamPull& operator=(SecretStreamPull&&) = delete;

  // Decrypts the next message. Error decrypt_failed if it is shorter than 17
  // bytes or does not authenticate (the state is then unchanged).
  Result<Bytes> pull(ByteView ciphertext);
  // The tag of the last message pulled (Node ignores it; so do we).
  std::uint8_t last_tag() const { return last_tag_; }

 private:
  SecretStreamPull() = default;
  SecretStreamState state_;
  std::uint8_t last_tag_ = 0;
};

}  // namespace hc::crypto
