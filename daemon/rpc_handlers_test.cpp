#include "rpc_handlers.hpp"

#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "core/memory_storage.hpp"
#include "crypto/corestore_keys.hpp"
#include "encoding/key_id.hpp"
#include "storage/errors.hpp"

using nlohmann::json;
using hc::daemon::CoreRegistry;
using hc::daemon::RpcHandlers;

namespace {

hc::Hash32 filled(std::uint8_t v) {
  hc::Hash32 h{};
  h.fill(v);
  return h;
}

struct Fixture {
  hc::core::MemoryStorage storage;
  hc::Hash32 primary = filled(7);  // before registry, which copies it
  CoreRegistry registry{storage, primary};
  RpcHandlers handlers{registry};
  int next_id = 0;

  json call(std::string_view method, json params = json::object()) {
    hc::proto::Request r;
    r.id = ++next_id;
    r.method = std::string(method);
    r.params = std::move(params);
    json resp = handlers.handle(r);
    CHECK(resp["id"] == next_id);
    return resp;
  }
  json result(std::string_view method, json params = json::object()) {
    json resp = call(method, std::move(params));
    REQUIRE_MESSAGE(resp.contains("result"), resp.dump());
    return resp["result"];
  }
  int error_code(std::string_view method, json params = json::object()) {
    json resp = call(method, std::move(params));
    REQUIRE_MESSAGE(resp.contains("error"), resp.dump());
    return resp["error"]["code"].get<int>();
  }
};

}  // namespace

TEST_CASE("core.create gives a named core the Corestore key pair of the primary key") {
  Fixture f;
  json info = f.result("core.create", {{"name", "chat"}});
  CHECK(info["length"] == 0);
  CHECK(info["writable"] == true);
  CHECK(f.error_code("core.create", {{"name", "chat"}}) == -32004);

  // The same derivation through Core::create directly gives the same key.
  hc::core::MemoryStorage other;
  hc::core::Core::CreateOptions options;
  options.key_pair = hc::crypto::corestore::derive_key_pair(
      f.primary, hc::crypto::corestore::kRootNamespace, "chat");
  auto expected = hc::core::Core::create(other, options);
  REQUIRE(expected);
  CHECK(info["key"] == hc::encoding::encode_key_id((*expected)->key()));
}

TEST_CASE("core.append creates a named core once and acknowledges the new length") {
  Fixture f;
  json r = f.result("core.append", {{"name", "log"}, {"blocks", {"a", "b"}}});
  CHECK(r["created"] == true);
  CHECK(r["length"] == 2);
  r = f.result("core.append", {{"key", r["key"]}, {"blocks", {"c"}}});
  CHECK(r["created"] == false);
  CHECK(r["length"] == 3);
  CHECK(f.result("core.get", {{"name", "log"}, {"index", 2}})["block"] == "c");
  CHECK(f.result("core.tail", {{"name", "log"}, {"n", 2}})["blocks"] == json({"b", "c"}));
  CHECK(f.result("core.list")["cores"].size() == 1);
  CHECK(f.result("daemon.status")["cores"] == 1);
}

TEST_CASE("a core known only by key is not writable") {
  Fixture f;
  const hc::Hash32 key = filled(9);
  REQUIRE(hc::core::Core::create_remote(f.storage, key));
  json params = {{"key", hc::encoding::encode_key_id(key)}, {"blocks", {"x"}}};
  CHECK(f.error_code("core.append", params) == -32002);
  CHECK(f.result("core.info", {{"key", params["key"]}})["writable"] == false);
  CHECK(f.error_code("core.get", {{"key", params["key"]}, {"index", 0}}) == -32003);
}

TEST_CASE("errors: unknown and unimplemented methods, bad params, missing cores") {
  Fixture f;
  CHECK(f.error_code("core.nothing") == -32601);
  CHECK(f.error_code("core.follow", {{"name", "x"}}) == -32603);
  CHECK(f.error_code("core.unfollow", {{"subscription", 1}}) == -32603);
  CHECK(f.error_code("core.get", {{"name", "x"}, {"index", -1}}) == -32602);
  CHECK(f.error_code("core.info", {{"key", "zz"}}) == -32005);
  CHECK(f.error_code("core.info", {{"name", "missing"}}) == -32001);
  f.result("core.append", {{"name", "bin"}, {"blocks", {"/w=="}}, {"encoding", "base64"}});
  CHECK(f.error_code("core.get", {{"name", "bin"}, {"index", 0}}) == -32602);  // not UTF-8
}

TEST_CASE("to_proto_error maps core and storage codes to protocol codes") {
  using hc::daemon::to_proto_error;
  using hc::proto::Errc;
  CHECK(to_proto_error(hc::core::Errc::core_not_found).code == Errc::core_not_found);
  CHECK(to_proto_error(hc::core::Errc::session_not_writable).code == Errc::not_writable);
  CHECK(to_proto_error(hc::core::Errc::block_not_available).code == Errc::block_not_available);
  CHECK(to_proto_error(hc::core::Errc::invalid_proof).code == Errc::internal_error);
  CHECK(to_proto_error(hc::storage::Errc::corrupt).code == Errc::storage_error);
  CHECK(to_proto_error(std::make_error_code(std::errc::io_error)).code == Errc::storage_error);
}

TEST_CASE("core.tail answers fit in one line: the newest blocks that fit, at least one") {
  Fixture f;
  const std::string big(5 << 20, 'x');  // 5 MiB; 6.7 MiB in base64
  const std::string b64 = hc::proto::to_base64(hc::as_bytes(big));
  f.result("core.append", {{"name", "big"}, {"blocks", {"s0", "s1"}}});
  for (int i = 0; i < 4; i++) f.result("core.append", {{"name", "big"}, {"blocks", {big}}});

  // As text, 5 MiB each: three fit (15 MiB), the fourth and the small ones wait.
  json text = f.call("core.tail", {{"name", "big"}, {"n", 6}});
  CHECK(text["result"]["start"] == 3);
  CHECK(text["result"]["blocks"].size() == 3);
  CHECK(text.dump().size() <= hc::proto::kMaxLineBytes);

  json base64 = f.call("core.tail", {{"name", "big"}, {"n", 6}, {"encoding", "base64"}});
  CHECK(base64["result"]["start"] == 4);
  CHECK(base64["result"]["blocks"] == json({b64, b64}));
  CHECK(base64.dump().size() <= hc::proto::kMaxLineBytes);

  // Small blocks all come at once; n = 1 is one block, however big.
  f.result("core.append", {{"name", "small"}, {"blocks", {"a", "b", "c"}}});
  CHECK(f.result("core.tail", {{"name", "small"}, {"n", 5}})["blocks"] == json({"a", "b", "c"}));
  CHECK(f.result("core.tail", {{"name", "big"}, {"n", 1}})["start"] == 5);
}
