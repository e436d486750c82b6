// Decoding a core's stored header: every malformed column is `corrupt`.
#include "core_row.hpp"

#include <doctest/doctest.h>

#include <functional>

#include "errors.hpp"
#include "layout.hpp"

namespace hc::storage {
namespace {

Value integer(std::int64_t v) { return {Value::Type::integer, v, {}}; }
Value blob(const Bytes& b) { return {Value::Type::blob, 0, b}; }
Value text(std::string_view s) { return {Value::Type::text, 0, as_bytes(s)}; }
Value null() { return {}; }

// Owns the bytes a CoreRow points into.
struct Fixture {
  Bytes key = Bytes(32, 1), dkey = Bytes(32, 2), secret = Bytes(64, 3), roots, signature = Bytes(68, 4);
  Bytes manifest;
  core::Manifest m = core::default_signer_manifest(Hash32{9});
  std::vector<core::TreeNode> tree_roots = {{3, 4096, Hash32{5}}, {8, 1024, Hash32{6}}};

  Fixture() {
    manifest = core::encode_manifest(m);
    roots = encode_roots(tree_roots);
  }
  CoreRow row() const {
    return {integer(7), blob(key), blob(dkey), text("chat"), blob(manifest), blob(secret),
            integer(2), integer(5), integer(5120), blob(roots), blob(signature)};
  }
};

TEST_CASE("a well-formed row decodes to its record") {
  Fixture f;
  auto r = decode_core_row(f.row());
  REQUIRE(r.ok());
  CHECK(r->id == 7);
  CHECK(Bytes(r->key.begin(), r->key.end()) == f.key);
  CHECK(Bytes(r->discovery_key.begin(), r->discovery_key.end()) == f.dkey);
  CHECK(r->name == std::optional<std::string>("chat"));
  CHECK(r->manifest == f.m);
  REQUIRE(r->secret_key.has_value());
  CHECK(Bytes(r->secret_key->begin(), r->secret_key->end()) == f.secret);
  CHECK(r->tree.fork == 2);
  CHECK(r->tree.length == 5);
  CHECK(r->tree.byte_length == 5120);
  CHECK(r->tree.roots == f.tree_roots);
  CHECK(r->tree.signature == f.signature);

  // Optional columns may be NULL; an empty signature and no roots are fine.
  CoreRow row = f.row();
  const Bytes empty;
  row.name = null();
  row.manifest = null();
  row.secret_key = null();
  row.roots = blob(empty);
  row.signature = blob(empty);
  auto bare = decode_core_row(row);
  REQUIRE(bare.ok());
  CHECK_FALSE(bare->name.has_value());
  CHECK_FALSE(bare->manifest.has_value());
  CHECK_FALSE(bare->secret_key.has_value());
  CHECK(bare->tree.roots.empty());
  CHECK(bare->tree.signature.empty());
}

TEST_CASE("every malformed column is corrupt") {
  Fixture f;
  const Bytes b31(31, 0), b33(33, 0), b63(63, 0), b47(47, 0), garbage = {0xff, 0x01};
  const Bytes too_many_roots((kMaxRoots + 1) * kRootBytes, 0);
  const Bytes huge_signature(kMaxSignatureBytes + 1, 0);
  Bytes trailing = f.manifest;
  trailing.push_back(0);

  auto set = [](Value CoreRow::*field, Value v) {
    return [field, v](CoreRow& r) { r.*field = v; };
  };
  const std::pair<const char*, std::function<void(CoreRow&)>> cases[] = {
      {"id NULL", set(&CoreRow::id, null())},
      {"id 0", set(&CoreRow::id, integer(0))},
      {"id past the limit", set(&CoreRow::id, integer(kMaxCoreId + 1))},
      {"key 31 bytes", set(&CoreRow::key, blob(b31))},
      {"key as text", set(&CoreRow::key, text("0123456789abcdef0123456789abcdef"))},
      {"key NULL", set(&CoreRow::key, null())},
      {"discovery key 33 bytes", set(&CoreRow::discovery_key, blob(b33))},
      {"name as integer", set(&CoreRow::name, integer(1))},
      {"manifest garbage", set(&CoreRow::manifest, blob(garbage))},
      {"manifest with a trailing byte", set(&CoreRow::manifest, blob(trailing))},
      {"manifest as text", set(&CoreRow::manifest, text("m"))},
      {"secret key 63 bytes", set(&CoreRow::secret_key, blob(b63))},
      {"fork NULL", set(&CoreRow::fork, null())},
      {"length as real", set(&CoreRow::length, Value{Value::Type::real, 0, {}})},
      {"length past the limit", set(&CoreRow::length, integer(static_cast<std::int64_t>(kMaxBlocks) + 1))},
      {"byte_length as blob", set(&CoreRow::byte_length, blob(b31))},
      {"roots 47 bytes", set(&CoreRow::roots, blob(b47))},
      {"roots NULL", set(&CoreRow::roots, null())},
      {"too many roots", set(&CoreRow::roots, blob(too_many_roots))},
      {"signature NULL", set(&CoreRow::signature, null())},
      {"signature too long", set(&CoreRow::signature, blob(huge_signature))},
  };
  for (const auto& [what, edit] : cases) {
    INFO(what);
    CoreRow row = f.row();
    edit(row);
    CHECK(decode_core_row(row).error() == Errc::corrupt);
  }
}

TEST_CASE("roots round trip, and other sizes do not decode") {
  const std::vector<core::TreeNode> roots = {{15, 1 << 20, Hash32{1}}, {0xffffffffffull, 7, Hash32{2}}};
  const Bytes bytes = encode_roots(roots);
  CHECK(bytes.size() == 2 * kRootBytes);
  auto back = decode_roots(bytes);
  REQUIRE(back.ok());
  CHECK(*back == roots);
  for (std::size_t cut = 1; cut < kRootBytes; cut += 7) {
    CHECK(decode_roots(ByteView(bytes).first(bytes.size() - cut)).error() == Errc::corrupt);
  }
  CHECK(decode_roots({}).ok());
}

TEST_CASE("check_tree refuses what the layout cannot hold") {
  core::TreeState t;
  CHECK(check_tree(t).ok());
  t.length = kMaxBlocks;
  CHECK(check_tree(t).ok());
  t.length = kMaxBlocks + 1;
  CHECK(check_tree(t).error() == Errc::limit_exceeded);
  t.length = 1;
  t.roots.resize(kMaxRoots + 1);
  CHECK(check_tree(t).error() == Errc::limit_exceeded);
  t.roots.clear();
  t.signature.resize(kMaxSignatureBytes + 1);
  CHECK(check_tree(t).error() == Errc::limit_exceeded);
}

}  // namespace
}  // namespace hc::storage
