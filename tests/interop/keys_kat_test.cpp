// Known answers for keys, from the Node reference at test time (keys_kat.js):
// Ed25519 key pairs from seeds, the key, default manifest and discovery key of
// real cores (manifest and compat), z-base32 ids and their decoding, the
// namespaces of hypercore lib/caps.js and corestore, and the tree signables.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/core.hpp"
#include "core/manifest.hpp"
#include "core/memory_storage.hpp"
#include "crypto/caps.hpp"
#include "crypto/corestore_keys.hpp"
#include "crypto/hash.hpp"
#include "crypto/sign.hpp"
#include "encoding/key_id.hpp"
#include "node_runner.hpp"

namespace hc::interop {
namespace {

using nlohmann::json;
// Right-hand sides are wrapped in json so that doctest prints both values.
using encoding::to_hex;

Hash32 filled(std::uint8_t b) {
  Hash32 h;
  h.fill(b);
  return h;
}

Hash32 pattern(std::uint8_t mul, std::uint8_t add) {
  Hash32 h;
  for (std::size_t i = 0; i < h.size(); i++) h[i] = static_cast<std::uint8_t>(i * mul + add);
  return h;
}

std::vector<Hash32> seeds() {
  return {pattern(1, 0), filled(0xff), filled(0x00), filled(0x01), filled(0x02), filled(0x80),
          pattern(37, 11), pattern(251, 0x5a)};
}

json decoded_json(std::string_view id) {
  auto key = encoding::decode_key_id(id);
  return key ? json(to_hex(*key)) : json();
}

// What keys_kat.js reports for one core, computed by the C++ layers.
json core_json(core::MemoryStorage& storage, const crypto::KeyPair& kp, bool compat) {
  core::Core::CreateOptions opts;
  opts.key_pair = kp;
  opts.compat = compat;
  auto created = core::Core::create(storage, opts);
  REQUIRE(created.ok());
  const core::Core& c = **created;
  REQUIRE(c.manifest().has_value());
  const std::string id = encoding::encode_key_id(c.key());
  const Hash32 static_key =
      compat ? kp.public_key : core::manifest_hash(core::default_signer_manifest(kp.public_key));
  return {
      {"key", to_hex(c.key())},
      {"discoveryKey", to_hex(c.discovery_key())},
      {"cryptoDiscoveryKey", to_hex(crypto::discovery_key(c.key()))},
      {"staticKey", to_hex(static_key)},
      {"staticDiscoveryKey", to_hex(crypto::discovery_key(static_key))},
      {"manifest", to_hex(core::encode_manifest(*c.manifest()))},
      {"compat", c.compat()},
      {"id", id},
      {"idEncode", id},
      {"idDecoded", decoded_json(id)},
      {"hexDecoded", decoded_json(to_hex(c.key()))},
  };
}

std::string upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Ids to decode, valid and not: Node's answer (a key or an error) is the reference.
std::vector<std::string> ids_to_decode() {
  const Hash32 key = pattern(1, 0);
  const std::string z = encoding::to_z32(key);
  const std::string h = to_hex(key);
  // The last z-base32 character carries 1 bit of the key and 4 ignored bits.
  std::string loose = z;
  loose.back() = loose.back() == 'y' ? 'o' : '9';
  std::string with_zero = z;
  with_zero[10] = '0';
  std::string with_l = z;
  with_l[20] = 'l';
  std::string bad_hex = h;
  bad_hex[63] = 'g';
  std::string spaced_hex = h;
  spaced_hex[40] = ' ';
  return {z,
          h,
          upper(h),
          "pear://" + z,
          "pear://" + h + "/app/path",
          "pear://" + z + "?x",
          loose,
          encoding::to_z32(filled(0xff)),
          encoding::to_z32(filled(0x00)),
          upper(z),
          with_zero,
          with_l,
          bad_hex,
          spaced_hex,
          z.substr(1),
          z + "y",
          h.substr(2),
          h + "00",
          "",
          "pear://",
          "pear:/" + z};
}

std::vector<Bytes> z32_inputs() {
  std::vector<Bytes> out;
  for (std::size_t n = 0; n <= 40; n++) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; i++) b[i] = static_cast<std::uint8_t>(n * 31 + i * 97);
    out.push_back(b);
  }
  return out;
}

struct SignableInput {
  Hash32 manifest_hash;
  Hash32 tree_hash;
  std::uint64_t length;
  std::uint64_t fork;
};

std::vector<SignableInput> signable_inputs() {
  constexpr std::uint64_t kMax = (std::uint64_t{1} << 53) - 1;
  const Hash32 a = pattern(3, 1), b = pattern(5, 200);
  return {{a, b, 0, 0},
          {a, b, 1, 0},
          {b, a, 255, 1},
          {b, a, 256, 65535},
          {a, crypto::tree_hash({}), 0xffffffff, std::uint64_t{1} << 32},
          {a, b, kMax, kMax - 1}};
}

}  // namespace

TEST_CASE("keys: key pairs, core keys, manifests, ids and namespaces agree with Node") {
  const Bytes message = to_bytes(as_bytes("hypercored known answers"));
  json in;
  for (const auto& s : seeds()) in["seeds"].push_back(to_hex(s));
  in["message"] = to_hex(message);
  in["ids"] = ids_to_decode();
  for (const auto& b : z32_inputs()) in["z32"].push_back(to_hex(b));
  for (const auto& s : signable_inputs()) {
    in["signables"].push_back({{"manifestHash", to_hex(s.manifest_hash)},
                               {"treeHash", to_hex(s.tree_hash)},
                               {"length", s.length},
                               {"fork", s.fork}});
  }
  const std::vector<std::pair<Hash32, Bytes>> replicate_inputs = {
      {pattern(1, 0), Bytes(64, 0xaa)},
      {filled(0xff), to_bytes(pattern(7, 3))},  // 32 bytes: caps.replicate takes any key length
  };
  for (const auto& [key, hh] : replicate_inputs) {
    for (bool initiator : {true, false}) {
      in["replicate"].push_back(
          {{"initiator", initiator}, {"key", to_hex(key)}, {"handshakeHash", to_hex(hh)}});
    }
  }

  // Not const: operator[] then gives null for a missing field instead of UB.
  json node = run_node("keys_kat.js", {}, in);

  // Namespaces of lib/caps.js and corestore.
  json ns = json::array();
  for (const auto& h : crypto::namespace_ids("hypercore", 6)) ns.push_back(to_hex(h));
  CHECK(node["namespaces"]["hypercore"] == ns);
  const json caps_ids = json::array(
      {to_hex(crypto::caps::tree()), to_hex(crypto::caps::replicate_initiator()),
       to_hex(crypto::caps::replicate_responder()), to_hex(crypto::caps::manifest()),
       to_hex(crypto::caps::default_namespace()), to_hex(crypto::caps::default_encryption())});
  CHECK(node["namespaces"]["hypercore"] == caps_ids);
  CHECK(node["namespaces"]["corestore"] == json::array({to_hex(crypto::corestore::ns())}));
  CHECK(node["caps"]["MANIFEST"] == json(to_hex(crypto::caps::manifest())));
  CHECK(node["caps"]["DEFAULT_NAMESPACE"] == json(to_hex(crypto::caps::default_namespace())));
  CHECK(node["caps"]["DEFAULT_ENCRYPTION"] == json(to_hex(crypto::caps::default_encryption())));

  // Key pairs and cores.
  REQUIRE(node["cores"].size() == seeds().size());
  core::MemoryStorage storage;
  for (std::size_t i = 0; i < seeds().size(); i++) {
    const Hash32 seed = seeds()[i];
    const crypto::KeyPair kp = crypto::key_pair_from_seed(seed);
    json& n = node["cores"][i];
    INFO("seed " << to_hex(seed));
    CHECK(n["seed"] == json(to_hex(seed)));
    CHECK(n["publicKey"] == json(to_hex(kp.public_key)));
    CHECK(n["secretKey"] == json(to_hex(kp.secret_key)));
    CHECK(n["valid"] == json(crypto::validate_key_pair(kp)));
    CHECK(n["signature"] == json(to_hex(crypto::sign(message, kp.secret_key))));
    const json def = core_json(storage, kp, false);
    const json compat = core_json(storage, kp, true);
    CHECK_MESSAGE(n["default"] == def, "node " << n["default"].dump() << "\nc++  " << def.dump());
    CHECK_MESSAGE(n["compat"] == compat,
                  "node " << n["compat"].dump() << "\nc++  " << compat.dump());
    // Not vacuous: the manifest core's key is its manifest hash, the compat key the public key.
    CHECK(n["default"]["key"] != n["compat"]["key"]);
    CHECK(n["compat"]["key"] == json(to_hex(kp.public_key)));
  }

  // Decoding ids, valid or not.
  const auto ids = ids_to_decode();
  REQUIRE(node["decoded"].size() == ids.size());
  std::size_t refused = 0;
  for (std::size_t i = 0; i < ids.size(); i++) {
    INFO("id \"" << ids[i] << "\"");
    CHECK(node["decoded"][i] == decoded_json(ids[i]));
    refused += node["decoded"][i].is_null();
  }
  CHECK(refused > 0);
  CHECK(refused < ids.size());

  // z-base32 of other lengths.
  const auto z32 = z32_inputs();
  REQUIRE(node["z32"].size() == z32.size());
  for (std::size_t i = 0; i < z32.size(); i++) {
    INFO("z32 of " << to_hex(z32[i]));
    const std::string encoded = encoding::to_z32(z32[i]);
    CHECK(node["z32"][i]["encoded"] == json(encoded));
    auto decoded = encoding::from_z32(encoded);
    REQUIRE(decoded.ok());
    CHECK(node["z32"][i]["decoded"] == json(to_hex(*decoded)));
  }

  // Tree signables.
  const auto signables = signable_inputs();
  REQUIRE(node["signables"].size() == signables.size());
  for (std::size_t i = 0; i < signables.size(); i++) {
    const auto& s = signables[i];
    INFO("signable length " << s.length << " fork " << s.fork);
    const auto tree = crypto::caps::tree_signable(s.manifest_hash, s.tree_hash, s.length, s.fork);
    CHECK(node["signables"][i]["tree"] == json(to_hex(tree)));
    CHECK(node["signables"][i]["compat"] ==
          json(to_hex(crypto::caps::tree_signable_compat(s.tree_hash, s.length, s.fork))));
  }

  // Replication capabilities.
  REQUIRE(node["replicate"].size() == 2 * replicate_inputs.size());
  std::size_t r = 0;
  for (const auto& [key, hh] : replicate_inputs) {
    for (bool initiator : {true, false}) {
      INFO("replicate initiator " << initiator << " key " << to_hex(key));
      CHECK(node["replicate"][r++] == json(to_hex(crypto::caps::replicate(initiator, key, hh))));
    }
  }
}

}  // namespace hc::interop
