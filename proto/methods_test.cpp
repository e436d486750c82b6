#include "proto/methods.hpp"

#include <doctest/doctest.h>

#include "encoding/key_id.hpp"
#include "proto/jsonrpc.hpp"

using namespace hc;
using namespace hc::proto;
using nlohmann::json;

namespace {

Hash32 test_key(int seed) {
  Hash32 k;
  for (int i = 0; i < 32; i++) k[i] = static_cast<std::uint8_t>(seed + i * 7);
  return k;
}

Bytes text(std::string_view s) { return to_bytes(as_bytes(s)); }

json unwrap(Outcome<json> o) {
  REQUIRE(o.ok());
  return *o;
}
json unwrap(json j) { return j; }

// to_json, through a wire line and back, then from_json: the same value.
template <class T>
void check_round_trip(const T& v) {
  json j = unwrap(to_json(v));
  auto line = to_line(make_result(1, j));
  auto parsed = parse_incoming(line);
  REQUIRE(parsed.ok());
  auto back = from_json<T>(std::get<Response>(*parsed).result);
  REQUIRE(back.ok());
  CHECK(*back == v);
}

// from_json<T>(params) fails with `code`, naming `field`.
template <class T>
void check_rejects(const json& params, Errc code, std::string_view field) {
  auto r = from_json<T>(params);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == code);
  CHECK(r.error().data == json{{"field", field}});
  CHECK(r.error().message.find(field) != std::string::npos);
}

CoreInfo sample_info(int seed, std::optional<std::string> name) {
  return CoreInfo{test_key(seed), test_key(seed + 1), std::move(name), 12, 345, 1, true, 12, std::nullopt};
}

}  // namespace

TEST_CASE("method names") {
  for (auto m : {"core.create", "core.append", "core.get", "core.info", "core.list", "core.tail",
                 "core.follow", "core.unfollow", "daemon.status"})
    CHECK(is_known_method(m));
  CHECK_FALSE(is_known_method("core.block"));  // a notification, not a method
  CHECK_FALSE(is_known_method("core.delete"));
  CHECK_FALSE(is_known_method(""));
  CHECK(kCoreBlock == "core.block");
}

TEST_CASE("round trips of every struct") {
  const CoreRef by_name = CoreRef::by_name("chat");
  const CoreRef by_key = CoreRef::by_key(test_key(3));
  const std::vector<Bytes> lines{text("hello"), text(""), text("gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80")};
  const std::vector<Bytes> binary{Bytes{0x00, 0xff, 0xc0, 0x80}, Bytes{}, Bytes(1000, 0xed)};

  check_round_trip(by_name);
  check_round_trip(by_key);
  check_round_trip(CreateParams{"chat"});
  check_round_trip(CreateParams{"chat", true});
  {
    CoreInfo with_peers = sample_info(4, std::nullopt);
    with_peers.peers = 3;
    check_round_trip(with_peers);
    CHECK(to_json(with_peers)["peers"] == 3);
    CHECK_FALSE(to_json(sample_info(4, std::nullopt)).contains("peers"));
  }
  check_round_trip(AppendParams{by_name, lines, BlockEncoding::utf8});
  check_round_trip(AppendParams{by_key, binary, BlockEncoding::base64});
  check_round_trip(AppendParams{by_name, {}, BlockEncoding::utf8});
  check_round_trip(AppendResult{test_key(1), 42, true});
  check_round_trip(GetParams{by_key, 7, BlockEncoding::base64});
  check_round_trip(GetResult{7, text("hi"), BlockEncoding::utf8});
  check_round_trip(GetResult{8, binary[0], BlockEncoding::base64});
  check_round_trip(InfoParams{by_name});
  check_round_trip(sample_info(5, "chat"));
  check_round_trip(sample_info(6, std::nullopt));
  check_round_trip(ListResult{});
  check_round_trip(ListResult{{sample_info(5, "a"), sample_info(9, std::nullopt)}});
  check_round_trip(TailParams{by_name, 3, BlockEncoding::utf8});
  check_round_trip(TailResult{10, lines, BlockEncoding::utf8});
  check_round_trip(TailResult{10, binary, BlockEncoding::base64});
  check_round_trip(FollowParams{by_key, 100, BlockEncoding::base64});
  check_round_trip(FollowResult{17});
  check_round_trip(BlockNotification{17, 3, text("line"), BlockEncoding::utf8});
  check_round_trip(BlockNotification{17, 4, binary[0], BlockEncoding::base64});
  check_round_trip(UnfollowParams{17});
  check_round_trip(StatusResult{"0.1.0", 3, 123456});
  check_round_trip(GetParams{by_name, UINT64_MAX, BlockEncoding::utf8});
}

TEST_CASE("JSON forms: the documented field names and defaults") {
  const Hash32 key = test_key(1);
  CHECK(to_json(CoreInfo{key, test_key(2), "chat", 1, 5, 0, true, 1, std::nullopt}) ==
        json{{"key", encoding::encode_key_id(key)},
             {"key_hex", encoding::to_hex(key)},
             {"discovery_key", encoding::to_hex(test_key(2))},
             {"name", "chat"},
             {"length", 1},
             {"byte_length", 5},
             {"fork", 0},
             {"writable", true},
             {"contiguous_length", 1}});
  CHECK(to_json(sample_info(1, std::nullopt))["name"].is_null());
  CHECK(unwrap(to_json(AppendParams{CoreRef::by_name("c"), {text("a")}, BlockEncoding::base64})) ==
        json{{"name", "c"}, {"blocks", {"YQ=="}}, {"encoding", "base64"}});
  CHECK(to_json(CoreRef::by_key(key)) == json{{"key", encoding::encode_key_id(key)}});

  // Defaults: encoding utf8, tail n 10, follow start 0.
  auto tail = from_json<TailParams>(json{{"name", "c"}});
  REQUIRE(tail.ok());
  CHECK(tail->n == 10);
  CHECK(tail->encoding == BlockEncoding::utf8);
  CHECK(from_json<FollowParams>(json{{"name", "c"}})->start == 0);
  // Keys are accepted in hex as well as z-base32.
  auto info = from_json<InfoParams>(json{{"key", encoding::to_hex(key)}});
  REQUIRE(info.ok());
  CHECK(info->core == CoreRef::by_key(key));
  // Unknown fields are ignored.
  CHECK(from_json<GetParams>(json{{"name", "c"}, {"index", 1}, {"wait", true}}).ok());
  // A result a client reads may say "utf-8".
  CHECK(from_json<GetResult>(json{{"index", 0}, {"block", "x"}, {"encoding", "utf-8"}}).ok());
}

TEST_CASE("core references: exactly one of name and key, keys must decode") {
  check_rejects<InfoParams>(json::object(), Errc::invalid_params, "name");
  check_rejects<InfoParams>(json{{"name", "a"}, {"key", encoding::to_hex(test_key(1))}},
                            Errc::invalid_params, "key");
  check_rejects<InfoParams>(json{{"name", 5}}, Errc::invalid_params, "name");
  check_rejects<InfoParams>(json{{"name", ""}}, Errc::invalid_params, "name");
  check_rejects<InfoParams>(json{{"name", std::string(kMaxNameBytes + 1, 'n')}}, Errc::invalid_params,
                            "name");
  check_rejects<InfoParams>(json{{"key", 5}}, Errc::invalid_params, "key");
  for (std::string bad : {std::string("abc"), std::string(64, 'g'), std::string(63, 'a'),
                          std::string(52, '0'), std::string(52, 'l'), std::string()})
    check_rejects<InfoParams>(json{{"key", bad}}, Errc::invalid_key, "key");
  check_rejects<CreateParams>(json{{"key", encoding::to_hex(test_key(1))}}, Errc::invalid_params, "name");
  check_rejects<CreateParams>(json{{"name", "c"}, {"compat", 1}}, Errc::invalid_params, "compat");
  check_rejects<InfoParams>(json::array(), Errc::invalid_params, "params");
  check_rejects<InfoParams>(json("chat"), Errc::invalid_params, "params");
}

TEST_CASE("wrong-typed and out-of-range fields name the field") {
  const json c{{"name", "c"}};
  auto with = [&](json extra) {
    json j = c;
    j.update(extra);
    return j;
  };
  check_rejects<GetParams>(c, Errc::invalid_params, "index");
  check_rejects<GetParams>(with({{"index", -1}}), Errc::invalid_params, "index");
  check_rejects<GetParams>(with({{"index", 1.5}}), Errc::invalid_params, "index");
  check_rejects<GetParams>(with({{"index", "1"}}), Errc::invalid_params, "index");
  check_rejects<GetParams>(with({{"index", nullptr}}), Errc::invalid_params, "index");
  check_rejects<GetParams>(with({{"index", true}}), Errc::invalid_params, "index");
  check_rejects<GetParams>(with({{"index", 0}, {"encoding", "hex"}}), Errc::invalid_params, "encoding");
  check_rejects<GetParams>(with({{"index", 0}, {"encoding", 1}}), Errc::invalid_params, "encoding");
  check_rejects<TailParams>(with({{"n", "3"}}), Errc::invalid_params, "n");
  check_rejects<FollowParams>(with({{"start", -5}}), Errc::invalid_params, "start");
  check_rejects<UnfollowParams>(json::object(), Errc::invalid_params, "subscription");
  check_rejects<UnfollowParams>(json{{"subscription", "7"}}, Errc::invalid_params, "subscription");
  check_rejects<AppendParams>(c, Errc::invalid_params, "blocks");
  check_rejects<AppendParams>(with({{"blocks", "hello"}}), Errc::invalid_params, "blocks");
  check_rejects<AppendParams>(with({{"blocks", {"a", 2}}}), Errc::invalid_params, "blocks[1]");
  check_rejects<AppendParams>(with({{"blocks", {"a", nullptr}}}), Errc::invalid_params, "blocks[1]");
  check_rejects<StatusResult>(json{{"version", 1}, {"cores", 0}, {"uptime_ms", 0}}, Errc::invalid_params,
                              "version");
  json info = to_json(sample_info(1, "x"));
  info["writable"] = 1;
  check_rejects<CoreInfo>(info, Errc::invalid_params, "writable");
  info = to_json(sample_info(1, "x"));
  info["discovery_key"] = "abcd";
  check_rejects<CoreInfo>(info, Errc::invalid_params, "discovery_key");
  info = to_json(sample_info(1, "x"));
  info["key_hex"] = encoding::to_hex(test_key(9));
  check_rejects<CoreInfo>(info, Errc::invalid_params, "key_hex");
  info = to_json(sample_info(1, "x"));
  info["peers"] = -1;
  check_rejects<CoreInfo>(info, Errc::invalid_params, "peers");
  check_rejects<ListResult>(json{{"cores", {1}}}, Errc::invalid_params, "cores[0]");
  json list = to_json(ListResult{{sample_info(1, "a"), sample_info(2, "b")}});
  list["cores"][1]["length"] = -1;
  check_rejects<ListResult>(list, Errc::invalid_params, "cores[1].length");
}

TEST_CASE("blocks: invalid base64 and invalid UTF-8 are invalid_params naming the block") {
  const json c{{"name", "c"}};
  auto append = [&](json blocks, const char* encoding) {
    json j = c;
    j["blocks"] = std::move(blocks);
    if (encoding) j["encoding"] = encoding;
    return j;
  };
  check_rejects<AppendParams>(append({"YQ==", "Y"}, "base64"), Errc::invalid_params, "blocks[1]");
  check_rejects<AppendParams>(append({"not base64!"}, "base64"), Errc::invalid_params, "blocks[0]");
  // Strings inside a parsed line are always UTF-8 (the parser rejects the rest
  // with parse_error); params built in memory are checked again.
  for (std::string bad : {std::string("\xC0\xAF"), std::string("\xE0\x80\xAF"),  // overlong '/'
                          std::string("\xED\xA0\x80"), std::string("\xED\xBF\xBF"),  // surrogates
                          std::string("ok\xE2\x82"), std::string("\xF0\x9F\x98"),     // truncated
                          std::string("\x80"), std::string("\xF4\x90\x80\x80")})
    check_rejects<AppendParams>(append({"fine", bad}, nullptr), Errc::invalid_params, "blocks[1]");
  check_rejects<GetResult>(json{{"index", 0}, {"block", "\xFF"}}, Errc::invalid_params, "block");
  check_rejects<BlockNotification>(json{{"subscription", 1}, {"index", 0}, {"block", "%%%%"},
                                        {"encoding", "base64"}},
                                   Errc::invalid_params, "block");
  // The same bytes are fine as base64.
  CHECK(from_json<AppendParams>(append({"wK8="}, "base64")).ok());
}

TEST_CASE("results with blocks that are not UTF-8 cannot be sent as text") {
  auto r = to_json(GetResult{0, Bytes{0xff}, BlockEncoding::utf8});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::invalid_params);
  CHECK(r.error().message.find("base64") != std::string::npos);
  auto t = to_json(TailResult{0, {text("ok"), Bytes{0xc0, 0x80}}, BlockEncoding::utf8});
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().data == json{{"field", "blocks[1]"}});
  CHECK_FALSE(to_json(BlockNotification{1, 0, Bytes{0xed, 0xa0, 0x80}, BlockEncoding::utf8}).ok());
  CHECK_FALSE(to_json(AppendParams{CoreRef::by_name("c"), {Bytes{0x80}}, BlockEncoding::utf8}).ok());
}

TEST_CASE("from_json never throws on arbitrary JSON values") {
  const json values[] = {nullptr, true, 0, -1, 1.5, "s", json::array(), json::object(),
                         json{{"name", nullptr}}, json{{"key", json::array()}},
                         json{{"name", "c"}, {"blocks", json::object()}},
                         json{{"name", "c"}, {"index", 1e300}}, json{{"cores", nullptr}},
                         json{{"cores", {json::object()}}}};
  for (const auto& v : values) {
    CHECK_NOTHROW((void)from_json<CoreRef>(v));
    CHECK_NOTHROW((void)from_json<CreateParams>(v));
    CHECK_NOTHROW((void)from_json<AppendParams>(v));
    CHECK_NOTHROW((void)from_json<AppendResult>(v));
    CHECK_NOTHROW((void)from_json<GetParams>(v));
    CHECK_NOTHROW((void)from_json<GetResult>(v));
    CHECK_NOTHROW((void)from_json<InfoParams>(v));
    CHECK_NOTHROW((void)from_json<CoreInfo>(v));
    CHECK_NOTHROW((void)from_json<ListResult>(v));
    CHECK_NOTHROW((void)from_json<TailParams>(v));
    CHECK_NOTHROW((void)from_json<TailResult>(v));
    CHECK_NOTHROW((void)from_json<FollowParams>(v));
    CHECK_NOTHROW((void)from_json<FollowResult>(v));
    CHECK_NOTHROW((void)from_json<BlockNotification>(v));
    CHECK_NOTHROW((void)from_json<UnfollowParams>(v));
    CHECK_NOTHROW((void)from_json<StatusResult>(v));
  }
}
