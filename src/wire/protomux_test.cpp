#include "wire/protomux.hpp"

#include <doctest/doctest.h>

#include "encoding/errors.hpp"

#include <random>
#include <string>
#include <vector>

using namespace hc;
using namespace hc::wire;
using Kind = MuxEvent::Kind;

namespace {

Bytes bs(std::string_view s) { return to_bytes(as_bytes(s)); }

// One side of an in-memory connection: a mux and the events it produced.
struct Side {
  explicit Side(Protomux::Options o = {}) : mux(o) {}
  Protomux mux;
  std::vector<MuxEvent> events;

  void collect() {
    for (auto& e : mux.take_events()) events.push_back(std::move(e));
  }
  std::vector<MuxEvent> take() {
    collect();
    return std::exchange(events, {});
  }
};

// Moves messages both ways until neither side has anything to send.
void pump(Side& x, Side& y) {
  for (int round = 0; round < 1000; round++) {
    auto out_x = x.mux.take_output();
    auto out_y = y.mux.take_output();
    if (out_x.empty() && out_y.empty()) break;
    for (auto& m : out_x) REQUIRE(y.mux.receive(m).ok());
    for (auto& m : out_y) REQUIRE(x.mux.receive(m).ok());
  }
  x.collect();
  y.collect();
}

const MuxEvent* find_kind(const std::vector<MuxEvent>& events, Kind k) {
  for (const auto& e : events) {
    if (e.kind == k) return &e;
  }
  return nullptr;
}

ChannelHandle open(Side& s, std::string_view protocol, std::string_view id, std::string_view hs) {
  auto h = s.mux.open_channel(protocol, as_bytes(id), as_bytes(hs));
  REQUIRE(h.ok());
  return *h;
}

}  // namespace

TEST_CASE("protomux: both sides open at once, no ack, messages both ways") {
  Side a, b;
  auto ha = open(a, "proto", "key-1", "hs-a");
  auto hb = open(b, "proto", "key-1", "hs-b");
  CHECK(a.mux.local_id(ha) == 1u);
  CHECK(!a.mux.is_open(ha));
  // The open frame: 00 01 uint(1) string(protocol) optionalBuffer(id) handshake.
  auto out = a.mux.take_output();
  REQUIRE(out.size() == 1);
  Bytes expect = {0, 1, 1, 5};
  append(expect, bs("proto"));
  expect.push_back(5);
  append(expect, bs("key-1"));
  append(expect, bs("hs-a"));
  CHECK(out[0] == expect);
  REQUIRE(b.mux.receive(out[0]).ok());
  pump(a, b);

  auto ea = a.take();
  auto eb = b.take();
  REQUIRE(ea.size() == 1);
  REQUIRE(eb.size() == 1);
  CHECK(ea[0].kind == Kind::opened);
  CHECK(ea[0].channel == ha);
  CHECK(ea[0].payload == bs("hs-b"));
  CHECK(eb[0].kind == Kind::opened);
  CHECK(eb[0].payload == bs("hs-a"));
  CHECK(a.mux.is_open(ha));
  CHECK(a.mux.remote_id(ha) == 1u);

  REQUIRE(a.mux.send(ha, 0, bs("zero")).ok());
  REQUIRE(a.mux.send(ha, 7, bs("seven")).ok());
  REQUIRE(a.mux.send(ha, 300, Bytes{}).ok());
  REQUIRE(b.mux.send(hb, 2, bs("back")).ok());
  pump(a, b);
  eb = b.take();
  REQUIRE(eb.size() == 3);
  CHECK((eb[0].kind == Kind::message && eb[0].channel == hb && eb[0].type == 0 &&
         eb[0].payload == bs("zero")));
  CHECK((eb[1].type == 7 && eb[1].payload == bs("seven")));
  CHECK((eb[2].type == 300 && eb[2].payload.empty()));
  ea = a.take();
  REQUIRE(ea.size() == 1);
  CHECK((ea[0].type == 2 && ea[0].payload == bs("back")));
}

TEST_CASE("protomux: one side opens, the other answers on remote_open, buffering") {
  Side a, b;
  auto ha = open(a, "hypercore/alpha", "dk", "A");
  // Messages sent before the peer answered are buffered there.
  REQUIRE(a.mux.send(ha, 1, bs("early-1")).ok());
  REQUIRE(a.mux.send(ha, 2, bs("early-2")).ok());
  pump(a, b);
  auto eb = b.take();
  REQUIRE(eb.size() == 1);
  CHECK(eb[0].kind == Kind::remote_open);
  CHECK(eb[0].remote_id == 1);
  CHECK(eb[0].protocol == "hypercore/alpha");
  CHECK(eb[0].id == bs("dk"));
  CHECK(b.mux.buffered() == 2 * kMuxBufferedOverhead + 14);

  auto hb = open(b, "hypercore/alpha", "dk", "B");
  eb = b.take();
  REQUIRE(eb.size() == 3);
  CHECK((eb[0].kind == Kind::opened && eb[0].channel == hb && eb[0].payload == bs("A")));
  CHECK((eb[1].kind == Kind::message && eb[1].type == 1 && eb[1].payload == bs("early-1")));
  CHECK((eb[2].kind == Kind::message && eb[2].type == 2 && eb[2].payload == bs("early-2")));
  CHECK(b.mux.buffered() == 0);
  CHECK(b.mux.is_open(hb));
  pump(a, b);
  auto ea = a.take();
  REQUIRE(ea.size() == 1);
  CHECK((ea[0].kind == Kind::opened && ea[0].payload == bs("B")));
}

TEST_CASE("protomux: null and empty ids are the same channel") {
  Side a, b;
  auto ha = a.mux.open_channel("p", std::nullopt, Bytes{});
  REQUIRE(ha.ok());
  auto hb = b.mux.open_channel("p", ByteView{}, Bytes{});
  REQUIRE(hb.ok());
  pump(a, b);
  CHECK(a.mux.is_open(*ha));
  CHECK(b.mux.is_open(*hb));
  CHECK(!find_kind(a.events, Kind::remote_open));
}

TEST_CASE("protomux: reject, then the rejected id is reused") {
  Side a, b;
  auto ha = open(a, "p", "x", "");
  REQUIRE(a.mux.send(ha, 0, bs("buffered")).ok());
  pump(a, b);
  REQUIRE(b.take().at(0).kind == Kind::remote_open);
  CHECK(b.mux.buffered() > 0);
  REQUIRE(b.mux.reject_remote(1).ok());
  CHECK(b.mux.buffered() == 0);
  CHECK(b.mux.reject_remote(1).error() == MuxErrc::not_pending);
  auto out = b.mux.take_output();
  REQUIRE(out.size() == 1);
  CHECK(out[0] == Bytes{0, 2, 1});
  REQUIRE(a.mux.receive(out[0]).ok());
  auto ea = a.take();
  REQUIRE(ea.size() == 1);
  CHECK((ea[0].kind == Kind::rejected && ea[0].channel == ha));
  CHECK(!a.mux.local_id(ha));
  CHECK(a.mux.send(ha, 0, Bytes{}).error() == MuxErrc::channel_closed);
  // Id 1 came back; the remote slot 1 on b is free again, so this is dense.
  auto ha2 = open(a, "p", "y", "");
  CHECK(a.mux.local_id(ha2) == 1u);
  CHECK(ha2 != ha);
  pump(a, b);
  auto eb = b.take();
  REQUIRE(eb.size() == 1);
  CHECK((eb[0].kind == Kind::remote_open && eb[0].remote_id == 1));
}

TEST_CASE("protomux: close from either side frees ids on both, reuse is dense") {
  Side a, b;
  auto a1 = open(a, "p", "one", "");
  auto a2 = open(a, "p", "two", "");
  auto b1 = open(b, "p", "one", "");
  auto b2 = open(b, "p", "two", "");
  pump(a, b);
  CHECK(a.mux.local_id(a2) == 2u);
  REQUIRE(a.mux.is_open(a1));
  REQUIRE(b.mux.is_open(b2));
  a.take();
  b.take();

  REQUIRE(a.mux.close(a1).ok());
  CHECK(a.mux.close(a1).error() == MuxErrc::channel_closed);
  auto ea = a.take();
  REQUIRE(ea.size() == 1);
  CHECK((ea[0].kind == Kind::closed && !ea[0].remote && ea[0].channel == a1));
  pump(a, b);
  auto eb = b.take();
  REQUIRE(eb.size() == 1);
  CHECK((eb[0].kind == Kind::closed && eb[0].remote && eb[0].channel == b1));
  // No reply to a close; both sides reuse id 1 for the next channel.
  auto a3 = open(a, "p", "three", "");
  auto b3 = open(b, "p", "three", "");
  CHECK(a.mux.local_id(a3) == 1u);
  CHECK(b.mux.local_id(b3) == 1u);
  pump(a, b);
  CHECK(a.mux.is_open(a3));
  CHECK(b.mux.is_open(b3));
  // Messages on the old handle are refused; on the new one they arrive.
  CHECK(a.mux.send(a1, 0, Bytes{}).error() == MuxErrc::channel_closed);
  REQUIRE(a.mux.send(a3, 4, bs("new")).ok());
  pump(a, b);
  eb = b.take();
  REQUIRE(find_kind(eb, Kind::message));
  CHECK(find_kind(eb, Kind::message)->channel == b3);

  // Close from b's side.
  REQUIRE(b.mux.close(b2).ok());
  pump(a, b);
  ea = a.take();
  REQUIRE(find_kind(ea, Kind::closed));
  CHECK(find_kind(ea, Kind::closed)->channel == a2);
  CHECK(a.mux.channel_count() == 1);
  CHECK(b.mux.channel_count() == 1);
}

TEST_CASE("protomux: a closed unpaired id is reused only after the peer's answer") {
  Side a, b;
  auto h = open(a, "p", "k", "");
  REQUIRE(a.mux.close(h).ok());
  auto h2 = open(a, "p", "k2", "");  // id 1 not acknowledged yet
  CHECK(a.mux.local_id(h2) == 2u);
  pump(a, b);
  auto eb = b.take();
  REQUIRE(eb.size() == 2);  // two remote opens; the close for the unanswered one is ignored
  CHECK(eb[0].remote_id == 1);
  CHECK(eb[1].remote_id == 2);
  REQUIRE(b.mux.reject_remote(1).ok());
  pump(a, b);
  CHECK(!find_kind(a.take(), Kind::rejected));  // the channel was already gone
  auto h3 = open(a, "p", "k3", "");
  CHECK(a.mux.local_id(h3) == 1u);

  // Same, acknowledged by the peer's open instead of a reject.
  Side c, d;
  auto hc = open(c, "q", "k", "");
  REQUIRE(c.mux.close(hc).ok());
  pump(c, d);
  open(d, "q", "k", "");
  pump(c, d);
  CHECK(!find_kind(c.take(), Kind::opened));
  CHECK(c.mux.local_id(open(c, "q", "other", "")) == 1u);
}

TEST_CASE("protomux: unique channels per protocol and id") {
  Side a;
  auto h = open(a, "p", "k", "");
  CHECK(a.mux.open_channel("p", as_bytes("k"), Bytes{}).error() == MuxErrc::channel_exists);
  CHECK(a.mux.open_channel("p", as_bytes("k2"), Bytes{}).ok());
  CHECK(a.mux.open_channel("p2", as_bytes("k"), Bytes{}).ok());
  REQUIRE(a.mux.close(h).ok());
  CHECK(a.mux.open_channel("p", as_bytes("k"), Bytes{}).ok());
}

TEST_CASE("protomux: corked messages go out as one batch frame, Node's layout") {
  Side a, b;
  auto a1 = open(a, "p", "one", "");
  auto a2 = open(a, "p", "two", "");
  auto b1 = open(b, "p", "one", "");
  auto b2 = open(b, "p", "two", "");
  pump(a, b);
  a.take();
  b.take();

  a.mux.cork();
  REQUIRE(a.mux.send(a1, 0, Bytes{0x07, 0, 0, 0}).ok());
  a.mux.cork();  // nested
  REQUIRE(a.mux.send(a1, 3, Bytes{0x08}).ok());
  REQUIRE(a.mux.send(a2, 1, Bytes{}).ok());
  a.mux.uncork();
  CHECK(a.mux.take_output().empty());
  REQUIRE(a.mux.send(a1, 2, Bytes{0xaa}).ok());
  a.mux.uncork();
  auto out = a.mux.take_output();
  REQUIRE(out.size() == 1);
  CHECK(out[0] == Bytes{0, 0, 1, 5, 0, 7, 0, 0, 0, 2, 3, 8, 0, 2, 1, 1, 0, 1, 2, 2, 0xaa});
  REQUIRE(b.mux.receive(out[0]).ok());
  auto eb = b.take();
  REQUIRE(eb.size() == 4);
  CHECK((eb[0].channel == b1 && eb[0].type == 0 && eb[0].payload == Bytes{7, 0, 0, 0}));
  CHECK((eb[1].channel == b1 && eb[1].type == 3));
  CHECK((eb[2].channel == b2 && eb[2].type == 1 && eb[2].payload.empty()));
  CHECK((eb[3].channel == b1 && eb[3].type == 2));

  // Control messages inside a batch: channel 0 entries without the leading 00.
  a.mux.cork();
  auto a3 = open(a, "p", "three", "h");
  REQUIRE(a.mux.send(a3, 5, bs("x")).ok());
  REQUIRE(a.mux.close(a2).ok());
  a.mux.uncork();
  out = a.mux.take_output();
  REQUIRE(out.size() == 1);
  Bytes expect = {0, 0, 0, 11, 1, 3, 1, 'p', 5, 't', 'h', 'r', 'e', 'e', 'h',  // open(id 3)
                  0, 3, 2, 5, 'x',                                           // channel 3
                  0, 0, 2, 3, 2};                                            // close(2)
  CHECK(out[0] == expect);
  REQUIRE(b.mux.receive(out[0]).ok());
  eb = b.take();
  REQUIRE(eb.size() == 2);
  CHECK((eb[0].kind == Kind::remote_open && eb[0].remote_id == 3));
  CHECK((eb[1].kind == Kind::closed && eb[1].channel == b2));
  auto b3 = open(b, "p", "three", "");
  eb = b.take();
  REQUIRE(eb.size() == 2);
  CHECK((eb[1].kind == Kind::message && eb[1].channel == b3 && eb[1].payload == bs("x")));
}

TEST_CASE("protomux: a batch is flushed once it reaches max_batch") {
  Protomux::Options o;
  o.max_batch = 64;
  Side a(o), b;
  auto ha = open(a, "p", "", "");
  open(b, "p", "", "");
  pump(a, b);
  a.take();
  b.take();
  a.mux.cork();
  for (int i = 0; i < 20; i++) REQUIRE(a.mux.send(ha, 1, Bytes(10, static_cast<uint8_t>(i))).ok());
  a.mux.uncork();
  auto out = a.mux.take_output();
  CHECK(out.size() > 2);
  for (auto& m : out) {
    CHECK(m.size() < 64 + 14);
    REQUIRE(b.mux.receive(m).ok());
  }
  auto eb = b.take();
  REQUIRE(eb.size() == 20);
  for (int i = 0; i < 20; i++) CHECK(eb[i].payload == Bytes(10, static_cast<uint8_t>(i)));
}

TEST_CASE("protomux: parses Node's batches from the hypercore trace") {
  Side a, b;
  open(a, "hypercore/alpha", "dk", "");
  auto hb = open(b, "hypercore/alpha", "dk", "");
  pump(a, b);
  b.take();
  REQUIRE(b.mux.receive(Bytes{0, 0, 1, 5, 0, 7, 0, 0, 0}).ok());
  REQUIRE(b.mux.receive(Bytes{0, 0, 1, 5, 0, 0x0f, 0, 3, 0, 4, 8, 0, 0, 3}).ok());
  auto eb = b.take();
  REQUIRE(eb.size() == 3);
  CHECK((eb[0].channel == hb && eb[0].type == 0 && eb[0].payload == Bytes{7, 0, 0, 0}));
  CHECK((eb[1].type == 0 && eb[1].payload == Bytes{0x0f, 0, 3, 0}));
  CHECK((eb[2].type == 8 && eb[2].payload == Bytes{0, 0, 3}));
  // Empty messages (keep-alives that slipped through) are ignored.
  REQUIRE(b.mux.receive(Bytes{}).ok());
  CHECK(b.take().empty());
}

TEST_CASE("protomux: messages for unknown or closed ids are dropped") {
  Side b;
  REQUIRE(b.mux.receive(Bytes{5, 0, 1, 2}).ok());
  REQUIRE(b.mux.receive(Bytes{0, 3, 9}).ok());   // close of an unknown id
  REQUIRE(b.mux.receive(Bytes{0, 3, 0}).ok());   // close of id 0
  REQUIRE(b.mux.receive(Bytes{0, 9, 1}).ok());   // unknown control type
  REQUIRE(b.mux.receive(Bytes{0, 1, 0, 1, 'p', 0}).ok());  // open of channel 0: ignored
  CHECK(b.take().empty());
  CHECK(!b.mux.destroyed());
}

TEST_CASE("protomux: non-dense or taken remote ids destroy the mux") {
  SUBCASE("id jumps ahead") {
    Side b;
    auto st = b.mux.receive(Bytes{0, 1, 2, 1, 'p', 0});
    CHECK(st.error() == MuxErrc::invalid_open);
    CHECK(b.mux.destroyed());
    CHECK(b.mux.receive(Bytes{0, 1, 1, 1, 'p', 0}).error() == MuxErrc::destroyed);
  }
  SUBCASE("id already taken; open channels are closed") {
    Side b;
    REQUIRE(b.mux.receive(Bytes{0, 1, 1, 1, 'p', 0}).ok());
    auto h = open(b, "p", "", "");
    CHECK(b.mux.is_open(h));
    b.take();
    CHECK(b.mux.receive(Bytes{0, 1, 1, 1, 'q', 0}).error() == MuxErrc::invalid_open);
    auto eb = b.take();
    REQUIRE(eb.size() == 1);
    CHECK((eb[0].kind == Kind::closed && eb[0].remote && eb[0].channel == h));
    CHECK(b.mux.open_channel("p", std::nullopt, Bytes{}).error() == MuxErrc::destroyed);
  }
  SUBCASE("ids 1, 2, then 4") {
    Side b;
    REQUIRE(b.mux.receive(Bytes{0, 1, 1, 1, 'p', 0}).ok());
    REQUIRE(b.mux.receive(Bytes{0, 1, 2, 1, 'q', 0}).ok());
    CHECK(b.mux.receive(Bytes{0, 1, 4, 1, 'r', 0}).error() == MuxErrc::invalid_open);
  }
  SUBCASE("reject for an id we never opened") {
    Side b;
    CHECK(b.mux.receive(Bytes{0, 2, 1}).error() == MuxErrc::invalid_reject);
  }
  SUBCASE("remote table limit") {
    Protomux::Options o;
    o.max_remote_channels = 3;
    Side b(o);
    for (std::uint8_t i = 1; i <= 3; i++) REQUIRE(b.mux.receive(Bytes{0, 1, i, 1, 'p', 1, i}).ok());
    CHECK(b.mux.receive(Bytes{0, 1, 4, 1, 'p', 1, 4}).error() == MuxErrc::too_many_channels);
  }
}

TEST_CASE("protomux: truncated and malformed input is an error, never a crash") {
  const std::vector<std::pair<Bytes, std::error_code>> cases = {
      {{0xfd}, encoding::Errc::out_of_bounds},
      {{0xfd, 1}, encoding::Errc::out_of_bounds},
      {{0x01}, encoding::Errc::out_of_bounds},               // channel id, no type
      {{0x00}, encoding::Errc::out_of_bounds},               // control, no type
      {{0, 1}, encoding::Errc::out_of_bounds},               // open without id
      {{0, 1, 1, 5, 'a'}, encoding::Errc::out_of_bounds},    // protocol cut
      {{0, 1, 1, 1, 'a', 4, 1}, encoding::Errc::out_of_bounds},  // id cut
      {{0, 2}, encoding::Errc::out_of_bounds},
      {{0, 3}, encoding::Errc::out_of_bounds},
      {{0, 0}, encoding::Errc::out_of_bounds},               // batch without channel
      {{0, 0, 1, 5, 0}, MuxErrc::batch_overrun},
      {{0, 0, 1, 0}, encoding::Errc::out_of_bounds},         // switch without id
      {{0, 0, 1, 1, 0xfd}, encoding::Errc::out_of_bounds},   // entry's type cut
      {{0, 0, 0, 2, 0, 1}, MuxErrc::nested_batch},
      {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0}, encoding::Errc::uint_too_large},
  };
  for (const auto& [input, ec] : cases) {
    Protomux m;
    CAPTURE(input.size());
    auto st = m.receive(input);
    CHECK(st.error() == ec);
    CHECK(m.destroyed());
    CHECK(!st.error().message().empty());
  }
}

TEST_CASE("protomux: pause past 32 KiB buffered, resume when drained, hard limit") {
  Side a, b;
  auto ha = open(a, "p", "k", "");
  Bytes payload(1000, 1);
  // 512 + 1000 per message: the 22nd crosses 32768.
  for (int i = 0; i < 21; i++) REQUIRE(a.mux.send(ha, 0, payload).ok());
  pump(a, b);
  CHECK(!b.mux.paused());
  REQUIRE(a.mux.send(ha, 0, payload).ok());
  pump(a, b);
  CHECK(b.mux.paused());
  auto eb = b.take();
  REQUIRE(eb.back().kind == Kind::pause);
  open(b, "p", "k", "");
  eb = b.take();
  CHECK(!b.mux.paused());
  CHECK(eb.size() == 1 + 22 + 1);
  CHECK(eb.back().kind == Kind::resume);

  Protomux::Options o;
  o.max_buffered_hard = 4 * (512 + 1000);
  Side c(o);
  REQUIRE(c.mux.receive(Bytes{0, 1, 1, 1, 'p', 0}).ok());
  Bytes msg = {1, 0};
  append(msg, payload);
  for (int i = 0; i < 3; i++) REQUIRE(c.mux.receive(msg).ok());
  CHECK(c.mux.receive(msg).error() == MuxErrc::buffer_overflow);
}

TEST_CASE("protomux: random and mutated input never crashes") {
  std::mt19937 rng(1234);
  // Valid-looking seeds: opens, batches, messages, closes, rejects.
  const std::vector<Bytes> seeds = {
      {0, 1, 1, 1, 'p', 0, 9},      {0, 0, 1, 5, 0, 7, 0, 0, 0},       {1, 3, 1, 2, 3},
      {0, 3, 1},                    {0, 2, 1},                          {0, 0, 0, 4, 1, 2, 1, 'q'},
      {0, 0, 1, 2, 0, 1, 0, 2, 2, 1, 0}, {0, 1, 2, 1, 'p', 1, 'x'},
  };
  for (int iter = 0; iter < 20000; iter++) {
    Protomux m;
    m.open_channel("p", std::nullopt, Bytes{}).value();
    m.open_channel("q", std::nullopt, Bytes{}).value();
    for (int step = 0; step < 8 && !m.destroyed(); step++) {
      Bytes in;
      if (rng() % 3 == 0) {
        in.resize(rng() % 24);
        for (auto& x : in) x = static_cast<std::uint8_t>(rng());
      } else {
        in = seeds[rng() % seeds.size()];
        const int flips = static_cast<int>(rng() % 3);
        for (int f = 0; f < flips && !in.empty(); f++) {
          in[rng() % in.size()] = static_cast<std::uint8_t>(rng());
        }
        if (rng() % 4 == 0 && !in.empty()) in.resize(rng() % in.size());
      }
      (void)m.receive(in);
      auto events = m.take_events();
      for (const auto& e : events) {
        if (e.kind == Kind::remote_open) {
          if (rng() % 2) {
            (void)m.open_channel(e.protocol, e.id ? std::optional<ByteView>(*e.id) : std::nullopt,
                                 Bytes{});
          } else {
            (void)m.reject_remote(e.remote_id);
          }
        }
      }
      (void)m.take_output();
    }
  }
}
