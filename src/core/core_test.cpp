#include "core/core.hpp"

#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "core/memory_storage.hpp"
#include "crypto/hash.hpp"

using namespace hc;
using namespace hc::core;

namespace {

crypto::KeyPair seeded(std::uint8_t b) {
  Hash32 seed;
  seed.fill(b);
  return crypto::key_pair_from_seed(seed);
}

Bytes block(std::uint64_t i) { return Bytes(i % 50, static_cast<std::uint8_t>(i)); }

}  // namespace

TEST_CASE("a writable core appends, reads and signs what it holds") {
  MemoryStorage storage;
  auto core = Core::create(storage, {seeded(1), false, {}, {}});
  REQUIRE(core.ok());
  Core& c = **core;
  CHECK(c.writable());
  CHECK(!c.compat());
  CHECK(c.key() == manifest_hash(default_signer_manifest(seeded(1).public_key)));
  for (std::uint64_t i = 0; i < 20; i++) CHECK(*c.append(block(i)) == i + 1);
  CHECK(c.length() == 20);
  CHECK(c.contiguous_length() == 20);
  for (std::uint64_t i = 0; i < 20; i++) CHECK(*c.get(i) == block(i));
  CHECK(c.get(20).error() == Errc::block_not_available);
  Verifier v(c.key(), *c.manifest());
  CHECK(v.verify(c.tree().signed_tree(), c.signature()));
  CHECK(c.signature().size() == 68);  // the multisig envelope of one signer
}

TEST_CASE("batch appends give the same tree as single appends") {
  MemoryStorage s1, s2;
  auto a = *Core::create(s1, {seeded(2), false, {}, {}});
  auto b = *Core::create(s2, {seeded(2), false, {}, {}});
  std::vector<Bytes> blocks;
  for (std::uint64_t i = 0; i < 37; i++) blocks.push_back(block(i));
  for (const auto& blk : blocks) REQUIRE(a->append(blk).ok());
  std::vector<ByteView> views(blocks.begin(), blocks.end());
  CHECK(*b->append(views) == 37);
  CHECK(a->tree_hash() == b->tree_hash());
  CHECK(a->signature() == b->signature());
}

TEST_CASE("truncate moves to a new fork and re-signs, and reopen restores the same state") {
  MemoryStorage storage;
  auto c = *Core::create(storage, {seeded(3), true, {}, {}});
  CHECK(c->compat());
  CHECK(c->key() == seeded(3).public_key);
  for (std::uint64_t i = 0; i < 10; i++) REQUIRE(c->append(block(i)).ok());
  REQUIRE(c->truncate(4).ok());
  CHECK(c->length() == 4);
  CHECK(c->fork() == 1);
  CHECK(c->signature().size() == 64);  // compat: a raw signature
  CHECK(c->get(5).error() == Errc::block_not_available);
  REQUIRE(c->append(block(99)).ok());
  auto reopened = Core::open(storage, c->key());
  REQUIRE(reopened.ok());
  CHECK((*reopened)->tree_hash() == c->tree_hash());
  CHECK((*reopened)->signature() == c->signature());
  CHECK((*reopened)->fork() == 1);
  CHECK(*(*reopened)->get(4) == block(99));
  CHECK(c->truncate(9).error() == Errc::bad_argument);
}

TEST_CASE("a reader learns the core from a writer's proofs, and refuses forged ones") {
  MemoryStorage ws, rs;
  auto writer = *Core::create(ws, {seeded(4), false, {}, {}});
  for (std::uint64_t i = 0; i < 13; i++) REQUIRE(writer->append(block(i)).ok());
  auto reader = *Core::create_remote(rs, writer->key());
  CHECK(!reader->writable());

  ProofRequest up;
  up.id = 1;
  up.upgrade = ProofRequest::Upgrade{0, 13};
  up.manifest = true;
  auto proof = writer->proof(up);
  REQUIRE(proof.ok());
  CHECK(proof->manifest.has_value());

  Proof forged = *proof;
  forged.upgrade->nodes[0].hash[0] ^= 1;
  CHECK(!reader->verify(forged).ok());
  CHECK(reader->length() == 0);

  auto r = reader->verify(*proof);
  REQUIRE(r.ok());
  CHECK(r->upgraded);
  CHECK(reader->length() == 13);
  CHECK(reader->tree_hash() == writer->tree_hash());
  CHECK(reader->manifest().has_value());

  for (std::uint64_t i = 0; i < 13; i++) {
    ProofRequest req;
    req.id = 2;
    req.block = ProofRequest::Indexed{i, *reader->missing_nodes(2 * i)};
    auto p = writer->proof(req);
    REQUIRE(p.ok());
    Proof bad = *p;
    bad.block->value.push_back(0);
    CHECK(reader->verify(bad).error() == Errc::invalid_checksum);
    CHECK(!reader->has(i));
    auto ok = reader->verify(*p);
    REQUIRE(ok.ok());
    CHECK(ok->block == i);
    CHECK(*reader->get(i) == block(i));
  }
  CHECK(reader->contiguous_length() == 13);
  CHECK(reader->append(block(0)).error() == Errc::session_not_writable);
}
