// The channel messages in C++ alone: round trips of every field combination,
// the optional-field rules, truncations, oversized counts and random bytes.
// Node's bytes are checked in tests/interop/messages_kat_test.cpp.
#include "wire/messages.hpp"

#include <doctest/doctest.h>

#include "encoding/compact.hpp"
#include "encoding/errors.hpp"
#include "wire/messages_random.hpp"

using namespace hc;
using namespace hc::wire;
using hc::encoding::Errc;

namespace {

constexpr std::uint64_t kMax = encoding::kMaxSafeInteger;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}

Bytes uint_bytes(std::uint64_t n) {
  Bytes out;
  encoding::Writer(out).uint(n);
  return out;
}

template <class M>
void check_round_trip(const M& m) {
  Message msg = m;
  Bytes b = encode(msg);
  CHECK(b == encode(m));
  auto back = decode_message(static_cast<std::uint64_t>(type_of(msg)), b);
  REQUIRE(back.ok());
  CHECK(back->index() == msg.index());
  CHECK(*back == msg);
  // Bytes after a message are ignored, as protomux hands Node's decoders the
  // rest of the frame (extension takes them as its message).
  if (type_of(msg) != MessageType::extension) {
    Bytes longer = b;
    longer.push_back(0xee);
    auto again = decode_message(type_of(msg), longer);
    REQUIRE(again.ok());
    CHECK(*again == msg);
  }
}

// Whether a strict prefix of a valid encoding may still be a message:
// noData/want/unwant end in optional flags, extension in the raw rest.
bool prefix_may_decode(MessageType t) {
  return t == MessageType::no_data || t == MessageType::want || t == MessageType::unwant ||
         t == MessageType::extension;
}

}  // namespace

TEST_CASE("messages: type numbers follow the replicator's order") {
  CHECK(static_cast<int>(MessageType::sync) == 0);
  CHECK(static_cast<int>(MessageType::extension) == 9);
  for (std::uint64_t i = 0; i < kMessageTypeCount; i++) {
    REQUIRE(message_type(i).has_value());
    CHECK(static_cast<std::uint64_t>(*message_type(i)) == i);
  }
  CHECK_FALSE(message_type(10).has_value());
  CHECK_FALSE(message_type(kMax).has_value());
  CHECK(decode_message(std::uint64_t{10}, Bytes{0, 0, 0, 0}).error() == Errc::invalid_value);
  CHECK(decode_message(std::uint64_t{0xfd}, Bytes{}).error() == Errc::invalid_value);
  CHECK(type_of(Message(Unwant{})) == MessageType::unwant);
  CHECK(type_of(Message(Request{})) == MessageType::request);
  CHECK(type_of(Message(Data{})) == MessageType::data);
}

TEST_CASE("messages: handshake") {
  Hash32 cap;
  for (std::size_t i = 0; i < cap.size(); i++) cap[i] = static_cast<std::uint8_t>(i);
  for (bool seeks : {true, false}) {
    Bytes b = encode_handshake({seeks, cap});
    CHECK(b.size() == 33);
    CHECK(b[0] == (seeks ? 1 : 0));
    auto back = decode_handshake(b);
    REQUIRE(back.ok());
    CHECK(*back == Handshake{seeks, cap});
  }
  // Flags are a uint; other bits are ignored.
  auto nc = decode_handshake(cat({{0xfd, 0x03, 0x00}, Bytes(cap.begin(), cap.end())}));
  REQUIRE(nc.ok());
  CHECK(nc->seeks);
  auto two = decode_handshake(cat({{0x02}, Bytes(cap.begin(), cap.end())}));
  REQUIRE(two.ok());
  CHECK_FALSE(two->seeks);
  Bytes full = encode_handshake({true, cap});
  for (std::size_t n = 0; n < full.size(); n++) {
    CHECK(decode_handshake(ByteView(full).first(n)).error() == Errc::out_of_bounds);
  }
}

TEST_CASE("messages: sync, every flag combination") {
  for (int flags = 0; flags < 32; flags++) {
    for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{0xfd}, std::uint64_t{1} << 32, kMax}) {
      Sync m{v, v / 2, v / 3, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0,
             (flags & 8) != 0, (flags & 16) != 0};
      CHECK(encode(m)[0] == flags);
      check_round_trip(m);
    }
  }
  // Unknown flag bits are ignored; non-canonical uints are accepted.
  auto s = decode_sync(Bytes{0xfd, 0xff, 0x00, 0xfe, 0x05, 0, 0, 0, 0xff, 7, 0, 0, 0, 0, 0, 0, 0, 3});
  REQUIRE(s.ok());
  CHECK(*s == Sync{5, 7, 3, true, true, true, true, true});
}

TEST_CASE("messages: request, every flag combination, priority only when non-zero") {
  for (int flags = 0; flags < 64; flags++) {
    Request m;
    m.id = 1 + flags;
    m.fork = flags % 3;
    if (flags & 1) m.block = Request::Indexed{flags * 1000ull, 3};
    if (flags & 2) m.hash = Request::Indexed{kMax, 0};
    if (flags & 4) m.seek = Request::Seek{0x10000, 0xfc};
    if (flags & 8) m.upgrade = Request::Upgrade{5, 0xffffffff};
    m.manifest = (flags & 16) != 0;
    m.priority = (flags & 32) ? 2 : 0;
    CHECK(encode(m)[0] == flags);
    check_round_trip(m);
  }
}

TEST_CASE("messages: data, every flag combination") {
  testing::MessageRandom rnd(7);
  for (int flags = 0; flags < 32; flags++) {
    for (int rep = 0; rep < 8; rep++) {
      Data m;
      m.request = rnd.uint();
      m.fork = rnd.uint();
      if (flags & 1) m.block = Data::Block{rnd.uint(), rnd.bytes(100), rnd.nodes()};
      if (flags & 2) m.hash = Data::Hash{rnd.uint(), rnd.nodes()};
      if (flags & 4) m.seek = Data::Seek{rnd.uint(), rnd.nodes()};
      if (flags & 8) m.upgrade = Data::Upgrade{rnd.uint(), rnd.uint(), rnd.nodes(), rnd.nodes(),
                                               rep % 2 ? Bytes{} : rnd.bytes(64)};
      if (flags & 16) m.manifest = rnd.manifest();
      CHECK(encode(m)[0] == flags);
      check_round_trip(m);
    }
  }
}

TEST_CASE("messages: cancel, noData, want, unwant optional fields") {
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{0xfc}, std::uint64_t{0xfd}, kMax}) {
    check_round_trip(Cancel{v});
    CHECK(encode(Cancel{v}) == uint_bytes(v));
  }

  // noData: flags is 0 or 1; the reason follows only when non-zero.
  CHECK(encode(NoData{7, 0}) == Bytes{7, 0});
  CHECK(encode(NoData{7, NoData::kNotAvailable}) == Bytes{7, 1, 1});
  CHECK(encode(NoData{7, kMax}) == cat({{7, 1}, uint_bytes(kMax)}));
  for (std::uint64_t reason : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, kMax}) {
    check_round_trip(NoData{kMax, reason});
  }
  // Absent flags mean no reason; flags without bit 0 leave the reason unread.
  CHECK(*decode_no_data(Bytes{7}) == NoData{7, 0});
  CHECK(*decode_no_data(Bytes{7, 2, 9}) == NoData{7, 0});
  CHECK(*decode_no_data(Bytes{7, 3, 9}) == NoData{7, 9});
  CHECK(decode_no_data(Bytes{7, 1}).error() == Errc::out_of_bounds);
  CHECK(decode_no_data(Bytes{}).error() == Errc::out_of_bounds);

  // want/unwant: trailing flags written only for `any`.
  CHECK(encode(Want{64, 32, false}) == Bytes{64, 32});
  CHECK(encode(Want{64, 32, true}) == Bytes{64, 32, 1});
  CHECK(encode(Unwant{64, 32, true}) == Bytes{64, 32, 1});
  for (bool any : {false, true}) {
    check_round_trip(Want{0, 1u << 21, any});
    check_round_trip(Unwant{kMax, kMax, any});
  }
  CHECK(*decode_want(Bytes{1, 2}) == Want{1, 2, false});
  CHECK(*decode_want(Bytes{1, 2, 0xfd, 0x03, 0x00}) == Want{1, 2, true});
  CHECK(*decode_unwant(Bytes{1, 2, 2}) == Unwant{1, 2, false});
  CHECK(decode_want(Bytes{1, 2, 0xfd}).error() == Errc::out_of_bounds);
  CHECK(decode_want(Bytes{1}).error() == Errc::out_of_bounds);
}

TEST_CASE("messages: range, length omitted when it is 1") {
  for (bool drop : {false, true}) {
    for (std::uint64_t len : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, kMax}) {
      Range m{drop, 9, len};
      Bytes b = encode(m);
      CHECK(b[0] == ((drop ? 1 : 0) | (len == 1 ? 2 : 0)));
      CHECK(b.size() == (len == 1 ? 2 : 2 + uint_bytes(len).size()));
      check_round_trip(m);
    }
  }
  // Flag 2 wins over a length that follows.
  CHECK(*decode_range(Bytes{3, 4, 5}) == Range{true, 4, 1});
  CHECK(*decode_range(Bytes{0, 4, 1}) == Range{false, 4, 1});
  CHECK(decode_range(Bytes{0, 4}).error() == Errc::out_of_bounds);
}

TEST_CASE("messages: bitfield word counts") {
  for (std::size_t words : {0, 1, 2, 3, 64, 1024, 0x100001}) {
    Bitfield m{32 * words, std::vector<std::uint32_t>(words)};
    for (std::size_t i = 0; i < words; i++) m.bitfield[i] = static_cast<std::uint32_t>(i * 2654435761u);
    Bytes b = encode(m);
    CHECK(b.size() == uint_bytes(m.start).size() + uint_bytes(words).size() + 4 * words);
    check_round_trip(m);
  }
  CHECK(encode(Bitfield{0, {5, 0x80000000}}) == Bytes{0, 2, 5, 0, 0, 0, 0, 0, 0, 0x80});
  // The count is of words, and must fit in what is left.
  CHECK(decode_bitfield(Bytes{0, 1, 1, 2, 3}).error() == Errc::out_of_bounds);
  CHECK(decode_bitfield(cat({{0}, uint_bytes(kMax)})).error() == Errc::out_of_bounds);
  CHECK(decode_bitfield(cat({{0}, uint_bytes(0xffffffff), Bytes(64, 1)})).error() ==
        Errc::out_of_bounds);
  CHECK(decode_bitfield(Bytes{0, 0xff, 0, 0, 0, 0, 0, 0, 0x20, 0}).error() == Errc::uint_too_large);
}

TEST_CASE("messages: extension names and raw messages") {
  check_round_trip(Extension{"", {}});
  check_round_trip(Extension{"foo", {'b', 'a', 'r'}});
  check_round_trip(Extension{std::string(300, 'x'), Bytes(70000, 0xab)});
  check_round_trip(Extension{"\xe2\x82\xac", {0}});
  CHECK(encode(Extension{"foo", {'b', 'a', 'r'}}) == Bytes{3, 'f', 'o', 'o', 'b', 'a', 'r'});
  // Everything after the name is the message, including what looks like more.
  CHECK(*decode_extension(Bytes{0, 1, 2}) == Extension{"", {1, 2}});
  CHECK(decode_extension(Bytes{4, 'a', 'b', 'c'}).error() == Errc::out_of_bounds);
  CHECK(decode_extension(Bytes{}).error() == Errc::out_of_bounds);
}

TEST_CASE("messages: oversized counts and uints are refused before allocating") {
  // data.block.nodes count above compact-encoding's array cap.
  Bytes big_count = cat({{1, 1, 0, 0, 0}, uint_bytes(0x100001)});
  CHECK(decode_data(big_count).error() == Errc::array_too_big);
  // A node count within the cap but above what the bytes could hold.
  Bytes short_nodes = cat({{1, 1, 0, 0, 0}, uint_bytes(1000), Bytes(100, 1)});
  CHECK(decode_data(short_nodes).error() == Errc::out_of_bounds);
  // A buffer length larger than the input.
  CHECK(decode_data(cat({{1, 1, 0, 0}, uint_bytes(kMax)})).error() == Errc::out_of_bounds);
  // uints above 2^53-1 in every message.
  Bytes too_big{0xff, 0, 0, 0, 0, 0, 0, 0x20, 0};
  for (std::uint64_t t = 0; t < kMessageTypeCount; t++) {
    CHECK_FALSE(decode_message(t, too_big).ok());
  }
  CHECK(decode_sync(cat({{0}, too_big, {0, 0}})).error() == Errc::uint_too_large);
  CHECK(decode_request(cat({{0}, too_big, {0}})).error() == Errc::uint_too_large);
  CHECK(decode_want(cat({{0}, too_big})).error() == Errc::uint_too_large);
  CHECK(decode_no_data(cat({{0}, {1}, too_big})).error() == Errc::uint_too_large);
  CHECK(decode_range(cat({{0}, {0}, too_big})).error() == Errc::uint_too_large);
}

TEST_CASE("messages: random values round trip, every truncation is an error") {
  testing::MessageRandom rnd(42);
  for (int i = 0; i < 3000; i++) {
    auto t = static_cast<MessageType>(i % kMessageTypeCount);
    Message m = rnd.message(t);
    Bytes b = encode(m);
    auto back = decode_message(t, b);
    REQUIRE(back.ok());
    REQUIRE(*back == m);
    if (b.size() > 2000) continue;  // the cut points of large messages add nothing
    for (std::size_t n = 0; n < b.size(); n++) {
      auto cut = decode_message(t, ByteView(b).first(n));
      if (!prefix_may_decode(t) || n == 0) {
        CHECK_MESSAGE(!cut.ok(), "type ", int(t), " cut at ", n);
        continue;
      }
      if (!cut.ok()) continue;
      // A prefix that decodes is the message without its optional tail.
      if (t == MessageType::extension) {
        auto& e = std::get<Extension>(*cut);
        CHECK(e.name == std::get<Extension>(m).name);
        CHECK(equal(e.message, ByteView(std::get<Extension>(m).message).first(e.message.size())));
      } else if (t == MessageType::no_data) {
        CHECK(std::get<NoData>(*cut) == NoData{std::get<NoData>(m).request, 0});
      } else if (t == MessageType::want) {
        auto w = std::get<Want>(m);
        CHECK(std::get<Want>(*cut) == Want{w.start, w.length, false});
      } else {
        auto w = std::get<Unwant>(m);
        CHECK(std::get<Unwant>(*cut) == Unwant{w.start, w.length, false});
      }
    }
  }
  for (int i = 0; i < 200; i++) {
    Handshake h = rnd.handshake();
    Bytes b = encode_handshake(h);
    REQUIRE(*decode_handshake(b) == h);
  }
}

TEST_CASE("messages: random and mutated bytes never crash, what decodes re-encodes stably") {
  testing::MessageRandom rnd(1234);
  std::vector<Bytes> seeds;
  for (int i = 0; i < 400; i++) {
    seeds.push_back(encode(rnd.message(static_cast<MessageType>(i % kMessageTypeCount))));
  }
  std::size_t decoded = 0;
  for (int i = 0; i < 60000; i++) {
    Bytes b;
    if (i % 2) {
      b = rnd.bytes(64);
      // Bias the start toward small flags so deeper fields get reached.
      if (!b.empty() && rnd.coin()) b[0] &= 0x3f;
    } else {
      b = seeds[rnd.below(seeds.size())];
      for (std::uint64_t k = 0, n = 1 + rnd.below(4); k < n && !b.empty(); k++) {
        b[rnd.below(b.size())] = static_cast<std::uint8_t>(rnd.rng()());
      }
      if (rnd.coin() && !b.empty()) b.resize(rnd.below(b.size()));
    }
    std::uint64_t t = rnd.below(kMessageTypeCount + 1);
    auto m = decode_message(t, b);
    (void)decode_handshake(b);
    if (!m.ok()) continue;
    decoded++;
    Bytes again = encode(*m);
    auto m2 = decode_message(t, again);
    REQUIRE(m2.ok());
    CHECK(*m2 == *m);
    CHECK(encode(*m2) == again);
  }
  CHECK(decoded > 1000);
}
