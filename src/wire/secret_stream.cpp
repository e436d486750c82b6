#include "secret_stream.hpp"

#include <cassert>
#include <utility>

namespace hc::wire {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "secret-stream"; }
  std::string message(int c) const override {
    switch (static_cast<SecretStreamErrc>(c)) {
      case SecretStreamErrc::handshake_failed: return "Noise handshake failed";
      case SecretStreamErrc::invalid_header: return "Invalid header message received";
      case SecretStreamErrc::invalid_stream_id: return "Invalid header received";
      case SecretStreamErrc::invalid_message: return "Invalid message received";
      case SecretStreamErrc::decrypt_failed: return "Message failed to decrypt";
      case SecretStreamErrc::message_too_large: return "Message is too large for an atomic write";
      case SecretStreamErrc::stream_failed: return "Stream failed";
    }
    return "unknown secret-stream error";
  }
};

void put_u24le(std::uint8_t* p, std::size_t n) {
  p[0] = static_cast<std::uint8_t>(n);
  p[1] = static_cast<std::uint8_t>(n >> 8);
  p[2] = static_cast<std::uint8_t>(n >> 16);
}

}  // namespace

const std::error_category& secret_stream_category() {
  static const Category c;
  return c;
}

SecretStream::SecretStream(bool initiator, const crypto::KeyPair& static_key_pair,
                           std::optional<crypto::KeyPair> ephemeral)
    : initiator_(initiator), noise_(initiator, static_key_pair, std::move(ephemeral)) {
  if (initiator_) {
    std::vector<SecretStreamEvent> none;
    write_handshake_message(none);
  }
}

std::vector<SecretStreamEvent> SecretStream::feed(ByteView bytes) {
  std::vector<SecretStreamEvent> events;
  if (failed_) return events;
  reader_.feed(bytes);
  while (!failed_ && check_next_length(events)) {
    auto frame = reader_.next();
    if (!frame) break;
    on_frame(*frame, events);
  }
  return events;
}

bool SecretStream::check_next_length(std::vector<SecretStreamEvent>& events) {
  const auto length = reader_.next_length();
  if (!length) return true;
  if (state_ == State::handshake && *length > kMaxHandshakeMessage) {
    fail(events, SecretStreamErrc::handshake_failed,
         "Noise handshake failed: a handshake message of " + std::to_string(*length) + " bytes");
    return false;
  }
  if (state_ == State::wait_header && *length != kSecretStreamIdHeaderBytes) {
    fail(events, SecretStreamErrc::invalid_header,
         "Invalid header message received: " + std::to_string(*length) + " bytes");
    return false;
  }
  return true;
}

void SecretStream::write_handshake_message(std::vector<SecretStreamEvent>& events) {
  auto msg = noise_.write_message();
  if (!msg) {
    fail(events, SecretStreamErrc::handshake_failed, "Noise handshake failed");
    return;
  }
  append_frame(output_, *msg);
  if (noise_.complete()) on_handshake_complete(events);
}

void SecretStream::on_frame(const Bytes& frame, std::vector<SecretStreamEvent>& events) {
  switch (state_) {
    case State::handshake: {
      if (!noise_.read_message(frame)) {
        fail(events, SecretStreamErrc::handshake_failed, "Noise handshake failed");
        return;
      }
      if (noise_.complete()) {
        on_handshake_complete(events);
      } else {
        write_handshake_message(events);
      }
      return;
    }
    case State::wait_header: {
      if (frame.size() != kSecretStreamIdHeaderBytes) {
        fail(events, SecretStreamErrc::invalid_header,
             "Invalid header message received: " + std::to_string(frame.size()) + " bytes");
        return;
      }
      const Hash32 expected = crypto::stream_id(info_.handshake_hash, !initiator_);
      if (!equal(ByteView(frame.data(), 32), expected)) {
        fail(events, SecretStreamErrc::invalid_stream_id, "Invalid header received: wrong stream id");
        return;
      }
      auto pull = crypto::SecretStreamPull::open(ByteView(frame).subspan(32), noise_.result().rx);
      if (!pull) {
        fail(events, SecretStreamErrc::invalid_header, "Invalid header message received");
        return;
      }
      pull_.emplace(std::move(*pull));
      state_ = State::established;
      return;
    }
    case State::established: {
      if (frame.size() < crypto::kSecretStreamABytes) {
        fail(events, SecretStreamErrc::invalid_message,
             "Invalid message received: " + std::to_string(frame.size()) + " bytes");
        return;
      }
      auto plain = pull_->pull(frame);
      if (!plain) {
        fail(events, SecretStreamErrc::decrypt_failed, "Message failed to decrypt");
        return;
      }
      if (plain->empty()) {
        keep_alives_received_++;
        return;
      }
      events.push_back(MessageEvent{std::move(*plain)});
      return;
    }
  }
}

void SecretStream::on_handshake_complete(std::vector<SecretStreamEvent>& events) {
  const crypto::NoiseResult& r = noise_.result();
  info_.initiator = initiator_;
  info_.public_key = r.public_key;
  info_.remote_public_key = r.remote_public_key;
  info_.handshake_hash = r.handshake_hash;

  push_.emplace(r.tx);
  Bytes header;
  header.reserve(kSecretStreamIdHeaderBytes);
  append(header, crypto::stream_id(r.handshake_hash, initiator_));
  append(header, push_->header());
  append_frame(output_, header);
  state_ = State::wait_header;
  events.push_back(info_);

  while (!queued_.empty()) {
    encrypt_frame(queued_.front());
    queued_.pop_front();
  }
  queued_bytes_ = 0;
}

void SecretStream::fail(std::vector<SecretStreamEvent>& events, SecretStreamErrc code,
                        std::string reason) {
  failed_ = true;
  queued_.clear();
  queued_bytes_ = 0;
  events.push_back(ErrorEvent{make_error_code(code), std::move(reason)});
}

void SecretStream::encrypt_frame(ByteView plaintext) {
  assert(push_ && plaintext.size() <= kMaxSecretStreamPlaintext);
  const std::size_t cipher_len = plaintext.size() + crypto::kSecretStreamABytes;
  const std::size_t at = output_.size();
  output_.resize(at + kFrameHeaderBytes + cipher_len);
  put_u24le(output_.data() + at, cipher_len);
  push_->push_into(plaintext, std::span<std::uint8_t>(output_.data() + at + kFrameHeaderBytes,
                                                      cipher_len));
}

Status SecretStream::send(ByteView plaintext) {
  if (failed_) return SecretStreamErrc::stream_failed;
  if (plaintext.size() > kMaxSecretStreamPlaintext) return SecretStreamErrc::message_too_large;
  if (!push_) {
    queued_.emplace_back(plaintext.begin(), plaintext.end());
    queued_bytes_ += plaintext.size();
    return {};
  }
  encrypt_frame(plaintext);
  return {};
}

void SecretStream::keep_alive() {
  if (failed_ || !push_) return;
  encrypt_frame({});
}

Bytes SecretStream::take_output(Bytes reuse) {
  reuse.clear();
  return std::exchange(output_, std::move(reuse));
}

}  // namespace hc::wire
