#include "net/endpoint.hpp"

#include <doctest/doctest.h>

using namespace hc::net;

TEST_CASE("endpoint: HOST:PORT with names, IPv4 and bracketed IPv6") {
  Endpoint e;
  CHECK(parse_endpoint("127.0.0.1:9000", e) == "");
  CHECK(e.host == "127.0.0.1");
  CHECK(e.port == 9000);
  CHECK(parse_endpoint("example.org:1", e) == "");
  CHECK(e.host == "example.org");
  CHECK(parse_endpoint("[::1]:65535", e) == "");
  CHECK(e.host == "::1");
  CHECK(e.port == 65535);
  CHECK(to_string(e) == "[::1]:65535");
  CHECK(parse_endpoint("127.0.0.1:0", e, true) == "");
  CHECK(e.port == 0);
}

TEST_CASE("endpoint: malformed addresses are refused with a reason, leaving the output alone") {
  Endpoint e{"keep", 1};
  for (const char* bad : {"", "9000", "host", ":9000", "host:", "host:0", "host:65536",
                          "host:-1", "host:+1", "host:12a", "host: 1", "::1:9000", "[::1]9000",
                          "[::1", "[]:1", "a b:1", "a/b:1", "host:99999999999999999999"}) {
    CAPTURE(bad);
    CHECK(parse_endpoint(bad, e) != "");
  }
  CHECK(parse_endpoint(std::string(254, 'a') + ":1", e) != "");
  CHECK(e.host == "keep");
  CHECK(e.port == 1);
}
