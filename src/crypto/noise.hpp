// The Noise XX handshake as @hyperswarm/secret-stream@6.9.2 lib/handshake.js
// runs it: noise-handshake@4.2.0 with noise-curve-ed@2.1.0,
// "Noise_XX_Ed25519_ChaChaPoly_BLAKE2b", empty prologue, empty payloads
// (docs/protocol/hypercore.md §5.3, §10.4–5).
//
//   HASH  BLAKE2b-512 (HASHLEN 64); HMAC-BLAKE2b (block 128) and HKDF over it
//   AEAD  ChaCha20-Poly1305 IETF, nonce 00000000 ‖ u32le(n) ‖ 00000000, AD = h
//   DH    Ed25519 point multiply: crypto_scalarmult_ed25519_noclamp with the
//         clamped SHA-512 of the secret seed; keys on the wire are Ed25519
//
//   msg1  I→R  e                       32 bytes
//   msg2  R→I  e, ee, s, es, payload   96 bytes
//   msg3  I→R  s, se, payload          64 bytes
//
// Sans-IO: messages are unframed payloads; the caller adds the u24le framing.
// One object per handshake, used from one thread. A message that fails to
// read leaves the handshake failed: every later step returns an error.
// Secrets are wiped when the object is destroyed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "crypto/sign.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::crypto {

using Hash64 = std::array<std::uint8_t, 64>;

inline constexpr std::size_t kNoiseHashLen = 64;
inline constexpr std::size_t kNoiseMaxMessage = 65535;  // noise-handshake cipher.js limit

// What a completed handshake yields (noise.tx / rx / hash / rs).
struct NoiseResult {
  Hash32 tx{};                 // key for what we send
  Hash32 rx{};                 // key for what we receive
  Hash64 handshake_hash{};     // final h
  Hash32 public_key{};         // our static key
  Hash32 remote_public_key{};  // the peer's static key (rs)
};

class NoiseHandshake {
 public:
  // `ephemeral` fixes the e key pair (known-answer tests); by default a fresh
  // random key pair is made when e is first written.
  NoiseHandshake(bool initiator, const KeyPair& static_key_pair,
                 std::optional<KeyPair> ephemeral = std::nullopt);
  ~NoiseHandshake();
  NoiseHandshake(const NoiseHandshake&) = delete;
  NoiseHandshake& operator=(const NoiseHandshake&) = delete;
  NoiseHandshake(NoiseHandshake&&) = default;
  NoiseHandshake& operator=(NoiseHandshake&&) = default;

  // The next message we send (empty payload). Error handshake_state when it is
  // not our turn.
  Result<Bytes> write_message();
  // Reads the peer's next message. A non-empty payload is accepted and
  // ignored, as noise-handshake does. Error handshake_failed on a short,
  // forged or otherwise bad message, handshake_state when it is not their turn.
  Status read_message(ByteView message);

  bool initiator() const { return initiator_; }
  bool complete() const { return step_ == 3; }
  bool failed() const { return failed_; }
  // True when the next step is write_message() (false once complete or failed).
  bool our_turn() const;
  // REQUIRES: complete().
  const NoiseResult& result() const;

 private:
  void mix_hash(ByteView data);
  Status mix_key(const Hash32& remote, const KeyPair& local);
  Bytes encrypt_and_hash(ByteView plaintext);
  Result<Bytes> decrypt_and_hash(ByteView ciphertext);
  void split();
  std::error_code fail();

  bool initiator_;
  bool failed_ = false;
  int step_ = 0;  // messages processed (0..3)
  KeyPair s_;
  std::optional<KeyPair> e_;
  Hash32 re_{};
  Hash32 rs_{};
  Hash64 h_{};
  Hash64 ck_{};
  Hash32 k_{};
  bool has_key_ = false;
  std::uint64_t n_ = 0;
  NoiseResult result_;
};

// The id a side sends in its header frame (secret-stream index.js streamId):
// keyed BLAKE2b-256 of NS_INITIATOR or NS_RESPONDER of
// namespace('hyperswarm/secret-stream'), keyed with the handshake hash.
Hash32 stream_id(const Hash64& handshake_hash, bool initiator);

}  // namespace hc::crypto
