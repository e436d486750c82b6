#include "proto/errors.hpp"

#include <set>

#include <doctest/doctest.h>

using namespace hc::proto;

TEST_CASE("error codes are the stable JSON-RPC values") {
  CHECK(static_cast<int>(Errc::parse_error) == -32700);
  CHECK(static_cast<int>(Errc::invalid_request) == -32600);
  CHECK(static_cast<int>(Errc::method_not_found) == -32601);
  CHECK(static_cast<int>(Errc::invalid_params) == -32602);
  CHECK(static_cast<int>(Errc::internal_error) == -32603);
  CHECK(static_cast<int>(Errc::core_not_found) == -32001);
  CHECK(static_cast<int>(Errc::not_writable) == -32002);
  CHECK(static_cast<int>(Errc::block_not_available) == -32003);
  CHECK(static_cast<int>(Errc::core_exists) == -32004);
  CHECK(static_cast<int>(Errc::invalid_key) == -32005);
  CHECK(static_cast<int>(Errc::request_too_large) == -32006);
  CHECK(static_cast<int>(Errc::storage_error) == -32007);
  CHECK(static_cast<int>(Errc::shutting_down) == -32008);
}

TEST_CASE("every code has its own message, and unknown codes still print") {
  std::set<std::string> seen;
  for (int c : {-32700, -32600, -32601, -32602, -32603}) seen.insert(default_message(Errc(c)));
  for (int c = -32001; c >= -32008; c--) seen.insert(default_message(Errc(c)));
  CHECK(seen.size() == 13);
  for (const auto& m : seen) CHECK(m.find("unknown") == std::string::npos);
  CHECK(default_message(Errc(-32099)) == "unknown error -32099");
}

TEST_CASE("std::error_code interop and Error values") {
  std::error_code ec = Errc::core_not_found;
  CHECK(ec.category().name() == std::string("proto"));
  CHECK(ec.message() == default_message(Errc::core_not_found));
  Error e = Errc::not_writable;
  CHECK(e.code == Errc::not_writable);
  CHECK(e.data.is_null());
  Error f = invalid_field("index", "must be a non-negative integer");
  CHECK(f.code == Errc::invalid_params);
  CHECK(f.message == "\"index\" must be a non-negative integer");
  CHECK(f.data == nlohmann::json{{"field", "index"}});
}
