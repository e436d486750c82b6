#include "subscription.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/memory_storage.hpp"
#include "crypto/sign.hpp"

using nlohmann::json;

namespace {

json params_of(const std::string& line) {
  REQUIRE(!line.empty());
  CHECK(line.back() == '\n');
  json j = json::parse(line);
  CHECK(j["method"] == "core.block");
  return j["params"];
}

}  // namespace

TEST_CASE("a follow sends every block in order, and a block that is not text goes in base64") {
  hc::core::MemoryStorage storage;
  hc::core::Core::CreateOptions options;
  options.key_pair = hc::crypto::random_key_pair();
  auto core = hc::core::Core::create(storage, options);
  REQUIRE(core);
  const hc::Bytes text{'h', 'i'};
  const hc::Bytes binary{0xff, 0x00, 0xfe};
  REQUIRE((*core)->append(std::vector<hc::ByteView>{text, binary, text}));

  hc::daemon::Subscription sub(9, **core, 0, hc::proto::BlockEncoding::utf8, 1);
  std::vector<json> sent;
  while (sub.has_more()) {
    auto line = sub.next_line();
    REQUIRE(line);
    sent.push_back(params_of(*line));
  }
  REQUIRE(sent.size() == 3);
  CHECK(sent[0] == json{{"subscription", 9}, {"index", 0}, {"block", "hi"}, {"encoding", "utf8"}});
  CHECK(sent[1] ==
        json{{"subscription", 9}, {"index", 1}, {"block", "/wD+"}, {"encoding", "base64"}});
  CHECK(sent[2] == json{{"subscription", 9}, {"index", 2}, {"block", "hi"}, {"encoding", "utf8"}});

  // Asked for base64, every block is base64; a later start skips the earlier ones.
  hc::daemon::Subscription b64(10, **core, 2, hc::proto::BlockEncoding::base64, 2);
  auto line = b64.next_line();
  REQUIRE(line);
  CHECK(params_of(*line) ==
        json{{"subscription", 10}, {"index", 2}, {"block", "aGk="}, {"encoding", "base64"}});
  CHECK(!b64.has_more());
}

TEST_CASE("a follow of a truncated core says so, then goes on with the new fork's blocks") {
  hc::core::MemoryStorage storage;
  hc::core::Core::CreateOptions options;
  options.key_pair = hc::crypto::random_key_pair();
  auto core = hc::core::Core::create(storage, options);
  REQUIRE(core);
  hc::core::Core& c = **core;
  const auto block = [](char ch) { return hc::Bytes{static_cast<std::uint8_t>(ch)}; };
  for (char ch : std::string("abcdef")) REQUIRE(c.append(block(ch)));

  hc::daemon::Subscription sub(3, c, 0, hc::proto::BlockEncoding::utf8, 1);
  const auto drain = [&] {
    std::vector<json> out;
    while (sub.has_more()) {
      auto line = sub.next_line();
      REQUIRE(line);
      out.push_back(json::parse(*line));
    }
    return out;
  };
  CHECK(drain().size() == 6);
  CHECK(!sub.has_more());

  // Cut to 4, then twice more before the follower reads: it hears of the
  // lowest cut, once, then the blocks from there.
  REQUIRE(c.truncate(4));
  CHECK(sub.has_more());
  REQUIRE(c.append(block('x')));
  REQUIRE(c.truncate(2));
  REQUIRE(c.append(block('y')));
  REQUIRE(c.truncate(3));
  REQUIRE(c.append(block('z')));
  auto sent = drain();
  REQUIRE(sent.size() == 3);
  CHECK(sent[0]["method"] == "core.truncated");
  CHECK(sent[0]["params"] == json{{"subscription", 3}, {"length", 2}, {"fork", 3}});
  CHECK(sent[1]["params"]["index"] == 2);
  CHECK(sent[1]["params"]["block"] == "y");
  CHECK(sent[2]["params"]["index"] == 3);
  CHECK(sent[2]["params"]["block"] == "z");

  // A follower that had not reached the cut yet goes on from where it was.
  hc::daemon::Subscription late(4, c, 1, hc::proto::BlockEncoding::utf8, 2);
  REQUIRE(c.truncate(3));
  auto line = late.next_line();
  REQUIRE(line);
  CHECK(json::parse(*line)["params"] == json{{"subscription", 4}, {"length", 3}, {"fork", 4}});
  REQUIRE(late.has_more());
  CHECK(json::parse(*late.next_line())["params"]["index"] == 1);
}
