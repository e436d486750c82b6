#include "proto/peer_methods.hpp"

#include <doctest/doctest.h>

using namespace hc;
using namespace hc::proto;
using nlohmann::json;

TEST_CASE("peer methods: addresses are host:port, IPv6 in brackets, ports 1..65535") {
  auto a = parse_address("127.0.0.1:4000", "address");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 4000);
  auto v6 = parse_address("[::1]:65535", "address");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(format_address(*v6) == "[::1]:65535");
  CHECK(format_address(*a) == "127.0.0.1:4000");
  for (const char* bad : {"", "4000", ":4000", "host:", "host:0", "host:65536", "host:-1",
                          "host:40a", "ho st:1", "[::1:80", "[]:80", "a/b:1"}) {
    auto r = parse_address(bad, "address");
    REQUIRE_FALSE_MESSAGE(r, bad);
    CHECK(r.error().code == Errc::invalid_params);
    CHECK(r.error().data["field"] == "address");
  }
}

TEST_CASE("peer methods: params and results round-trip through JSON, bad fields are named") {
  Hash32 key{};
  key.fill(7);
  auto seed = from_json<SeedParams>(to_json(SeedParams{key}));
  REQUIRE(seed);
  CHECK(seed->key == key);
  CHECK(from_json<SeedParams>(json{{"key", "nope"}}).error().code == Errc::invalid_key);

  auto connect = from_json<ConnectParams>(json{{"address", "localhost:9"}});
  REQUIRE(connect);
  CHECK(to_json(*connect) == json{{"address", "localhost:9"}});
  CHECK(from_json<ConnectParams>(json{{"address", 9}}).error().data["field"] == "address");

  PeerInfo p;
  p.remote_public_key = key;
  p.address = "127.0.0.1:4000";
  p.initiator = true;
  p.cores = {key, Hash32{}};
  p.bytes_in = 10;
  p.bytes_out = 20;
  p.uptime_ms = 30;
  PeerListResult list{{p, PeerInfo{}}};
  auto back = from_json<PeerListResult>(to_json(list));
  REQUIRE(back);
  CHECK(*back == list);

  json broken = to_json(list);
  broken["peers"][1]["cores"] = json::array({"xyz"});
  auto err = from_json<PeerListResult>(broken);
  REQUIRE_FALSE(err);
  CHECK(err.error().data["field"] == "peers[1].cores[0]");
  CHECK(is_known_method("peer.list"));
  CHECK(is_known_method("core.seed"));
  CHECK_FALSE(is_peer_method("core.info"));
}
