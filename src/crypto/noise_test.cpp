// Noise XX and secretstream, C++ against C++: both roles agree, every
// tampered or truncated message is an error value. Byte-exact agreement with
// the Node reference is in tests/interop/noise_kat_test.cpp.
#include <doctest/doctest.h>

#include <random>

#include "crypto/errors.hpp"
#include "crypto/noise.hpp"
#include "crypto/secretstream.hpp"
#include "crypto/sign.hpp"

using namespace hc;
using namespace hc::crypto;

namespace {

Hash32 filled(std::uint8_t b) {
  Hash32 h;
  h.fill(b);
  return h;
}

struct Transcript {
  Bytes msg1, msg2, msg3;
};

Transcript run(NoiseHandshake& i, NoiseHandshake& r) {
  Transcript t;
  t.msg1 = *i.write_message();
  REQUIRE(r.read_message(t.msg1));
  t.msg2 = *r.write_message();
  REQUIRE(i.read_message(t.msg2));
  t.msg3 = *i.write_message();
  REQUIRE(r.read_message(t.msg3));
  return t;
}

}  // namespace

TEST_CASE("noise XX: both sides agree on keys, hash and static keys") {
  const KeyPair si = key_pair_from_seed(filled(1)), sr = key_pair_from_seed(filled(2));
  NoiseHandshake i(true, si), r(false, sr);
  CHECK(i.our_turn());
  CHECK(!r.our_turn());
  CHECK(r.write_message().error() == make_error_code(Errc::handshake_state));
  const Transcript t = run(i, r);
  CHECK(t.msg1.size() == 32);
  CHECK(t.msg2.size() == 96);
  CHECK(t.msg3.size() == 64);
  REQUIRE(i.complete());
  REQUIRE(r.complete());
  CHECK(i.result().tx == r.result().rx);
  CHECK(i.result().rx == r.result().tx);
  CHECK(i.result().tx != i.result().rx);
  CHECK(i.result().handshake_hash == r.result().handshake_hash);
  CHECK(i.result().remote_public_key == sr.public_key);
  CHECK(r.result().remote_public_key == si.public_key);
  CHECK(stream_id(i.result().handshake_hash, true) != stream_id(i.result().handshake_hash, false));
  // Done: no more steps either way.
  CHECK(!i.write_message());
  CHECK(!i.read_message(t.msg2));
}

TEST_CASE("noise XX: fixed ephemeral keys give a deterministic transcript") {
  const KeyPair si = key_pair_from_seed(filled(1)), sr = key_pair_from_seed(filled(2));
  const KeyPair ei = key_pair_from_seed(filled(3)), er = key_pair_from_seed(filled(4));
  NoiseHandshake i1(true, si, ei), r1(false, sr, er), i2(true, si, ei), r2(false, sr, er);
  const Transcript a = run(i1, r1), b = run(i2, r2);
  CHECK(a.msg2 == b.msg2);
  CHECK(a.msg3 == b.msg3);
  CHECK(i1.result().handshake_hash == i2.result().handshake_hash);
  CHECK(equal(ByteView(a.msg1), ei.public_key));
}

TEST_CASE("noise XX: every flipped byte and every truncation fails as a value") {
  const KeyPair si = random_key_pair(), sr = random_key_pair();
  const KeyPair ei = random_key_pair(), er = random_key_pair();
  NoiseHandshake i(true, si, ei), r(false, sr, er);
  const Transcript t = run(i, r);

  // With both ephemerals fixed the exchange replays exactly, so each side can
  // be fed a modified copy of the message it reads.
  auto initiator_reads = [&](ByteView msg2) {
    NoiseHandshake x(true, si, ei);
    REQUIRE(x.write_message());
    const bool ok = x.read_message(msg2).ok();
    CHECK(x.failed() == !ok);
    if (!ok) {
      CHECK(!x.write_message());  // failed stays failed
      CHECK(!x.read_message(msg2));
    }
    return ok;
  };
  auto responder_reads = [&](ByteView msg3) {
    NoiseHandshake y(false, sr, er);
    REQUIRE(y.read_message(t.msg1));
    REQUIRE(*y.write_message() == t.msg2);
    const bool ok = y.read_message(msg3).ok();
    CHECK(y.failed() == !ok);
    CHECK(y.complete() == ok);
    return ok;
  };
  CHECK(initiator_reads(t.msg2));
  CHECK(responder_reads(t.msg3));
  for (std::size_t k = 0; k < t.msg2.size(); k++) {
    for (std::uint8_t bit : {0x01, 0x80}) {
      Bytes bad = t.msg2;
      bad[k] ^= bit;
      CHECK_MESSAGE(!initiator_reads(bad), "msg2 byte ", k);
    }
  }
  for (std::size_t k = 0; k < t.msg3.size(); k++) {
    Bytes bad = t.msg3;
    bad[k] ^= 0x01;
    CHECK_MESSAGE(!responder_reads(bad), "msg3 byte ", k);
  }
  for (std::size_t n = 0; n < t.msg2.size(); n++) CHECK(!initiator_reads(ByteView(t.msg2.data(), n)));
  for (std::size_t n = 0; n < t.msg3.size(); n++) CHECK(!responder_reads(ByteView(t.msg3.data(), n)));
  Bytes longer2 = t.msg2, longer3 = t.msg3;
  longer2.push_back(0);
  longer3.push_back(0);
  CHECK(!initiator_reads(longer2));
  CHECK(!responder_reads(longer3));
  // A huge payload is refused by the length rule, not by reading it.
  Bytes huge = t.msg3;
  huge.resize(48 + kNoiseMaxMessage + 1);
  CHECK(!responder_reads(huge));

  // msg1: too short fails; an extra cleartext payload is accepted as Node does.
  for (std::size_t n = 0; n < 32; n++) {
    NoiseHandshake y(false, sr);
    CHECK(!y.read_message(ByteView(t.msg1.data(), n)));
  }
  Bytes msg1_payload = t.msg1;
  msg1_payload.push_back(7);
  NoiseHandshake y(false, sr);
  CHECK(y.read_message(msg1_payload));
}

TEST_CASE("noise XX: a peer ephemeral key that is not a valid point fails") {
  NoiseHandshake r(false, random_key_pair());
  Hash32 zero{};  // the identity's neighbour: small order, refused by libsodium
  REQUIRE(r.read_message(zero));
  CHECK(!r.write_message());
  CHECK(r.failed());
}

TEST_CASE("secretstream: push/pull round trip, tags, tamper and short input") {
  Hash32 key;
  random_bytes(key);
  SecretStreamPush push(key);
  auto pull = SecretStreamPull::open(push.header(), key);
  REQUIRE(pull);
  std::mt19937 rng(7);
  for (std::size_t len : {0u, 1u, 17u, 1000u, 65536u}) {
    Bytes msg(len);
    for (auto& b : msg) b = static_cast<std::uint8_t>(rng());
    const Bytes c = push.push(msg);
    CHECK(c.size() == len + kSecretStreamABytes);
    auto p = pull->pull(c);
    REQUIRE(p);
    CHECK(*p == msg);
    CHECK(pull->last_tag() == kSecretStreamTagMessage);
  }
  const Bytes c = push.push(as_bytes("hello"));
  for (std::size_t k = 0; k < c.size(); k++) {
    Bytes bad = c;
    bad[k] ^= 0x20;
    CHECK(pull->pull(bad).error() == make_error_code(Errc::decrypt_failed));
  }
  for (std::size_t n = 0; n < c.size(); n++) CHECK(!pull->pull(ByteView(c.data(), n)));
  auto ok = pull->pull(c);  // failures left the state alone
  REQUIRE(ok);
  CHECK(as_chars(*ok) == "hello");
  CHECK(!pull->pull(c));  // a replay does not decrypt
  CHECK(!SecretStreamPull::open(ByteView(push.header().data(), 23), key));
}
