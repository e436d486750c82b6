// NoiseSecretStream of @hyperswarm/secret-stream@6.9.2 (index.js) as a sans-IO
// state machine (docs/protocol/hypercore.md §5): the Noise XX handshake in
// u24le frames, then each side sends one 56-byte header frame (its own
// stream id ‖ secretstream header), then every frame is one secretstream
// message carrying exactly one plaintext.
//
// Bytes in: feed() with whatever the transport read, in any pieces; it
// returns the events this caused, in order. Bytes out: appended to an output
// buffer the transport drains with take_output() after every call. No
// sockets, no timers: the transport calls keep_alive() after 5 s without
// writing (hypercore's setKeepAlive(5000)).
//
// Lifetime: one object per connection, used from one thread. After the error
// event the stream is dead: feed() returns nothing more, send() fails, and the
// transport should close the connection (Node destroys the stream).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "crypto/noise.hpp"
#include "crypto/secretstream.hpp"
#include "crypto/sign.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"
#include "wire/frame.hpp"

namespace hc::wire {

enum class SecretStreamErrc {
  handshake_failed = 1,  // "Noise handshake failed"
  invalid_header,        // the first frame after the handshake is not 56 bytes
  invalid_stream_id,     // its id is not streamId(handshakeHash, remote role)
  invalid_message,       // an encrypted frame shorter than 17 bytes
  decrypt_failed,        // an encrypted frame that does not authenticate
  message_too_large,     // send() of more than kMaxSecretStreamPlaintext bytes
  stream_failed,         // send() on a stream that already failed
};
const std::error_category& secret_stream_category();
inline std::error_code make_error_code(SecretStreamErrc e) {
  return {static_cast<int>(e), secret_stream_category()};
}

inline constexpr std::size_t kSecretStreamIdHeaderBytes = 32 + crypto::kSecretStreamHeaderBytes;
inline constexpr std::size_t kMaxSecretStreamPlaintext =
    kMaxFramePayload - crypto::kSecretStreamABytes;  // 16 777 198
// The Noise specification's limit on a handshake message (ours are 32 to 96
// bytes). A larger frame before the handshake is refused from its length
// prefix alone, so an unauthenticated peer cannot make us buffer 16 MiB until
// the transport's handshake deadline (Node has no such limit; no honest peer
// comes near it).
inline constexpr std::size_t kMaxHandshakeMessage = 65535;

// The handshake completed (secret-stream's 'handshake' event): keys are set,
// our header frame is in the output, queued sends follow it.
struct HandshakeEvent {
  bool initiator = false;
  Hash32 public_key{};
  Hash32 remote_public_key{};
  crypto::Hash64 handshake_hash{};
};
// One decrypted, non-empty message (empty ones are keep-alives, dropped).
struct MessageEvent {
  Bytes data;
};
// The stream failed; always the last event.
struct ErrorEvent {
  std::error_code code;
  std::string reason;
};
using SecretStreamEvent = std::variant<HandshakeEvent, MessageEvent, ErrorEvent>;

class SecretStream {
 public:
  // An initiator puts Noise message 1 into the output at once. `ephemeral`
  // fixes the Noise e key pair (known-answer tests only).
  SecretStream(bool initiator, const crypto::KeyPair& static_key_pair,
               std::optional<crypto::KeyPair> ephemeral = std::nullopt);
  SecretStream(const SecretStream&) = delete;
  SecretStream& operator=(const SecretStream&) = delete;

  // Bytes read from the transport. Returns the events they caused, in order.
  std::vector<SecretStreamEvent> feed(ByteView bytes);

  // Encrypts one message into one frame. Before the handshake completes the
  // plaintext is queued (unbounded: the layer above bounds what it writes)
  // and sent right after our header. Error message_too_large above
  // kMaxSecretStreamPlaintext, stream_failed after the error event.
  Status send(ByteView plaintext);
  // An empty message (20 bytes on the wire). Does nothing before the
  // handshake completed or after a failure.
  void keep_alive();

  // Everything to write to the transport, in order; empties the buffer.
  // `reuse` (a buffer the transport has finished writing) becomes the next
  // output buffer, so its capacity is kept: growing a fresh multi-MB buffer
  // for each flush cost a writer of 64 KiB blocks 40% of its time in page
  // faults.
  Bytes take_output(Bytes reuse = {});
  bool has_output() const { return !output_.empty(); }
  std::size_t output_size() const { return output_.size(); }

  bool initiator() const { return initiator_; }
  // Keys are set and our header is out (the handshake event was returned).
  bool handshake_complete() const { return push_.has_value(); }
  // The peer's header arrived: messages can be received.
  bool established() const { return state_ == State::established; }
  bool failed() const { return failed_; }
  // REQUIRES: handshake_complete().
  const HandshakeEvent& handshake() const { return info_; }
  // Empty messages received and dropped (the peer's keep-alives).
  std::uint64_t keep_alives_received() const { return keep_alives_received_; }
  // Plaintext bytes queued by send() before the handshake completed.
  std::size_t queued_bytes() const { return queued_bytes_; }

 private:
  enum class State { handshake, wait_header, established };

  void write_handshake_message(std::vector<SecretStreamEvent>& events);
  // Fails the stream if the next frame's announced length cannot be valid
  // in the current state (a handshake message, the header).
  bool check_next_length(std::vector<SecretStreamEvent>& events);
  void on_frame(const Bytes& frame, std::vector<SecretStreamEvent>& events);
  void on_handshake_complete(std::vector<SecretStreamEvent>& events);
  void fail(std::vector<SecretStreamEvent>& events, SecretStreamErrc code, std::string reason);
  void encrypt_frame(ByteView plaintext);

  bool initiator_;
  bool failed_ = false;
  State state_ = State::handshake;
  crypto::NoiseHandshake noise_;
  std::optional<crypto::SecretStreamPush> push_;
  std::optional<crypto::SecretStreamPull> pull_;
  HandshakeEvent info_;
  FrameReader reader_;
  Bytes output_;
  std::deque<Bytes> queued_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t keep_alives_received_ = 0;
};

}  // namespace hc::wire

template <>
struct std::is_error_code_enum<hc::wire::SecretStreamErrc> : std::true_type {};
