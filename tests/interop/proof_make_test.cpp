// C++ makes proofs byte-identical to Node's: a C++ writer with the same key
// pair and blocks (deterministic Ed25519, so the same tree and signature)
// answers every request of proof_cases.js with Core::proof, and the encoded
// data message must equal what the Node replicator would send. Requests the
// reference refuses (INVALID_OPERATION, or a block it does not have) must
// fail in C++ too. The request bytes themselves round-trip through our codec.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "proof_cases.hpp"

namespace hc::interop::proofs {
namespace {

// The request as proof_cases.js built it (msg), field by field.
core::ProofRequest request_of(const nlohmann::json& m) {
  core::ProofRequest r;
  r.id = m["id"];
  r.fork = m["fork"];
  auto indexed = [](const nlohmann::json& j) {
    return core::ProofRequest::Indexed{j["index"].get<std::uint64_t>(),
                                       j["nodes"].get<std::uint64_t>()};
  };
  if (!m["block"].is_null()) r.block = indexed(m["block"]);
  if (!m["hash"].is_null()) r.hash = indexed(m["hash"]);
  if (!m["seek"].is_null())
    r.seek = core::ProofRequest::Seek{m["seek"]["bytes"], m["seek"]["padding"]};
  if (!m["upgrade"].is_null()) {
    r.upgrade = core::ProofRequest::Upgrade{m["upgrade"]["start"], m["upgrade"]["length"]};
  }
  r.manifest = m["manifest"];
  r.priority = m["priority"];
  return r;
}

TEST_CASE("C++ writers answer requests byte for byte as Node") {
  int answered = 0;
  std::map<std::string, int> refused;
  for (const auto& core : node_cases()["cores"]) {
    const auto& spec = spec_of(core);
    auto writer = make_writer(spec, 0);
    INFO(core["name"].get<std::string>());
    REQUIRE(hex_of(writer->core->key()) == core["key"].get<std::string>());
    REQUIRE(writer->core->compat() == core["compat"].get<bool>());
    REQUIRE(hex_of(core::encode_manifest(*writer->core->manifest())) ==
            core["manifest"].get<std::string>());

    // Like the Node writer: grow to each length some request is answered at.
    std::vector<const nlohmann::json*> cases;
    for (const auto& c : core["cases"]) cases.push_back(&c);
    std::stable_sort(cases.begin(), cases.end(), [](auto a, auto b) {
      return (*a)["at"].template get<std::uint64_t>() < (*b)["at"].template get<std::uint64_t>();
    });
    for (const nlohmann::json* cp : cases) {
      const auto& c = *cp;
      INFO(describe(core, c));
      if (c["at"].get<std::uint64_t>() != writer->core->length()) {
        writer->grow_to(c["at"]);
        const auto& at = core["snapshots"][c["at"].dump()];
        REQUIRE(writer->core->length() == at["length"].get<std::uint64_t>());
        REQUIRE(writer->core->byte_length() == at["byteLength"].get<std::uint64_t>());
        REQUIRE(hex_of(writer->core->tree_hash()) == at["treeHash"].get<std::string>());
        REQUIRE(hex_of(writer->core->signature()) == at["signature"].get<std::string>());
      }
      const Bytes req_bytes = hex(c["req"]);
      auto request = core::decode_request(req_bytes);
      REQUIRE(request.ok());
      CHECK(*request == request_of(c["msg"]));
      CHECK(core::encode_request(*request) == req_bytes);

      auto proof = writer->core->proof(*request);
      if (!c["error"].is_null()) {
        const std::string err = c["error"];
        if (proof.ok()) {
          FAIL_CHECK("C++ answered a request Node refuses ("
                     << err << "): " << hex_of(core::encode_proof(*proof)));
          continue;
        }
        if (err == "NOT_AVAILABLE") {
          CHECK(proof.error() == core::Errc::block_not_available);
        } else if (err == "INVALID_OPERATION") {
          CHECK(proof.error() == core::Errc::invalid_operation);
        }
        refused[err]++;
        continue;
      }
      if (!proof.ok()) {
        FAIL_CHECK("C++ refused: " << proof.error().message());
        continue;
      }
      CHECK(hex_of(core::encode_proof(*proof)) == c["proof"].get<std::string>());
      answered++;
    }
  }
  MESSAGE("identical answers: " << answered);
  for (const auto& [err, n] : refused) MESSAGE("refused on both sides (" << err << "): " << n);
}

}  // namespace
}  // namespace hc::interop::proofs
