// Tampered Node proofs are rejected: single bytes of Node's proofs (the data
// message bytes) are flipped, XOR 0x01 and XOR 0xff, and the result must fail
// to decode or fail Core::verify on a reader in the state the request
// describes, without storing anything (no storage write; same length, tree,
// signature, manifest, contiguous length).
//
// Every byte is flipped in the first proofs of each kind of each core (block
// values sampled: first, middle and last bytes, as every value byte feeds the
// same leaf hash); the other proofs get a few seeded random positions.
// HC_PROOF_TAMPER_ALL=1 flips every byte of every proof (minutes, not seconds).
//
// A flip may pass verify only where Node too does not care, and then every
// node, block, tree and signature the reader stored must be the writer's:
//  - envelope fields, not part of what is proven: the `request` id and
//    `seek.bytes` are matched to the inflight request by the replicator
//    (replicator.js _matchingRequest), not by verify; and an offered manifest
//    is used only while the reader has none (core.js _verifyBatchUpgrade,
//    _verifyShared), so it is ignored once the reader has one;
//  - a count made smaller (a node array, a value length, the flags dropping a
//    part): the message then decodes to a shorter proof followed by bytes that
//    are ignored, as compact-encoding (and our codec) ignores trailing bytes.
//    Such a proof is still valid when the reader already stores the node it
//    now ends at; it proves less, and only true data.
// The replication layer must still check that an answer carries what was
// asked for (Node re-requests a block the data message did not carry).
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "proof_cases.hpp"

namespace hc::interop::proofs {
namespace {

using encoding::uint_size;

struct Range {
  std::size_t begin = 0, end = 0;
  bool contains(std::size_t i) const { return begin <= i && i < end; }
};

Range value_range(const core::Proof& p) {
  if (!p.block) return {};
  const std::size_t at = 1 + uint_size(p.request) + uint_size(p.fork) + uint_size(p.block->index) +
                         uint_size(p.block->value.size());
  return {at, at + p.block->value.size()};
}

std::vector<std::size_t> positions(const core::Proof& p, std::size_t size, bool every,
                                   std::mt19937& rng) {
  std::vector<std::size_t> out;
  if (!every) {
    std::uniform_int_distribution<std::size_t> d(0, size - 1);
    for (int i = 0; i < 6; i++) out.push_back(d(rng));
    return out;
  }
  const Range value = value_range(p);
  const std::size_t v = value.end - value.begin;
  for (std::size_t i = 0; i < size; i++) {
    if (v > 6 && value.contains(i)) {
      const std::size_t k = i - value.begin;
      if (k > 1 && k != v / 2 && k + 2 < v) continue;
    }
    out.push_back(i);
  }
  return out;
}

// Why an accepted tampered proof is harmless, or null if it is not.
const char* why_accepted(const core::Proof& original, const core::Proof& tampered, std::size_t size,
                         bool reader_had_manifest) {
  core::Proof q = tampered;
  q.request = original.request;
  if (q.seek && original.seek) q.seek->bytes = original.seek->bytes;
  if (reader_had_manifest) q.manifest = original.manifest;
  if (q == original) {
    if (tampered.request != original.request) return "request id";
    if (tampered.seek && original.seek && tampered.seek->bytes != original.seek->bytes)
      return "seek bytes";
    return "manifest (reader has one)";
  }
  if (core::encode_proof(tampered).size() < size) return "shorter proof, rest ignored";
  return nullptr;
}

// Everything the tampered proof made the reader store is the writer's.
void check_true_data(const nlohmann::json& core, Reader& r, core::Core& writer,
                     const core::Proof& p, const ReaderState& base) {
  const auto& spec = spec_of(core);
  auto same_nodes = [&](const std::vector<core::TreeNode>& nodes) {
    for (const auto& n : nodes) {
      auto mine = r.core->get_node(n.index);
      if (!mine.ok()) continue;  // not stored (e.g. a node past the new tree)
      auto theirs = writer.get_node(n.index);
      REQUIRE(theirs.ok());
      CHECK(*mine == *theirs);
    }
  };
  if (p.block) same_nodes(p.block->nodes);
  if (p.hash) same_nodes(p.hash->nodes);
  if (p.seek) same_nodes(p.seek->nodes);
  if (p.upgrade) {
    same_nodes(p.upgrade->nodes);
    same_nodes(p.upgrade->additional_nodes);
  }
  for (std::uint64_t b = 0; b < r.core->length(); b++) {
    if (!r.core->has(b)) continue;
    auto got = r.core->get(b);
    REQUIRE(got.ok());
    CHECK(*got == make_block(spec.salt, b, spec.sizes[b]));
  }
  const ReaderState now = state_of(r);
  if (now.length != base.length || now.tree_hash != base.tree_hash ||
      now.signature != base.signature) {
    const auto& at = core["snapshots"][std::to_string(now.length)];
    REQUIRE_MESSAGE(at.is_object(), "the reader moved to a length the writer never signed");
    CHECK(hex_of(now.tree_hash) == at["treeHash"].get<std::string>());
    CHECK(hex_of(now.signature) == at["signature"].get<std::string>());
  }
  if (now.has_manifest && !core["compat"].get<bool>()) {
    CHECK(hex_of(core::encode_manifest(*r.core->manifest())) ==
          core["manifest"].get<std::string>());
  }
}

struct Tally {
  int proofs = 0, every_byte = 0, flips = 0, undecodable = 0, refused = 0;
  std::map<std::string, int> passed;  // by reason
};

TEST_CASE("tampered Node proofs are rejected and store nothing") {
  // Proofs per core and kind whose every byte is flipped.
  const int every_byte_proofs = std::getenv("HC_PROOF_TAMPER_ALL") ? 1 << 30 : 2;
  std::map<std::string, Tally> tally;  // by kind
  std::mt19937 rng(20240611);
  for (const auto& core : node_cases()["cores"]) {
    auto writer = make_writer(spec_of(core), spec_of(core).sizes.size());
    std::map<std::string, int> seen;
    for (const auto& c : core["cases"]) {
      const std::string expect = c["expect"];
      if (!c["proof"].is_string() || (expect != "accept" && expect != "any")) continue;
      INFO(describe(core, c));
      const Bytes bytes = hex(c["proof"]);
      auto proof = core::decode_proof(bytes);
      REQUIRE(proof.ok());

      auto reader = make_reader(core, c);
      const ReaderState base = state_of(*reader);
      Tally& t = tally[c["kind"]];
      const bool every = seen[c["kind"]]++ < every_byte_proofs;
      t.proofs++;
      t.every_byte += every;
      for (std::size_t pos : positions(*proof, bytes.size(), every, rng)) {
        for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0xff}}) {
          Bytes tampered = bytes;
          tampered[pos] ^= mask;
          t.flips++;
          auto decoded = core::decode_proof(tampered);
          if (!decoded.ok()) {
            t.undecodable++;
            continue;
          }
          auto res = reader->core->verify(*decoded);
          if (!res.ok()) {
            t.refused++;
            if (!(state_of(*reader) == base)) {
              FAIL_CHECK("a refused proof changed the reader: byte " << pos << " ^ " << int(mask));
              reader = make_reader(core, c);
            }
            continue;
          }
          const char* why = why_accepted(*proof, *decoded, bytes.size(), base.has_manifest);
          INFO("byte " << pos << " ^ " << int(mask) << " of " << bytes.size() << ": "
                       << hex_of(tampered));
          if (!why) {
            FAIL_CHECK("accepted a tampered proof");
          } else {
            t.passed[why]++;
            check_true_data(core, *reader, *writer->core, *decoded, base);
          }
          reader = make_reader(core, c);
        }
      }
    }
  }
  for (const auto& [kind, t] : tally) {
    std::string passed;
    for (const auto& [why, n] : t.passed) passed += " " + why + ": " + std::to_string(n) + ";";
    MESSAGE(kind << ": " << t.proofs << " proofs (" << t.every_byte << " every byte), " << t.flips
                 << " flips: " << t.undecodable << " undecodable, " << t.refused
                 << " refused by verify, passed:" << passed);
  }
}

}  // namespace
}  // namespace hc::interop::proofs
