#include "proto/jsonrpc.hpp"

#include <random>

#include <doctest/doctest.h>

using namespace hc::proto;
using nlohmann::json;

namespace {

Errc request_error(std::string_view line) {
  auto r = parse_request(line);
  REQUIRE_FALSE(r.ok());
  return r.error().error.code;
}

}  // namespace

TEST_CASE("parse_request: a request, ids of every allowed type, a notification") {
  auto r = parse_request(R"({"jsonrpc":"2.0","id":7,"method":"core.get","params":{"name":"chat","index":3}})");
  REQUIRE(r.ok());
  CHECK(*r->id == 7);
  CHECK(r->method == "core.get");
  CHECK(r->params == json{{"name", "chat"}, {"index", 3}});
  CHECK_FALSE(r->is_notification());

  CHECK(*parse_request(R"({"jsonrpc":"2.0","id":"a-1","method":"m"})")->id == "a-1");
  CHECK(parse_request(R"({"jsonrpc":"2.0","id":null,"method":"m"})")->id->is_null());
  CHECK(*parse_request(R"({"jsonrpc":"2.0","id":1.5,"method":"m"})")->id == 1.5);

  auto n = parse_request(R"({"jsonrpc":"2.0","method":"daemon.status"})");
  REQUIRE(n.ok());
  CHECK(n->is_notification());
  CHECK(n->params == json::object());  // absent params: an empty object
  CHECK(parse_request(R"({"jsonrpc":"2.0","method":"m","extra":1})").ok());  // unknown members ignored
}

TEST_CASE("parse_request: malformed lines get the right code") {
  CHECK(request_error("") == Errc::parse_error);
  CHECK(request_error("{") == Errc::parse_error);
  CHECK(request_error(R"({"jsonrpc":"2.0","method":"m"} x)") == Errc::parse_error);
  CHECK(request_error("{\"jsonrpc\":\"2.0\",\"method\":\"m\xff\"}") == Errc::parse_error);  // raw invalid UTF-8
  CHECK(request_error(R"({"jsonrpc":"2.0","method":"\ud800"})") == Errc::parse_error);   // lone surrogate
  CHECK(request_error("42") == Errc::invalid_request);
  CHECK(request_error("\"core.get\"") == Errc::invalid_request);
  CHECK(request_error("null") == Errc::invalid_request);
  CHECK(request_error("[]") == Errc::invalid_request);
  CHECK(request_error(R"([{"jsonrpc":"2.0","id":1,"method":"m"}])") == Errc::invalid_request);
  CHECK(request_error(R"({"id":1,"method":"m"})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"1.0","id":1,"method":"m"})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":2.0,"id":1,"method":"m"})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":1})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":1,"method":5})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":1,"method":null})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":{},"method":"m"})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":[1],"method":"m"})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":true,"method":"m"})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":1,"method":"m","params":"x"})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":1,"method":"m","params":3})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":1,"method":"m","params":null})") == Errc::invalid_request);
  CHECK(request_error(R"({"jsonrpc":"2.0","id":1,"method":"m","params":[1,2]})") == Errc::invalid_params);
}

TEST_CASE("parse_request: the error carries the id when one could be read") {
  auto r = parse_request(R"({"jsonrpc":"2.0","id":"q","method":5})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().id == "q");
  auto bad_id = parse_request(R"({"jsonrpc":"2.0","id":{"x":1},"method":"m"})");
  REQUIRE_FALSE(bad_id.ok());
  CHECK(bad_id.error().id.is_null());
  CHECK(parse_request("{").error().id.is_null());
}

TEST_CASE("parse_request: lines over kMaxLineBytes are request_too_large") {
  CHECK(kMaxLineBytes == 16u * 1024 * 1024);
  std::string big = R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"x":")";
  big += std::string(kMaxLineBytes - big.size() - 3, 'a');
  big += "\"}}";
  CHECK(big.size() == kMaxLineBytes);
  CHECK(parse_request(big).ok());
  big.insert(big.size() - 3, "a");
  CHECK(request_error(big) == Errc::request_too_large);
}

TEST_CASE("parse_request: nesting deeper than kMaxNesting is invalid_request, brackets in strings do not count") {
  auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  auto with_params = [](const std::string& value) {
    return R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"x":)" + value + "}}";
  };
  // The params object and the envelope are two levels.
  CHECK(parse_request(with_params(nested(kMaxNesting - 2))).ok());
  CHECK(request_error(with_params(nested(kMaxNesting - 1))) == Errc::invalid_request);
  CHECK(request_error(with_params(nested(1000000))) == Errc::invalid_request);
  CHECK(request_error(nested(1000000)) == Errc::invalid_request);
  CHECK(request_error(std::string(1000000, '{')) == Errc::parse_error);
  const std::string brackets(1000, '[');
  CHECK(parse_request(with_params("\"" + brackets + "\\\"" + brackets + "\"")).ok());
  CHECK_FALSE(parse_incoming(nested(1000000)).ok());
}

TEST_CASE("parse_request never throws on random bytes or mutated requests") {
  std::mt19937 rng(12345);
  const std::string valid = R"({"jsonrpc":"2.0","id":1,"method":"core.append","params":{"name":"c","blocks":["a"]}})";
  for (int i = 0; i < 500; i++) {
    std::string line(rng() % 200, '\0');
    for (auto& c : line) c = static_cast<char>(rng());
    CHECK_NOTHROW((void)parse_request(line));
    CHECK_NOTHROW((void)parse_incoming(line));
    std::string mutated = valid;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); k++)
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
    CHECK_NOTHROW((void)parse_request(mutated));
    CHECK_NOTHROW((void)parse_incoming(mutated));
    CHECK_NOTHROW((void)parse_request(valid.substr(0, rng() % valid.size())));  // half-written
  }
  std::string deep(100000, '[');
  CHECK(request_error(deep) == Errc::parse_error);
  CHECK_NOTHROW((void)parse_request(std::string(100000, '[') + std::string(100000, ']')));
}

TEST_CASE("make_* build JSON-RPC 2.0 objects that parse back") {
  CHECK(make_result(1, json{{"length", 2}}) ==
        json{{"jsonrpc", "2.0"}, {"id", 1}, {"result", {{"length", 2}}}});
  CHECK(make_error("x", Errc::core_not_found, "core not found") ==
        json::parse(R"({"jsonrpc":"2.0","id":"x","error":{"code":-32001,"message":"core not found"}})"));
  CHECK(make_error(nullptr, Error(Errc::invalid_params, "bad", {{"field", "n"}}))["error"]["data"] ==
        json{{"field", "n"}});
  CHECK(notification("core.block", {{"index", 0}}) ==
        json{{"jsonrpc", "2.0"}, {"method", "core.block"}, {"params", {{"index", 0}}}});

  auto req = parse_request(to_line(make_request(9, "core.info", {{"name", "chat"}})));
  REQUIRE(req.ok());
  CHECK(*req->id == 9);
  CHECK(req->method == "core.info");

  std::string line = to_line(make_result(3, json{{"ok", true}}));
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  auto res = parse_incoming(line);
  REQUIRE(res.ok());
  const auto& resp = std::get<Response>(*res);
  CHECK(resp.id == 3);
  CHECK(resp.result == json{{"ok", true}});
  CHECK_FALSE(resp.error);

  auto err = parse_incoming(to_line(make_error(4, Error(Errc::invalid_key, "bad key", {{"field", "key"}}))));
  REQUIRE(err.ok());
  const auto& eresp = std::get<Response>(*err);
  REQUIRE(eresp.error);
  CHECK(*eresp.error == Error(Errc::invalid_key, "bad key", {{"field", "key"}}));

  auto note = parse_incoming(to_line(notification("core.block", {{"index", 1}})));
  REQUIRE(note.ok());
  CHECK(std::get<Request>(*note).method == "core.block");
  CHECK(std::get<Request>(*note).is_notification());
}

TEST_CASE("parse_incoming: malformed responses") {
  auto code = [](std::string_view line) {
    auto r = parse_incoming(line);
    REQUIRE_FALSE(r.ok());
    return r.error().code;
  };
  CHECK(code(R"({"jsonrpc":"2.0","id":1})") == Errc::invalid_request);
  CHECK(code(R"({"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}})") == Errc::invalid_request);
  CHECK(code(R"({"jsonrpc":"2.0","id":1,"error":"boom"})") == Errc::invalid_request);
  CHECK(code(R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})") == Errc::invalid_request);
  CHECK(code(R"({"jsonrpc":"2.0","id":1,"error":{"code":1e12,"message":"m"}})") == Errc::invalid_request);
  CHECK(code(R"({"jsonrpc":"2.0","id":1,"error":{"code":99999999999,"message":"m"}})") == Errc::invalid_request);
  CHECK(code(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32001}})") == Errc::invalid_request);
  CHECK(code("nope") == Errc::parse_error);
}

TEST_CASE("to_line never throws, even on invalid UTF-8 put in by mistake") {
  std::string line;
  CHECK_NOTHROW(line = to_line(json{{"s", std::string("\xff\xfe")}}));
  CHECK(json::parse(line)["s"] == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("parse_incoming takes answers up to kMaxAnswerLineBytes (a block in base64)") {
  std::string answer = R"({"jsonrpc":"2.0","id":1,"result":{"block":")";
  answer += std::string(kMaxAnswerLineBytes - answer.size() - 3, 'A');
  answer += "\"}}";
  CHECK(answer.size() == kMaxAnswerLineBytes);
  CHECK(parse_incoming(answer).ok());
  answer.insert(answer.size() - 3, "A");
  auto r = parse_incoming(answer);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::request_too_large);
}
