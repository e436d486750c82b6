// Our Protomux against the real protomux@3.12.1 (protomux_peer.js), message
// by message over a pipe: opens from each side and both at once, handshakes
// (raw bytes and c.buffer), messages of several types both ways, batches both
// ways, closes and id reuse, rejects, 100 channels, and what Node does with
// ids that are not dense.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "encoding/compact.hpp"
#include "encoding/key_id.hpp"
#include "protomux_bridge.hpp"

namespace hc::interop {
namespace {

using nlohmann::json;
using wire::ChannelHandle;
using Kind = wire::MuxEvent::Kind;
using encoding::to_hex;

Bytes unhex(const std::string& s) {
  auto b = encoding::from_hex(s);
  REQUIRE(b.ok());
  return *b;
}

const wire::MuxEvent* find(const std::vector<wire::MuxEvent>& events, Kind k,
                           ChannelHandle ch = 0) {
  for (const auto& e : events) {
    if (e.kind == k && (ch == 0 || e.channel == ch)) return &e;
  }
  return nullptr;
}

std::string key_of(const std::string& protocol, const std::string& id_hex) {
  return protocol + "##" + id_hex;
}

// Answers every remote open by opening our side with `handshake`.
void accept_all(NodeMuxPeer& p, Bytes handshake = {}) {
  p.on_event = [&p, handshake](const wire::MuxEvent& e) {
    if (e.kind != Kind::remote_open) return;
    std::optional<ByteView> id;
    if (e.id) id = ByteView(*e.id);
    REQUIRE(p.mux.open_channel(e.protocol, id, handshake).ok());
  };
}

const std::string kDk = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

}  // namespace

TEST_CASE("protomux interop: Node opens, C++ answers, messages and batches both ways") {
  NodeMuxPeer p;
  const std::string proto = "hypercore/alpha";
  const std::string key = key_of(proto, kDk);
  p.command({{"op", "open"}, {"protocol", proto}, {"id", kDk}, {"handshake", "0103"},
             {"encoding", "raw"}, {"types", 4}});
  p.pump_until([&] { return find(p.events, Kind::remote_open) != nullptr; });
  const auto& ro = *find(p.events, Kind::remote_open);
  CHECK(ro.remote_id == 1);
  CHECK(ro.protocol == proto);
  REQUIRE(ro.id);
  CHECK(to_hex(*ro.id) == kDk);
  // Node's open frame is exactly what we would have written.
  Bytes expect;
  encoding::Writer w(expect);
  w.u8(0);
  w.u8(1);
  w.uint(1);
  w.string(proto);
  w.buffer(unhex(kDk));
  w.raw(Bytes{1, 3});
  REQUIRE(!p.from_node_raw.empty());
  CHECK(to_hex(p.from_node_raw[0]) == to_hex(expect));

  auto h = p.mux.open_channel(proto, unhex(kDk), Bytes{1, 0x77});
  REQUIRE(h.ok());
  p.pump_until([&] { return p.find_node("open") != nullptr; });
  CHECK(p.find_node("open")->at("handshake") == "0177");
  CHECK(p.find_node("open")->at("key") == key);
  const auto* opened = find(p.events, Kind::opened, *h);
  REQUIRE(opened);
  CHECK(opened->payload == Bytes{1, 3});

  // C++ → Node, single messages of each type, then an unknown type (ignored
  // by Node), then a corked batch.
  for (std::uint64_t t = 0; t < 4; t++) {
    REQUIRE(p.mux.send(*h, t, Bytes(t * 3, static_cast<std::uint8_t>(0x10 + t))).ok());
  }
  REQUIRE(p.mux.send(*h, 9, Bytes{9, 9}).ok());
  p.mux.cork();
  REQUIRE(p.mux.send(*h, 2, Bytes{0xb0}).ok());
  REQUIRE(p.mux.send(*h, 0, Bytes{0xb1, 0xb2}).ok());
  REQUIRE(p.mux.send(*h, 3, Bytes{}).ok());
  p.mux.uncork();
  p.pump_until([&] { return p.count_node("message") == 7; });
  std::vector<json> msgs;
  for (const auto& j : p.node) {
    if (j["ev"] == "message") msgs.push_back(j);
  }
  CHECK(msgs[0]["type"] == 0);
  CHECK(msgs[0]["data"] == "");
  CHECK(msgs[1]["type"] == 1);
  CHECK(msgs[1]["data"] == "111111");
  CHECK(msgs[3]["type"] == 3);
  CHECK(msgs[3]["data"] == "131313131313131313");
  CHECK(msgs[4]["type"] == 2);
  CHECK(msgs[4]["data"] == "b0");
  CHECK(msgs[5]["type"] == 0);
  CHECK(msgs[5]["data"] == "b1b2");
  CHECK(msgs[6]["type"] == 3);
  CHECK(msgs[6]["data"] == "");
  CHECK(!p.find_node("destroyed"));

  // Node → C++: single messages, then a corked batch (one frame).
  p.command({{"op", "send"}, {"key", key}, {"type", 3}, {"data", "c0ffee"}});
  p.command({{"op", "batch"},
             {"ops", json::array({
                         {{"op", "send"}, {"key", key}, {"type", 1}, {"data", "aa"}},
                         {{"op", "send"}, {"key", key}, {"type", 0}, {"data", ""}},
                         {{"op", "send"}, {"key", key}, {"type", 2}, {"data", "bbbbbb"}},
                     })}});
  p.pump_until([&] { return p.count(Kind::message) == 4; });
  std::vector<wire::MuxEvent> got;
  for (const auto& e : p.events) {
    if (e.kind == Kind::message) got.push_back(e);
  }
  CHECK((got[0].type == 3 && got[0].payload == unhex("c0ffee")));
  CHECK((got[1].type == 1 && got[1].payload == unhex("aa")));
  CHECK((got[2].type == 0 && got[2].payload.empty()));
  CHECK((got[3].type == 2 && got[3].payload == unhex("bbbbbb")));
  const Bytes& batch = p.from_node_raw.back();
  CHECK(to_hex(batch).substr(0, 6) == "000001");  // batch, channel 1
  for (const auto& st : p.receive_results) CHECK(st.ok());
}

TEST_CASE("protomux interop: C++ opens, Node accepts via pair(), a declined open is rejected") {
  NodeMuxPeer p;
  p.command({{"op", "pair"}, {"protocol", "p"}, {"id", nullptr}, {"accept", true},
             {"handshake", "5a"}, {"types", 2}});
  p.sync();
  auto h1 = p.mux.open_channel("p", unhex("01"), Bytes{0x11});
  REQUIRE(h1.ok());
  p.pump_until([&] { return find(p.events, Kind::opened, *h1) != nullptr; });
  CHECK(find(p.events, Kind::opened, *h1)->payload == Bytes{0x5a});
  CHECK(p.find_node("notify")->at("id") == "01");
  p.pump_until([&] { return p.find_node("open") != nullptr; });
  CHECK(p.find_node("open")->at("handshake") == "11");

  // Nobody paired protocol "q" on Node: its mux rejects our open.
  auto h2 = p.mux.open_channel("q", unhex("02"), Bytes{});
  REQUIRE(h2.ok());
  CHECK(p.mux.local_id(*h2) == 2u);
  REQUIRE(p.mux.send(*h2, 0, Bytes{1}).ok());  // sent before the answer: Node buffers, then drops
  p.pump_until([&] { return find(p.events, Kind::rejected, *h2) != nullptr; });
  CHECK(!p.mux.local_id(*h2));
  // The rejected id 2 is reused, and Node accepts it as dense.
  auto h3 = p.mux.open_channel("p", unhex("03"), Bytes{});
  REQUIRE(h3.ok());
  CHECK(p.mux.local_id(*h3) == 2u);
  p.pump_until([&] { return find(p.events, Kind::opened, *h3) != nullptr; });
  REQUIRE(p.mux.send(*h3, 1, Bytes{0x42}).ok());
  p.pump_until([&] { return p.find_node("message") != nullptr; });
  CHECK(p.find_node("message")->at("key") == key_of("p", "03"));
  CHECK(p.find_node("message")->at("data") == "42");
  auto st = p.state();
  CHECK(st["channels"][key_of("p", "03")]["remoteId"] == 2);
  CHECK(!st["destroyed"].get<bool>());
}

TEST_CASE("protomux interop: both open at once, handshake as c.buffer") {
  NodeMuxPeer p;
  p.command({{"op", "open"}, {"protocol", "both"}, {"id", kDk}, {"handshake", "deadbeef"},
             {"encoding", "buffer"}});
  // Our open is written before anything from Node is read: both opens cross.
  Bytes hs;
  encoding::Writer(hs).buffer(Bytes{1, 2, 3});
  auto h = p.mux.open_channel("both", unhex(kDk), hs);
  REQUIRE(h.ok());
  p.pump_until([&] {
    return find(p.events, Kind::opened, *h) != nullptr && p.find_node("open") != nullptr;
  });
  CHECK(p.find_node("open")->at("handshake") == "010203");
  CHECK(to_hex(find(p.events, Kind::opened, *h)->payload) == "04deadbeef");
  CHECK(!find(p.events, Kind::remote_open));
  CHECK(!p.find_node("notify"));
}

TEST_CASE("protomux interop: Node closes and reopens channels, ids are reused on both sides") {
  NodeMuxPeer p;
  accept_all(p);
  for (const char* id : {"0a", "0b", "0c"}) {
    p.command({{"op", "open"}, {"protocol", "r"}, {"id", id}});
  }
  p.pump_until([&] { return p.count_node("open") == 3; });
  CHECK(p.count(Kind::opened) == 3);

  // Node closes its channel 1; we see a remote close; it reopens another
  // channel on id 1, which we accept as dense.
  p.command({{"op", "close"}, {"key", key_of("r", "0a")}});
  p.pump_until([&] { return find(p.events, Kind::closed) != nullptr; });
  CHECK(find(p.events, Kind::closed)->remote);
  p.command({{"op", "open"}, {"protocol", "r"}, {"id", "0d"}});
  p.pump_until([&] { return p.count_node("open") == 4; });
  CHECK(p.find_node("created", [](const json& j) { return j["key"] == "r##0d"; })->at("localId") == 1);
  CHECK(p.events.back().kind == Kind::opened);
  auto st = p.state();
  CHECK(st["channels"]["r##0d"]["remoteId"] == 1);  // our freed id 1, reused

  // Node frees 3 then 2; its next id is 2 (last freed first), as is ours.
  p.command({{"op", "close"}, {"key", key_of("r", "0c")}});
  p.command({{"op", "close"}, {"key", key_of("r", "0b")}});
  p.command({{"op", "open"}, {"protocol", "r"}, {"id", "0e"}});
  p.pump_until([&] { return p.count_node("open") == 5; });
  CHECK(p.find_node("created", [](const json& j) { return j["key"] == "r##0e"; })->at("localId") == 2);
  st = p.state();
  CHECK(st["channels"]["r##0e"]["remoteId"] == 2);
  CHECK(st["free"] == json::array({2}));

  // Now we close one; Node sees a remote close and both reuse the slot.
  ChannelHandle last = 0;
  for (const auto& e : p.events) {
    if (e.kind == Kind::opened) last = e.channel;
  }
  REQUIRE(p.mux.close(last).ok());
  p.pump_until([&] {
    return p.find_node("close", [](const json& j) { return j["key"] == "r##0e"; }) != nullptr;
  });
  CHECK(p.find_node("close", [](const json& j) { return j["key"] == "r##0e"; })->at("isRemote") == true);
  p.command({{"op", "open"}, {"protocol", "r"}, {"id", "0e"}});
  p.pump_until([&] { return p.count_node("open") == 6; });
  for (const auto& st2 : p.receive_results) CHECK(st2.ok());
  CHECK(p.mux.channel_count() == 2);
}

TEST_CASE("protomux interop: C++ declines, Node's early messages are buffered, then dropped") {
  NodeMuxPeer p;
  p.command({{"op", "open"}, {"protocol", "x"}, {"id", "01"}});
  p.command({{"op", "send"}, {"key", "x##01"}, {"type", 1}, {"data", "0102"}});
  p.command({{"op", "send"}, {"key", "x##01"}, {"type", 2}, {"data", ""}});
  p.pump_until([&] { return p.from_node_raw.size() == 3; });
  REQUIRE(find(p.events, Kind::remote_open));
  CHECK(p.mux.buffered() == 2 * wire::kMuxBufferedOverhead + 2);
  REQUIRE(p.mux.reject_remote(1).ok());
  CHECK(p.mux.buffered() == 0);
  p.pump_until([&] { return p.find_node("close") != nullptr; });
  CHECK(p.find_node("close")->at("isRemote") == true);
  auto st = p.state();
  CHECK(st["free"] == json::array({0}));
  CHECK(st["idle"] == true);

  // Node's next open reuses id 1; this time we accept, and early messages
  // are delivered after `opened`, in order.
  p.command({{"op", "open"}, {"protocol", "y"}, {"id", "02"}, {"handshake", "aa"}});
  p.command({{"op", "send"}, {"key", "y##02"}, {"type", 3}, {"data", "0303"}});
  p.command({{"op", "send"}, {"key", "y##02"}, {"type", 0}, {"data", "00"}});
  p.pump_until([&] { return p.from_node_raw.size() == 6; });
  const auto* ro = find(p.events, Kind::remote_open);
  std::size_t n_ro = 0;
  for (const auto& e : p.events) {
    if (e.kind == Kind::remote_open) {
      n_ro++;
      ro = &e;
    }
  }
  REQUIRE(n_ro == 2);
  CHECK(ro->remote_id == 1);
  p.events.clear();
  auto h = p.mux.open_channel("y", unhex("02"), Bytes{});
  REQUIRE(h.ok());
  p.pump_until([&] { return p.count(Kind::message) == 2 && p.find_node("open"); });
  REQUIRE(p.events.size() == 3);
  CHECK((p.events[0].kind == Kind::opened && p.events[0].payload == Bytes{0xaa}));
  CHECK((p.events[1].type == 3 && p.events[1].payload == Bytes{3, 3}));
  CHECK((p.events[2].type == 0 && p.events[2].payload == Bytes{0}));
}

TEST_CASE("protomux interop: 100 channels from each side on one mux") {
  NodeMuxPeer p;
  accept_all(p, Bytes{0xcc});
  p.command({{"op", "pair"}, {"protocol", "mine"}, {"id", nullptr}, {"accept", true},
             {"handshake", "dd"}, {"types", 2}});
  p.sync();
  std::vector<ChannelHandle> mine;
  for (int i = 0; i < 100; i++) {
    Bytes id = {static_cast<std::uint8_t>(i), 0x77};
    auto h = p.mux.open_channel("mine", id, Bytes{static_cast<std::uint8_t>(i)});
    REQUIRE(h.ok());
    mine.push_back(*h);
  }
  json ops = json::array();
  for (int i = 0; i < 100; i++) {
    p.command({{"op", "open"}, {"protocol", "theirs"}, {"id", to_hex(Bytes{static_cast<std::uint8_t>(i)})},
               {"handshake", "ee"}});
    ops.push_back({{"op", "send"}, {"key", "theirs##" + to_hex(Bytes{static_cast<std::uint8_t>(i)})},
                   {"type", 1}, {"data", to_hex(Bytes{static_cast<std::uint8_t>(i), 1})}});
  }
  p.pump_until([&] { return p.count(Kind::opened) == 200 && p.count_node("open") == 200; });
  CHECK(p.mux.channel_count() == 200);
  for (int i = 0; i < 100; i++) {
    CHECK(p.mux.is_open(mine[i]));
    REQUIRE(p.mux.send(mine[i], 1, Bytes{static_cast<std::uint8_t>(i)}).ok());
  }
  p.command({{"op", "batch"}, {"ops", ops}});
  p.pump_until([&] { return p.count(Kind::message) == 100 && p.count_node("message") == 100; });
  // All 100 of Node's sends came in one batch frame, switching channel each time.
  const Bytes& batch = p.from_node_raw.back();
  CHECK(batch[0] == 0);
  CHECK(batch[1] == 0);
  auto st = p.state();
  CHECK(st["local"] == 200);
  CHECK(st["remote"] == 200);
  for (const auto& r : p.receive_results) CHECK(r.ok());
  CHECK(!p.find_node("destroyed"));
}

TEST_CASE("protomux interop: a non-dense open id destroys the Node stream") {
  {
    NodeMuxPeer p;
    // Channel 5 when Node knows no remote channel yet.
    p.send_raw(Bytes{0, 1, 5, 1, 'p', 0});
    p.pump_until([&] { return p.find_node("destroyed") != nullptr; });
    CHECK(p.find_node("destroyed")->at("error") == "Invalid open message");
  }
  {
    NodeMuxPeer p;
    // Id 1 twice: Node accepted our channel 1, then an open reuses the id.
    p.command({{"op", "pair"}, {"protocol", "p"}, {"id", nullptr}, {"accept", true}});
    p.sync();
    auto h = p.mux.open_channel("p", std::nullopt, Bytes{});
    REQUIRE(h.ok());
    p.pump_until([&] { return p.mux.is_open(*h); });
    p.send_raw(Bytes{0, 1, 1, 1, 'q', 0});
    p.pump_until([&] { return p.find_node("destroyed") != nullptr; });
    CHECK(p.find_node("destroyed")->at("error") == "Invalid open message");
  }
  {
    NodeMuxPeer p;
    // A reject for an id Node never opened.
    p.send_raw(Bytes{0, 2, 7});
    p.pump_until([&] { return p.find_node("destroyed") != nullptr; });
    CHECK(p.find_node("destroyed")->at("error") == "Invalid reject message");
  }
  {
    // The other way: Node (bypassing its mux) sends a non-dense open to us.
    NodeMuxPeer p;
    p.command({{"op", "raw"}, {"data", "00010301700000"}});
    p.pump_until([&] { return !p.receive_results.empty(); });
    CHECK(p.receive_results[0].error() == wire::MuxErrc::invalid_open);
    CHECK(p.mux.destroyed());
  }
}

}  // namespace hc::interop
