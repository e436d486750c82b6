// The hypercore channel messages against the Node reference (messages_kat.js,
// hypercore lib/messages.js wire.*), in both directions and in one Node run:
//  - Node's random values of every type and their bytes: C++ decodes the bytes
//    to the same values and re-encodes them to the same bytes;
//  - C++'s random values: Node decodes C++'s bytes to the same values and
//    re-encodes them to the same bytes;
//  - malformed bytes (truncations, mutations, non-canonical and oversized
//    fields, random bytes): C++ accepts exactly what Node accepts, decodes it
//    to the same value and re-encodes it as Node does.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "encoding/compact.hpp"
#include "encoding/key_id.hpp"
#include "node_runner.hpp"
#include "wire/messages.hpp"
#include "wire/messages_random.hpp"

namespace hc::interop {
namespace {

using nlohmann::json;
using encoding::to_hex;
using namespace hc::wire;

// The JSON form messages_kat.js prints: Node's field names, buffers in hex.
json nodes_json(const std::vector<core::TreeNode>& nodes) {
  json out = json::array();
  for (const auto& n : nodes) out.push_back({{"index", n.index}, {"size", n.size}, {"hash", to_hex(n.hash)}});
  return out;
}

json manifest_json(const core::Manifest& m) {
  json signers = json::array();
  for (const auto& s : m.signers) {
    signers.push_back(
        {{"signature", "ed25519"}, {"namespace", to_hex(s.namespace_id)}, {"publicKey", to_hex(s.public_key)}});
  }
  json linked = nullptr;
  if (m.linked) {
    linked = json::array();
    for (const auto& h : *m.linked) linked.push_back(to_hex(h));
  }
  return {{"version", m.version},
          {"hash", "blake2b"},
          {"allowPatch", m.allow_patch},
          {"quorum", m.quorum},
          {"signers", signers},
          {"prologue", m.prologue ? json{{"hash", to_hex(m.prologue->hash)}, {"length", m.prologue->length}}
                                  : json(nullptr)},
          {"linked", linked},
          {"userData", m.user_data ? json(to_hex(*m.user_data)) : json(nullptr)}};
}

template <class T, class F>
json opt(const std::optional<T>& v, F f) {
  return v ? f(*v) : json(nullptr);
}

json to_json(const Sync& m) {
  return {{"fork", m.fork},           {"length", m.length},           {"remoteLength", m.remote_length},
          {"canUpgrade", m.can_upgrade}, {"uploading", m.uploading},  {"downloading", m.downloading},
          {"hasManifest", m.has_manifest}, {"allowPush", m.allow_push}};
}
json to_json(const Request& m) {
  auto indexed = [](const Request::Indexed& i) { return json{{"index", i.index}, {"nodes", i.nodes}}; };
  return {{"id", m.id},
          {"fork", m.fork},
          {"block", opt(m.block, indexed)},
          {"hash", opt(m.hash, indexed)},
          {"seek", opt(m.seek, [](auto& s) { return json{{"bytes", s.bytes}, {"padding", s.padding}}; })},
          {"upgrade", opt(m.upgrade, [](auto& u) { return json{{"start", u.start}, {"length", u.length}}; })},
          {"manifest", m.manifest},
          {"priority", m.priority}};
}
json to_json(const Cancel& m) { return {{"request", m.request}}; }
json to_json(const Data& m) {
  return {
      {"request", m.request},
      {"fork", m.fork},
      {"block", opt(m.block,
                    [](auto& b) {
                      return json{{"index", b.index}, {"value", to_hex(b.value)}, {"nodes", nodes_json(b.nodes)}};
                    })},
      {"hash", opt(m.hash, [](auto& h) { return json{{"index", h.index}, {"nodes", nodes_json(h.nodes)}}; })},
      {"seek", opt(m.seek, [](auto& s) { return json{{"bytes", s.bytes}, {"nodes", nodes_json(s.nodes)}}; })},
      {"upgrade", opt(m.upgrade,
                      [](auto& u) {
                        return json{{"start", u.start},
                                    {"length", u.length},
                                    {"nodes", nodes_json(u.nodes)},
                                    {"additionalNodes", nodes_json(u.additional_nodes)},
                                    {"signature", u.signature.empty() ? json(nullptr) : json(to_hex(u.signature))}};
                      })},
      {"manifest", opt(m.manifest, manifest_json)}};
}
json to_json(const NoData& m) { return {{"request", m.request}, {"reason", m.reason}}; }
json to_json(const Want& m) { return {{"start", m.start}, {"length", m.length}, {"any", m.any}}; }
json to_json(const Unwant& m) { return {{"start", m.start}, {"length", m.length}, {"any", m.any}}; }
json to_json(const Bitfield& m) { return {{"start", m.start}, {"bitfield", m.bitfield}}; }
json to_json(const Range& m) { return {{"drop", m.drop}, {"start", m.start}, {"length", m.length}}; }
json to_json(const Extension& m) { return {{"name", to_hex(as_bytes(m.name))}, {"message", to_hex(m.message)}}; }
json to_json(const Message& m) {
  return std::visit([](const auto& v) { return to_json(v); }, m);
}
json to_json(const Handshake& m) { return {{"seeks", m.seeks}, {"capability", to_hex(m.capability)}}; }

// One input for Node: a type ("handshake" or 0..9) and bytes.
struct Case {
  json type;
  Bytes bytes;
  std::string what;
};

// Decodes with the C++ decoder of `type`: the value as JSON and its
// re-encoding, or nullopt if refused.
std::optional<std::pair<json, Bytes>> cpp_decode(const json& type, ByteView bytes) {
  if (type.is_string()) {
    auto h = decode_handshake(bytes);
    if (!h) return std::nullopt;
    return std::make_pair(to_json(*h), encode_handshake(*h));
  }
  auto m = decode_message(type.get<std::uint64_t>(), bytes);
  if (!m) return std::nullopt;
  return std::make_pair(to_json(*m), encode(*m));
}

// Rewrites the first byte (always a uint) in its 3-, 5- and 9-byte forms.
std::vector<Bytes> non_canonical(const Bytes& b) {
  if (b.empty() || b[0] > 0xfc) return {};
  Bytes rest(b.begin() + 1, b.end());
  std::vector<Bytes> out;
  for (Bytes prefix : {Bytes{0xfd, b[0], 0}, Bytes{0xfe, b[0], 0, 0, 0}, Bytes{0xff, b[0], 0, 0, 0, 0, 0, 0, 0}}) {
    append(prefix, rest);
    out.push_back(prefix);
  }
  return out;
}

}  // namespace

TEST_CASE("messages: C++ and Node agree on every channel message, both ways") {
  testing::MessageRandom rnd(20251125);
  std::vector<Case> cases;

  // C++ values, encoded here, for Node to decode.
  std::vector<std::size_t> valid;
  for (int i = 0; i < 1500; i++) {
    auto t = static_cast<MessageType>(i % kMessageTypeCount);
    Message m = rnd.message(t);
    valid.push_back(cases.size());
    cases.push_back({static_cast<std::uint64_t>(t), encode(m), "cpp value"});
  }
  for (int i = 0; i < 100; i++) {
    valid.push_back(cases.size());
    cases.push_back({"handshake", encode_handshake(rnd.handshake()), "cpp handshake"});
  }

  // Malformed and unusual bytes: Node decides which are messages.
  const std::size_t first_odd = cases.size();
  for (std::size_t k = 0; k < valid.size(); k += 3) {
    const Case base = cases[valid[k]];
    const Bytes& b = base.bytes;
    if (b.size() < 400) {
      for (std::size_t n = 0; n < b.size(); n++) {
        cases.push_back({base.type, Bytes(b.begin(), b.begin() + n), "truncated"});
      }
    }
    for (auto& nc : non_canonical(b)) cases.push_back({base.type, nc, "non-canonical first uint"});
    Bytes longer = b;
    append(longer, Bytes{0x01, 0xfd, 0x07});
    cases.push_back({base.type, longer, "trailing bytes"});
    for (int j = 0; j < 4 && !b.empty(); j++) {
      Bytes mutated = b;
      for (std::uint64_t x = 0, n = 1 + rnd.below(3); x < n; x++) {
        mutated[rnd.below(mutated.size())] = static_cast<std::uint8_t>(rnd.rng()());
      }
      cases.push_back({base.type, mutated, "mutated"});
    }
  }
  for (int i = 0; i < 3000; i++) {
    Bytes b = rnd.bytes(48);
    if (!b.empty() && rnd.coin()) b[0] &= 0x3f;
    json type = i % 11 == 10 ? json("handshake") : json(rnd.below(kMessageTypeCount));
    cases.push_back({type, b, "random"});
  }
  // Hand-made edges: absent optional flags, counts that do not fit, uints past 2^53-1.
  const Bytes too_big{0xff, 0, 0, 0, 0, 0, 0, 0x20, 0};
  for (std::uint64_t t = 0; t < kMessageTypeCount; t++) cases.push_back({t, too_big, "uint > 2^53-1"});
  auto add = [&](std::uint64_t t, Bytes b, const char* what) { cases.push_back({t, std::move(b), what}); };
  add(4, {7}, "noData without flags");
  add(4, {7, 2, 9}, "noData flags without reason bit");
  add(4, {7, 1}, "noData reason missing");
  add(5, {1, 2}, "want without flags");
  add(6, {1, 2, 0xfd, 3, 0}, "unwant non-canonical flags");
  add(8, {3, 4, 5}, "range length-one flag and a length");
  add(7, {0, 2, 1, 2, 3, 4, 5, 6, 7}, "bitfield one byte short");
  add(7, {0, 0xfe, 0, 0, 0, 0x40}, "bitfield 2^30 words");
  add(7, {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0}, "bitfield 2^53-1 words");
  add(3, Bytes{1, 1, 0, 0, 0, 0xfe, 1, 0, 0x10, 0}, "data nodes above the array cap");
  add(3, Bytes{1, 1, 0, 0, 0, 0xfe, 0, 0, 0x10, 0}, "data nodes at the array cap, no bytes");
  add(3, Bytes{16, 1, 0, 1, 0, 9}, "data manifest with unknown hash");
  add(9, {0xfd, 0x01, 0x00, 'a'}, "extension non-canonical name length");

  json input = {{"seed", 77}, {"perType", 300}, {"cases", json::array()}};
  for (const auto& c : cases) input["cases"].push_back({{"type", c.type}, {"hex", to_hex(c.bytes)}});
  json out = run_node("messages_kat.js", {}, input, 300);

  {  // Node's values decode and re-encode byte for byte
    REQUIRE(out["generated"].size() == 11 * 300);
    std::size_t per_type[11] = {};
    for (const auto& g : out["generated"]) {
      Bytes b = hex(g["hex"]);
      auto got = cpp_decode(g["type"], b);
      INFO("type ", g["type"].dump(), " hex ", g["hex"].get<std::string>().substr(0, 200));
      REQUIRE(got.has_value());
      CHECK(got->first == g["value"]);
      CHECK(to_hex(got->second) == g["hex"].get<std::string>());
      per_type[g["type"].is_string() ? 10 : g["type"].get<std::size_t>()]++;
    }
    for (auto n : per_type) CHECK(n == 300);
  }

  {  // C++ bytes: Node accepts exactly what C++ accepts, as the same value
    const json& decoded = out["decoded"];
    REQUIRE(decoded.size() == cases.size());
    std::size_t accepted = 0, refused = 0;
    for (std::size_t i = 0; i < cases.size(); i++) {
      const Case& c = cases[i];
      const json& node = decoded[i];
      auto got = cpp_decode(c.type, c.bytes);
      INFO("case ", i, " (", c.what, ") type ", c.type.dump(), " hex ", to_hex(c.bytes).substr(0, 200),
           " node ", node.dump().substr(0, 300));
      REQUIRE(got.has_value() == node["ok"].get<bool>());
      if (!got) {
        refused++;
        continue;
      }
      accepted++;
      if (node["lossy"].get<bool>()) continue;  // Node replaced an invalid UTF-8 name
      CHECK(got->first == node["value"]);
      CHECK(to_hex(got->second) == node["hex"].get<std::string>());
      if (i < first_odd) CHECK(got->second == c.bytes);  // our own encodings are Node's
    }
    CHECK(accepted > 2000);
    CHECK(refused > 2000);
  }
}

}  // namespace hc::interop
