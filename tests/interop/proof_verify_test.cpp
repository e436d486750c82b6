// Node makes proofs, C++ verifies them: every proof the reference answered in
// proof_cases.js is decoded and given to Core::verify on a reader in the state
// the request describes (it applied Node's upgrade 0 -> k and, where the
// request stops below a root, a block proof that stored that node). Accepted
// proofs must leave the reader holding the writer's tree, signature, nodes
// and block; the few proofs a reader must refuse leave it untouched.
#include <doctest/doctest.h>

#include <map>

#include "proof_cases.hpp"

namespace hc::interop::proofs {
namespace {

// Checks that what the reader stored is the writer's.
// An upgrade takes the reader to the writer's length when it answered (`at`).
void check_reader(const nlohmann::json& core, const nlohmann::json& c, Reader& r,
                  core::Core& writer, const core::Proof& p) {
  const auto& spec = spec_of(core);
  if (p.upgrade) {
    const auto& at = core["snapshots"][c["at"].dump()];
    CHECK(r.core->length() == at["length"].get<std::uint64_t>());
    CHECK(r.core->byte_length() == at["byteLength"].get<std::uint64_t>());
    CHECK(hex_of(r.core->tree_hash()) == at["treeHash"].get<std::string>());
    CHECK(hex_of(r.core->signature()) == at["signature"].get<std::string>());
    REQUIRE(r.core->manifest().has_value());
    if (core["compat"].get<bool>()) {
      CHECK(r.core->compat());
    } else {
      CHECK(hex_of(core::encode_manifest(*r.core->manifest())) ==
            core["manifest"].get<std::string>());
    }
  }
  if (p.manifest && !core["compat"].get<bool>()) {
    REQUIRE(r.core->manifest().has_value());
    CHECK(hex_of(core::encode_manifest(*r.core->manifest())) ==
          core["manifest"].get<std::string>());
  }
  if (p.block) {
    const std::uint64_t b = p.block->index;
    REQUIRE(r.core->has(b));
    auto got = r.core->get(b);
    REQUIRE(got.ok());
    CHECK(*got == make_block(spec.salt, b, spec.sizes[b]));
  }
  auto stored_like_writer = [&](const std::vector<core::TreeNode>& nodes) {
    for (const auto& n : nodes) {
      auto mine = r.core->get_node(n.index);
      auto theirs = writer.get_node(n.index);
      REQUIRE(theirs.ok());
      REQUIRE_MESSAGE(mine.ok(), "node " << n.index << " not stored");
      CHECK(*mine == *theirs);
    }
  };
  if (p.block) stored_like_writer(p.block->nodes);
  if (p.hash) stored_like_writer(p.hash->nodes);
  if (p.seek) stored_like_writer(p.seek->nodes);
  if (p.upgrade) {
    stored_like_writer(p.upgrade->nodes);
    stored_like_writer(p.upgrade->additional_nodes);
  }
}

TEST_CASE("Node's proofs verify in C++") {
  std::map<std::string, int> accepted, rejected;
  int missing_checked = 0;
  for (const auto& core : node_cases()["cores"]) {
    const auto& spec = spec_of(core);
    auto writer = make_writer(spec, spec.sizes.size());
    for (const auto& c : core["cases"]) {
      const std::string expect = c["expect"];
      INFO(describe(core, c));
      if (expect == "error") {
        CHECK_MESSAGE(!c["error"].is_null(), "Node answered a request it should refuse");
        continue;
      }
      if (expect != "any")
        REQUIRE_MESSAGE(c["proof"].is_string(), "Node refused: " << c["error"].dump());
      if (!c["proof"].is_string()) continue;

      const Bytes bytes = hex(c["proof"]);
      auto proof = core::decode_proof(bytes);
      REQUIRE_MESSAGE(proof.ok(), proof.error().message());
      CHECK(core::encode_proof(*proof) == bytes);

      auto reader = make_reader(core, c);
      const ReaderState before = state_of(*reader);
      if (c.contains("maxMissing")) {
        // A reader holding only the roots asks for as many levels as Node's.
        auto missing =
            reader->core->missing_nodes(2 * c["msg"]["block"]["index"].get<std::uint64_t>());
        REQUIRE(missing.ok());
        CHECK(*missing == c["maxMissing"].get<std::uint64_t>());
        missing_checked++;
      }
      auto res = reader->core->verify(*proof);
      if (expect == "reject") {
        CHECK_FALSE(res.ok());
        CHECK(state_of(*reader) == before);
        rejected[c["kind"]]++;
        continue;
      }
      REQUIRE_MESSAGE(res.ok(), res.error().message());
      check_reader(core, c, *reader, *writer->core, *proof);
      accepted[c["kind"]]++;
    }
  }
  for (const auto& [kind, n] : accepted) MESSAGE("accepted " << n << " " << kind << " proofs");
  for (const auto& [kind, n] : rejected) MESSAGE("rejected " << n << " " << kind << " proofs");
  MESSAGE("missing_nodes agreed with maxMissingNodes " << missing_checked << " times");
}

}  // namespace
}  // namespace hc::interop::proofs
