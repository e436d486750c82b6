// SecretStream::feed. Input: u8 mode, then:
//   mode 0  responder fed raw bytes: u8 k, k piece sizes, the stream (a
//           random 32-byte Noise message 1 is valid, so message 2 is reached)
//   mode 1  the same as initiator (after its message 1)
//   mode 2  a real handshake with a C++ initiator first (fixed ephemeral keys);
//           the initiator's header is withheld and the input is fed raw: the
//           header / stream-id checks and what follows them
//   mode 3  a real handshake, then records of u8 kind:
//             0 bytes   the initiator sends them (encrypted), fed in pieces
//             1 bytes   raw bytes straight into the responder
//             2 u16 pos u8 xor   the initiator's next message, one byte flipped
//             3         keep-alive (an empty message)
//             4 bytes   the responder sends them to the initiator
//           The responder's messages go into a Protomux, so the layer above
//           the stream gets authentic messages with fuzzed content.
// Properties: nothing follows an error event; a message event is never
// empty; messages sent by the initiator arrive intact and in order unless
// the stream was tampered with.
#include <deque>

#include "crypto/sign.hpp"
#include "fuzz_input.hpp"
#include "wire/protomux.hpp"
#include "wire/secret_stream.hpp"

using namespace hc;
using wire::SecretStream;

namespace {

crypto::KeyPair seeded(std::uint8_t b) {
  Hash32 s;
  s.fill(b);
  return crypto::key_pair_from_seed(s);
}

struct Receiver {
  explicit Receiver(SecretStream& s) : stream(s) {}
  SecretStream& stream;
  bool failed = false;
  std::deque<Bytes> messages;
  void feed(ByteView bytes) {
    for (auto& e : stream.feed(bytes)) {
      HC_FUZZ_CHECK(!failed, "an event after the error event");
      if (std::holds_alternative<wire::ErrorEvent>(e)) failed = true;
      if (auto* m = std::get_if<wire::MessageEvent>(&e)) {
        HC_FUZZ_CHECK(!m->data.empty(), "an empty message event");
        messages.push_back(std::move(m->data));
      }
    }
  }
};

void feed_pieces(fuzz::FuzzInput& in, Receiver& r) {
  const std::size_t k = in.u8() % 8;
  std::uint8_t pieces[8];
  for (std::size_t i = 0; i < k; i++) pieces[i] = in.u8();
  const ByteView stream = in.rest();
  for (std::size_t at = 0, i = 0; at < stream.size(); i++) {
    std::size_t n = k == 0 ? stream.size() : std::max<std::size_t>(1, pieces[i % k]);
    n = std::min(n, stream.size() - at);
    r.feed(stream.subspan(at, n));
    at += n;
  }
}

// Frames of a byte stream (the secret stream's u24le framing).
std::vector<Bytes> frames(const Bytes& stream) {
  wire::FrameReader reader;
  reader.feed(stream);
  std::vector<Bytes> out;
  while (auto f = reader.next()) out.push_back(std::move(*f));
  return out;
}

Bytes framed(const Bytes& payload) {
  Bytes out;
  wire::append_frame(out, payload);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const crypto::KeyPair ki = seeded(1), kr = seeded(2), ei = seeded(3), er = seeded(4);
  fuzz::FuzzInput in(data, size);
  const std::uint8_t mode = in.u8() % 4;

  if (mode <= 1) {
    SecretStream s(mode == 1, mode == 1 ? ki : kr);
    (void)s.take_output();
    Receiver r{s};
    feed_pieces(in, r);
    return 0;
  }

  SecretStream i(true, ki, ei), s(false, kr, er);
  Receiver ri{i}, rs{s};
  // msg1 →, ← msg2 (+ the responder's header), msg3 + header →.
  rs.feed(i.take_output());
  ri.feed(s.take_output());
  const auto out = frames(i.take_output());
  HC_FUZZ_CHECK(out.size() == 2 && i.handshake_complete() && !ri.failed, "handshake");
  rs.feed(framed(out[0]));  // msg3
  HC_FUZZ_CHECK(s.handshake_complete() && !s.established(), "responder handshake");
  if (mode == 2) {
    feed_pieces(in, rs);
    return 0;
  }
  rs.feed(framed(out[1]));  // the initiator's header
  HC_FUZZ_CHECK(s.established() && !rs.failed, "responder established");
  ri.feed(s.take_output());

  wire::Protomux mux;
  std::deque<Bytes> sent;  // what the initiator sent that should arrive
  bool tampered = false;
  for (int steps = 0; !in.empty() && steps < 1024 && !rs.failed; steps++) {
    switch (in.u8() % 5) {
      case 0: {
        const ByteView msg = in.bytes();
        HC_FUZZ_CHECK(i.send(msg).ok(), "send");
        if (!msg.empty()) sent.push_back(to_bytes(msg));
        const Bytes wire_bytes = i.take_output();
        const std::size_t piece = 1 + in.u8();
        for (std::size_t at = 0; at < wire_bytes.size(); at += piece) {
          rs.feed(ByteView(wire_bytes).subspan(at, std::min(piece, wire_bytes.size() - at)));
        }
        break;
      }
      case 1:
        tampered = true;
        rs.feed(in.bytes());
        break;
      case 2: {
        const std::uint16_t pos = in.u16();
        const std::uint8_t x = in.u8();
        const ByteView msg = in.bytes();
        HC_FUZZ_CHECK(i.send(msg).ok(), "send");
        if (!msg.empty()) sent.push_back(to_bytes(msg));
        Bytes wire_bytes = i.take_output();
        if (x != 0) {
          wire_bytes[pos % wire_bytes.size()] ^= x;
          tampered = true;
        }
        rs.feed(wire_bytes);
        break;
      }
      case 3:
        i.keep_alive();
        rs.feed(i.take_output());
        break;
      case 4:
        (void)s.send(in.bytes());
        ri.feed(s.take_output());
        break;
    }
    while (!rs.messages.empty()) {
      Bytes m = std::move(rs.messages.front());
      rs.messages.pop_front();
      if (!tampered) {
        HC_FUZZ_CHECK(!sent.empty() && sent.front() == m, "a message changed on the way");
        sent.pop_front();
      }
      if (!mux.destroyed()) {
        (void)mux.receive(m);
        (void)mux.take_events();
        (void)mux.take_output();
      }
    }
  }
  if (!tampered && !rs.failed) HC_FUZZ_CHECK(sent.empty(), "a sent message never arrived");
  return 0;
}
