// Known answers for the Noise XX handshake and secretstream, from the Node
// reference at test time (noise_kat.js: noise-handshake@4.2.0 with
// noise-curve-ed, @hyperswarm/secret-stream's streamId, sodium-secretstream):
// with static and ephemeral keys fixed, the C++ transcript, keys, handshake
// hash and stream ids equal Node's byte for byte; secretstream messages
// pushed by either side pull on the other.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "crypto/noise.hpp"
#include "crypto/secretstream.hpp"
#include "crypto/sign.hpp"
#include "encoding/key_id.hpp"
#include "node_runner.hpp"

namespace hc::interop {
namespace {

using nlohmann::json;
using encoding::to_hex;

Hash32 filled(std::uint8_t b) {
  Hash32 h;
  h.fill(b);
  return h;
}

struct Seeds {
  Hash32 static_i, static_r, eph_i, eph_r;
};

}  // namespace

TEST_CASE("noise XX transcript and secretstream agree with Node") {
  std::mt19937 rng(std::random_device{}());
  std::vector<Seeds> cases = {{filled(1), filled(2), filled(3), filled(4)}};  // §11.6
  for (int k = 0; k < 4; k++) {
    Seeds s;
    for (Hash32* h : {&s.static_i, &s.static_r, &s.eph_i, &s.eph_r}) crypto::random_bytes(*h);
    cases.push_back(s);
  }
  json jcases = json::array();
  for (const auto& s : cases) {
    jcases.push_back({{"staticI", to_hex(s.static_i)},
                      {"staticR", to_hex(s.static_r)},
                      {"ephI", to_hex(s.eph_i)},
                      {"ephR", to_hex(s.eph_r)}});
  }

  // Secretstream: C++ pushes for Node to pull; Node pushes for C++ to pull.
  Hash32 key;
  crypto::random_bytes(key);
  std::vector<Bytes> messages = {Bytes(as_bytes("hello").begin(), as_bytes("hello").end()),
                                 Bytes{}, Bytes(1, 0x42), Bytes(65536)};
  for (auto& b : messages.back()) b = static_cast<std::uint8_t>(rng());
  crypto::SecretStreamPush push(key);
  json cpp_ciphertexts = json::array(), jmessages = json::array();
  for (const auto& m : messages) {
    cpp_ciphertexts.push_back(to_hex(push.push(m)));
    jmessages.push_back(to_hex(m));
  }
  Bytes forged = push.push(as_bytes("forged"));
  forged[forged.size() / 2] ^= 1;
  cpp_ciphertexts.push_back(to_hex(forged));

  const json input = {{"cases", jcases},
                      {"secretstream",
                       {{"key", to_hex(key)},
                        {"messages", jmessages},
                        {"cppHeader", to_hex(push.header())},
                        {"cppCiphertexts", cpp_ciphertexts}}}};
  const json out = run_node("noise_kat.js", {}, input);

  REQUIRE(out["cases"].size() == cases.size());
  for (std::size_t c = 0; c < cases.size(); c++) {
    CAPTURE(c);
    const json& n = out["cases"][c];
    const Seeds& s = cases[c];
    const auto si = crypto::key_pair_from_seed(s.static_i);
    const auto sr = crypto::key_pair_from_seed(s.static_r);
    crypto::NoiseHandshake i(true, si, crypto::key_pair_from_seed(s.eph_i));
    crypto::NoiseHandshake r(false, sr, crypto::key_pair_from_seed(s.eph_r));
    auto msg1 = i.write_message();
    REQUIRE(msg1);
    REQUIRE(r.read_message(*msg1));
    auto msg2 = r.write_message();
    REQUIRE(msg2);
    REQUIRE(i.read_message(*msg2));
    auto msg3 = i.write_message();
    REQUIRE(msg3);
    REQUIRE(r.read_message(*msg3));
    REQUIRE(i.complete());
    REQUIRE(r.complete());

    CHECK(to_hex(si.public_key) == n["staticIpk"]);
    CHECK(to_hex(sr.public_key) == n["staticRpk"]);
    CHECK(to_hex(*msg1) == n["msg1"]);
    CHECK(to_hex(*msg2) == n["msg2"]);
    CHECK(to_hex(*msg3) == n["msg3"]);
    CHECK(to_hex(i.result().handshake_hash) == n["hashI"]);
    CHECK(to_hex(r.result().handshake_hash) == n["hashR"]);
    CHECK(to_hex(i.result().tx) == n["txI"]);
    CHECK(to_hex(i.result().rx) == n["rxI"]);
    CHECK(to_hex(r.result().tx) == n["txR"]);
    CHECK(to_hex(r.result().rx) == n["rxR"]);
    CHECK(to_hex(i.result().remote_public_key) == n["remoteI"]);
    CHECK(to_hex(r.result().remote_public_key) == n["remoteR"]);
    CHECK(to_hex(crypto::stream_id(i.result().handshake_hash, true)) == n["streamIdI"]);
    CHECK(to_hex(crypto::stream_id(i.result().handshake_hash, false)) == n["streamIdR"]);
  }

  const json& ss = out["secretstream"];
  // Node pulled what C++ pushed, and refused the forged one.
  REQUIRE(ss["pulled"].size() == messages.size() + 1);
  for (std::size_t k = 0; k < messages.size(); k++) CHECK(ss["pulled"][k] == to_hex(messages[k]));
  CHECK(ss["pulled"][messages.size()].is_null());
  // C++ pulls what Node pushed; a flipped byte or a cut is refused.
  auto pull = crypto::SecretStreamPull::open(hex(ss["header"]), key);
  REQUIRE(pull);
  REQUIRE(ss["ciphertexts"].size() == messages.size());
  for (std::size_t k = 0; k < messages.size(); k++) {
    const Bytes c = hex(ss["ciphertexts"][k]);
    CHECK(c.size() == messages[k].size() + crypto::kSecretStreamABytes);
    Bytes bad = c;
    bad[k % bad.size()] ^= 0x80;
    CHECK(!pull->pull(bad));
    CHECK(!pull->pull(ByteView(c.data(), c.size() - 1)));
    auto p = pull->pull(c);
    REQUIRE(p);
    CHECK(*p == messages[k]);
    CHECK(pull->last_tag() == crypto::kSecretStreamTagMessage);
  }
}

}  // namespace hc::interop
