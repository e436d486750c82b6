// SecretStream, C++ against C++ over an in-memory pipe: both roles, random
// splits of the byte stream, queued sends, keep-alives, and every tampered,
// truncated or oversized input ends in an error event, never a crash.
// Agreement with Node is in tests/interop/noise_*_test.cpp.
#include "wire/secret_stream.hpp"

#include <doctest/doctest.h>

#include <random>

#include "crypto/noise.hpp"

using namespace hc;
using namespace hc::wire;

namespace {

crypto::KeyPair seeded(std::uint8_t b) {
  Hash32 s;
  s.fill(b);
  return crypto::key_pair_from_seed(s);
}

struct Side {
  std::vector<Bytes> messages;
  std::optional<HandshakeEvent> handshake;
  std::optional<ErrorEvent> error;

  void take(std::vector<SecretStreamEvent> events) {
    for (auto& e : events) {
      REQUIRE(!error);  // nothing follows an error
      if (auto* h = std::get_if<HandshakeEvent>(&e)) {
        REQUIRE(!handshake);
        handshake = *h;
      } else if (auto* m = std::get_if<MessageEvent>(&e)) {
        CHECK(!m->data.empty());
        messages.push_back(std::move(m->data));
      } else {
        error = std::get<ErrorEvent>(e);
      }
    }
  }
};

// Moves bytes both ways in random pieces until neither side has output.
void pump(SecretStream& a, Side& sa, SecretStream& b, Side& sb, std::mt19937& rng,
          std::vector<Bytes>* a_to_b = nullptr) {
  auto move = [&](SecretStream& from, SecretStream& to, Side& side, std::vector<Bytes>* log) {
    Bytes out = from.take_output();
    if (log) log->push_back(out);
    std::size_t off = 0;
    while (off < out.size()) {
      const std::size_t n = std::min<std::size_t>(out.size() - off, 1 + rng() % 300);
      side.take(to.feed(ByteView(out.data() + off, n)));
      off += n;
    }
  };
  while (a.has_output() || b.has_output()) {
    move(a, b, sb, a_to_b);
    move(b, a, sa, nullptr);
  }
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; i++) b[i] = static_cast<std::uint8_t>(i * 31 + seed);
  return b;
}

}  // namespace

TEST_CASE("secret stream: handshake and messages both ways, random splits, queued sends") {
  for (int round = 0; round < 8; round++) {
    std::mt19937 rng(round);
    const auto ki = seeded(1), kr = seeded(2);
    SecretStream i(true, ki), r(false, kr);
    Side si, sr;
    CHECK(i.has_output());   // msg1 at once
    CHECK(!r.has_output());
    // Sends before the handshake are queued and come after the header.
    REQUIRE(i.send(as_bytes("early from I")));
    REQUIRE(r.send(as_bytes("early from R")));
    i.keep_alive();  // no-op before the handshake
    CHECK(i.queued_bytes() == 12);
    pump(i, si, r, sr, rng);
    REQUIRE(si.handshake);
    REQUIRE(sr.handshake);
    CHECK(!si.error);
    CHECK(!sr.error);
    CHECK(i.established());
    CHECK(r.established());
    CHECK(si.handshake->initiator);
    CHECK(!sr.handshake->initiator);
    CHECK(si.handshake->remote_public_key == kr.public_key);
    CHECK(sr.handshake->remote_public_key == ki.public_key);
    CHECK(si.handshake->handshake_hash == sr.handshake->handshake_hash);
    REQUIRE(sr.messages.size() == 1);
    REQUIRE(si.messages.size() == 1);
    CHECK(as_chars(sr.messages[0]) == "early from I");
    CHECK(as_chars(si.messages[0]) == "early from R");

    std::vector<Bytes> sent;
    for (std::size_t len : {1u, 2u, 100u, 65536u, 1u << 20}) sent.push_back(pattern(len, round));
    for (const auto& m : sent) {
      REQUIRE(i.send(m));
      i.keep_alive();
      REQUIRE(r.send(m));
    }
    r.keep_alive();
    pump(i, si, r, sr, rng);
    REQUIRE(sr.messages.size() == 1 + sent.size());
    REQUIRE(si.messages.size() == 1 + sent.size());
    for (std::size_t k = 0; k < sent.size(); k++) {
      CHECK(sr.messages[k + 1] == sent[k]);
      CHECK(si.messages[k + 1] == sent[k]);
    }
    CHECK(r.keep_alives_received() == sent.size());
    CHECK(i.keep_alives_received() == 1);
  }
}

TEST_CASE("secret stream: wire sizes match the reference timeline") {
  std::mt19937 rng(1);
  SecretStream i(true, seeded(1)), r(false, seeded(2));
  CHECK(i.take_output().size() == 35);
  Side si, sr;
  SecretStream i2(true, seeded(1));
  sr.take(r.feed(i2.take_output()));
  Bytes msg2 = r.take_output();
  CHECK(msg2.size() == 99);
  si.take(i2.feed(msg2));
  Bytes out = i2.take_output();
  CHECK(out.size() == 67 + 59);  // msg3 and the header frame together
  REQUIRE(si.handshake);
  i2.keep_alive();
  CHECK(i2.take_output().size() == 20);
  REQUIRE(i2.send(Bytes(5, 1)));
  CHECK(i2.take_output().size() == 25);
  CHECK(i2.send(Bytes(kMaxSecretStreamPlaintext + 1)).error() ==
        make_error_code(SecretStreamErrc::message_too_large));
  CHECK(!i2.has_output());
}

TEST_CASE("secret stream: the largest message fits one frame") {
  std::mt19937 rng(3);
  SecretStream i(true, seeded(1)), r(false, seeded(2));
  Side si, sr;
  Bytes big(kMaxSecretStreamPlaintext, 0x5a);
  REQUIRE(i.send(big));
  pump(i, si, r, sr, rng);
  REQUIRE(sr.messages.size() == 1);
  CHECK(sr.messages[0] == big);
}

TEST_CASE("secret stream: every flipped byte of any frame is an error event") {
  // Fixed ephemerals make the handshake replay exactly; the replayed receiver
  // then has the same rx key, so it reads the recorded frames as the original did.
  const auto ki = seeded(1), kr = seeded(2), ei = seeded(3), er = seeded(4);
  std::mt19937 rng(5);
  SecretStream i(true, ki, ei), r(false, kr, er);
  Side si, sr;
  REQUIRE(i.send(Bytes{}));  // an empty message is a keep-alive frame
  REQUIRE(i.send(Bytes{1}));
  REQUIRE(i.send(pattern(40, 9)));
  REQUIRE(r.send(as_bytes("r says hi")));
  pump(i, si, r, sr, rng);
  REQUIRE(sr.messages.size() == 2);
  REQUIRE(si.messages.size() == 1);

  // The initiator's whole output, and the responder's as seen by a replay.
  auto frames_of = [](const Bytes& stream) {
    FrameReader fr;
    fr.feed(stream);
    std::vector<Bytes> frames;
    while (auto f = fr.next()) frames.push_back(*f);
    return frames;
  };
  SecretStream i_rec(true, ki, ei), r_rec(false, kr, er);
  Bytes i_stream = i_rec.take_output();
  Side d1, d2;
  d2.take(r_rec.feed(i_stream));
  Bytes r_stream = r_rec.take_output();  // msg2
  d1.take(i_rec.feed(r_stream));
  REQUIRE(i_rec.send(Bytes{}));
  REQUIRE(i_rec.send(Bytes{1}));
  REQUIRE(i_rec.send(pattern(40, 9)));
  append(i_stream, i_rec.take_output());  // msg3, header, 3 data frames
  d2.take(r_rec.feed(ByteView(i_stream).subspan(35)));
  REQUIRE(r_rec.send(as_bytes("r says hi")));
  append(r_stream, r_rec.take_output());  // header, 1 data frame
  REQUIRE(d2.messages.size() == 2);

  const auto i_frames = frames_of(i_stream);  // msg1 msg3 header data×3
  const auto r_frames = frames_of(r_stream);  // msg2 header data
  REQUIRE(i_frames.size() == 6);
  REQUIRE(r_frames.size() == 3);

  auto replay = [&](bool to_responder, std::size_t frame, std::size_t byte) {
    const auto& frames = to_responder ? i_frames : r_frames;
    Bytes stream;
    for (std::size_t f = 0; f < frames.size(); f++) {
      Bytes payload = frames[f];
      if (f == frame) payload[byte] ^= 0x04;
      append_frame(stream, payload);
    }
    SecretStream target(!to_responder, to_responder ? kr : ki, to_responder ? er : ei);
    Side s;  // an initiator target already wrote msg1 in its constructor
    s.take(target.feed(stream));
    return s;
  };
  for (std::size_t f = 0; f < i_frames.size(); f++) {
    for (std::size_t k = 0; k < i_frames[f].size(); k++) {
      Side s = replay(true, f, k);
      CHECK_MESSAGE(s.error, "I→R frame ", f, " byte ", k);
    }
  }
  for (std::size_t f = 0; f < r_frames.size(); f++) {
    for (std::size_t k = 0; k < r_frames[f].size(); k++) {
      Side s = replay(false, f, k);
      CHECK_MESSAGE(s.error, "R→I frame ", f, " byte ", k);
    }
  }
  // Untouched replays succeed (the harness itself is sound).
  {
    SecretStream target(false, kr, er);
    Side s;
    s.take(target.feed(i_stream));
    CHECK(!s.error);
    CHECK(s.messages.size() == 2);
    CHECK(target.keep_alives_received() == 1);
  }
}

TEST_CASE("secret stream: bad header and short frames after setup") {
  const auto ki = seeded(1), kr = seeded(2);
  auto established_pair = [&](SecretStream& i, SecretStream& r) {
    Side si, sr;
    sr.take(r.feed(i.take_output()));
    si.take(i.feed(r.take_output()));
    Bytes to_r = i.take_output();  // msg3 ‖ header_I
    sr.take(r.feed(ByteView(to_r).first(67)));
    REQUIRE(sr.handshake);
    REQUIRE(si.handshake);
    return to_r;
  };
  SUBCASE("header frame of 55 and 57 bytes") {
    for (std::size_t n : {0u, 55u, 57u}) {
      SecretStream i(true, ki), r(false, kr);
      established_pair(i, r);
      Bytes frame;
      append_frame(frame, Bytes(n, 0));
      Side s;
      s.take(r.feed(frame));
      REQUIRE(s.error);
      CHECK(s.error->code == make_error_code(SecretStreamErrc::invalid_header));
      CHECK(r.failed());
      CHECK(r.feed(frame).empty());  // dead after the error
      CHECK(r.send(Bytes{1}).error() == make_error_code(SecretStreamErrc::stream_failed));
    }
  }
  SUBCASE("header with the initiator's id sent back (wrong role)") {
    SecretStream i(true, ki), r(false, kr);
    established_pair(i, r);
    // r expects streamId(hh, initiator); feed it the responder's own header instead.
    Bytes r_out = r.take_output();  // header_R frame
    Side s;
    s.take(r.feed(r_out));
    REQUIRE(s.error);
    CHECK(s.error->code == make_error_code(SecretStreamErrc::invalid_stream_id));
  }
  SUBCASE("frames shorter than 17 bytes after the header") {
    for (std::size_t n = 0; n < 17; n++) {
      SecretStream i(true, ki), r(false, kr);
      Bytes to_r = established_pair(i, r);
      Side s;
      s.take(r.feed(ByteView(to_r).subspan(67)));  // header_I
      CHECK(!s.error);
      Bytes frame;
      append_frame(frame, Bytes(n, 0));
      s.take(r.feed(frame));
      REQUIRE(s.error);
      CHECK(s.error->code == make_error_code(SecretStreamErrc::invalid_message));
    }
  }
  SUBCASE("garbage instead of a handshake; truncated input waits") {
    SecretStream r(false, kr);
    Side s;
    s.take(r.feed(Bytes{5, 0, 0, 1, 2, 3, 4, 5}));
    REQUIRE(s.error);
    CHECK(s.error->code == make_error_code(SecretStreamErrc::handshake_failed));
    SecretStream r2(false, kr);
    SecretStream i2(true, ki);
    Bytes msg1 = i2.take_output();
    CHECK(r2.feed(ByteView(msg1).first(34)).empty());
    CHECK(!r2.has_output());
    Side s2;
    s2.take(r2.feed(ByteView(msg1).subspan(34)));
    CHECK(!s2.error);
    CHECK(r2.has_output());
  }
  SUBCASE("random garbage never crashes") {
    std::mt19937 rng(11);
    for (int round = 0; round < 200; round++) {
      SecretStream x(round % 2 == 0, ki);
      Bytes junk(rng() % 200);
      for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
      if (junk.size() >= 3) junk[2] = 0;  // keep lengths small enough to complete
      Side s;
      s.take(x.feed(junk));
    }
  }
}

TEST_CASE("secret stream: a frame too long for the handshake or the header is refused from its prefix") {
  const auto ki = seeded(1), kr = seeded(2);
  SUBCASE("handshake: 2^24-1 announced, 3 bytes are enough to fail") {
    SecretStream r(false, kr);
    Side s;
    s.take(r.feed(Bytes{0xff, 0xff, 0xff}));
    REQUIRE(s.error);
    CHECK(s.error->code == make_error_code(SecretStreamErrc::handshake_failed));
    CHECK(!r.has_output());
    SecretStream i(true, ki);
    Side si;
    si.take(i.feed(Bytes{0x00, 0x00, 0x01}));  // 65536: one past Noise's limit
    REQUIRE(si.error);
    CHECK(si.error->code == make_error_code(SecretStreamErrc::handshake_failed));
  }
  SUBCASE("handshake: up to Noise's limit waits for the rest") {
    SecretStream r(false, kr);
    CHECK(r.feed(Bytes{0xff, 0xff, 0x00}).empty());  // 65535
    CHECK(!r.failed());
  }
  SUBCASE("header: any length but 56 fails at once") {
    SecretStream i(true, ki), r(false, kr);
    Side si, sr;
    sr.take(r.feed(i.take_output()));
    si.take(i.feed(r.take_output()));
    Bytes to_r = i.take_output();  // msg3 ‖ header_I
    sr.take(r.feed(ByteView(to_r).first(67)));
    REQUIRE(sr.handshake);
    sr.take(r.feed(Bytes{0xff, 0xff, 0xff}));
    REQUIRE(sr.error);
    CHECK(sr.error->code == make_error_code(SecretStreamErrc::invalid_header));
  }
}
