// Corestore's named cores against the Node reference (corestore_kat.js):
// `new Corestore(dir, {primaryKey, unsafe: true})`, `store.get({name})` and
// `store.namespace(a).namespace(b)...get({name})` must give the key pair, core
// key, discovery key and manifest of hc::crypto::corestore::derive_key_pair and
// a non-compat Core::create, and the same signature after one append.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/core.hpp"
#include "core/manifest.hpp"
#include "core/memory_storage.hpp"
#include "crypto/corestore_keys.hpp"
#include "encoding/key_id.hpp"
#include "node_runner.hpp"

namespace hc::interop {
namespace {

using nlohmann::json;
using encoding::to_hex;

std::vector<Hash32> primary_keys() {
  Hash32 twos, pattern, high;
  twos.fill(0x02);
  for (std::size_t i = 0; i < 32; i++) {
    pattern[i] = static_cast<std::uint8_t>(i);
    high[i] = static_cast<std::uint8_t>(0xff - i * 3);
  }
  return {twos, pattern, high};
}

std::vector<std::string> names() {
  return {"test",
          "a",
          " ",
          "0",
          "false",
          "null",
          "chat",
          "\xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9",  // ünïcødé
          "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",          // 日本語
          "\xf0\x9f\xa6\x84",                              // 🦄, 4 bytes of UTF-8
          "e\xcc\x81",                                     // e + combining acute accent
          std::string("a\0b", 3),
          "line\nbreak\ttab",
          "with/slash\\and\"quote",
          std::string(1000, 'x')};
}

std::vector<std::vector<std::string>> namespace_chains() {
  return {{}, {"foo"}, {"foo", "bar"}, {""}, {"\xf0\x9f\xa6\x84"}};
}

// What corestore_kat.js reports for one named core, computed by the C++ layers.
json named_json(core::MemoryStorage& storage, const Hash32& primary,
                const std::vector<std::string>& chain, const std::string& name, ByteView block) {
  Hash32 ns = crypto::corestore::kRootNamespace;
  for (const auto& n : chain) ns = crypto::corestore::child_namespace(ns, n);
  json out = {{"ns", to_hex(ns)}, {"name", to_hex(as_bytes(name))}};
  core::Core::CreateOptions opts;
  opts.key_pair = crypto::corestore::derive_key_pair(primary, ns, name);
  auto created = core::Core::create(storage, opts);
  REQUIRE(created.ok());
  core::Core& c = **created;
  REQUIRE(c.append(block).ok());
  out["publicKey"] = to_hex(opts.key_pair.public_key);
  out["secretKey"] = to_hex(opts.key_pair.secret_key);
  out["key"] = to_hex(c.key());
  out["discoveryKey"] = to_hex(c.discovery_key());
  out["manifest"] = to_hex(core::encode_manifest(*c.manifest()));
  out["signature"] = to_hex(c.signature());
  return out;
}

}  // namespace

TEST_CASE("corestore: named cores agree with Node's Corestore") {
  const Bytes block = to_bytes(as_bytes("hello"));
  json in;
  for (const auto& primary : primary_keys()) {
    json store = {{"primaryKey", to_hex(primary)}, {"block", to_hex(block)}};
    for (const auto& chain : namespace_chains()) {
      for (const auto& name : names()) {
        store["gets"].push_back({{"namespaces", chain}, {"name", name}});
      }
      // Node refuses an empty name (it is no name at all): check that it still does.
      store["gets"].push_back({{"namespaces", chain}, {"name", ""}});
    }
    in["stores"].push_back(store);
  }

  // Not const: operator[] then gives null for a missing field instead of UB.
  json node = run_node("corestore_kat.js", {}, in);
  REQUIRE(node["stores"].size() == primary_keys().size());

  std::size_t compared = 0;
  for (std::size_t si = 0; si < primary_keys().size(); si++) {
    const Hash32 primary = primary_keys()[si];
    json& gets = node["stores"][si]["gets"];
    REQUIRE(gets.size() == in["stores"][si]["gets"].size());
    core::MemoryStorage storage;
    for (std::size_t gi = 0; gi < gets.size(); gi++) {
      const json& g = in["stores"][si]["gets"][gi];
      const auto chain = g["namespaces"].get<std::vector<std::string>>();
      const auto name = g["name"].get<std::string>();
      INFO("primary key " << to_hex(primary) << ", namespaces " << g["namespaces"].dump()
                          << ", name " << g["name"].dump());
      if (name.empty()) {
        CHECK(gets[gi].contains("error"));
        continue;
      }
      REQUIRE_MESSAGE(!gets[gi].contains("error"), gets[gi].dump());
      const json cpp = named_json(storage, primary, chain, name, block);
      CHECK_MESSAGE(gets[gi] == cpp, "node " << gets[gi].dump() << "\nc++  " << cpp.dump());
      compared++;
    }
  }
  MESSAGE("compared " << compared << " named cores with Node");
}

}  // namespace hc::interop
