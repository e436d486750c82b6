// Proofs made and verified in C++ alone (tests/interop checks both against
// Node), and the proof codec on malformed input.
#include <doctest/doctest.h>

#include <memory>
#include <random>

#include "core/core.hpp"
#include "core/errors.hpp"
#include "core/memory_storage.hpp"
#include "core/proof_codec.hpp"
#include "encoding/compact.hpp"
#include "encoding/errors.hpp"

using namespace hc;
using namespace hc::core;

namespace {

crypto::KeyPair seeded(std::uint8_t b) {
  Hash32 seed;
  seed.fill(b);
  return crypto::key_pair_from_seed(seed);
}

// Sizes 0..66000 so byte seeks cross empty blocks and large ones.
Bytes block(std::uint64_t i) {
  const std::size_t sizes[] = {3, 0, 17, 1, 100, 66000, 8, 0, 250};
  return Bytes(sizes[i % 9], static_cast<std::uint8_t>(i * 7));
}

struct Peer {
  MemoryStorage storage;
  std::unique_ptr<Core> core;
};

std::unique_ptr<Peer> writer(bool compat) {
  auto p = std::make_unique<Peer>();
  p->core = *Core::create(p->storage, {seeded(compat ? 2 : 1), compat, {}, {}});
  return p;
}

std::unique_ptr<Peer> reader(const Core& w) {
  auto p = std::make_unique<Peer>();
  p->core = *Core::create_remote(p->storage, w.key());
  return p;
}

void grow(Core& w, std::uint64_t length) {
  while (w.length() < length) REQUIRE(w.append(block(w.length())).ok());
}

ProofRequest upgrade_request(std::uint64_t start, std::uint64_t length) {
  ProofRequest r;
  r.id = 1;
  r.upgrade = ProofRequest::Upgrade{start, length};
  r.manifest = true;
  return r;
}

// Sends w's answer to r through the codec and verifies it.
Result<Core::VerifyResult> send(Core& w, Core& r, const ProofRequest& req) {
  auto p = w.proof(req);
  if (!p) return p.error();
  auto decoded = decode_proof(encode_proof(*p));
  REQUIRE(decoded.ok());
  CHECK(*decoded == *p);
  return r.verify(*decoded);
}

}  // namespace

TEST_CASE("proofs: readers at every length upgrade, with a block of the new part") {
  for (bool compat : {false, true}) {
    auto w = writer(compat);
    std::vector<std::unique_ptr<Peer>> readers;
    for (std::uint64_t k = 1; k <= 24; k++) {
      grow(*w->core, k);
      readers.push_back(reader(*w->core));
      REQUIRE(send(*w->core, *readers.back()->core, upgrade_request(0, k)).ok());
      CHECK(readers.back()->core->length() == k);
    }
    grow(*w->core, 33);
    for (auto& r : readers) {
      const std::uint64_t k = r->core->length();
      INFO("compat " << compat << ", reader at " << k);
      ProofRequest req = upgrade_request(k, 33 - k);
      req.block = ProofRequest::Indexed{(k + 33) / 2, 0};
      auto res = send(*w->core, *r->core, req);
      REQUIRE(res.ok());
      CHECK(res->upgraded);
      CHECK(res->block == (k + 33) / 2);
      CHECK(r->core->tree_hash() == w->core->tree_hash());
      CHECK(r->core->signature() == w->core->signature());
      CHECK(*r->core->get((k + 33) / 2) == block((k + 33) / 2));
    }
  }
}

TEST_CASE("proofs: an upgrade to less than the writer's length carries additional nodes") {
  auto w = writer(false);
  grow(*w->core, 29);
  for (std::uint64_t start = 0; start < 29; start += 3) {
    for (std::uint64_t to = start + 1; to <= 29; to += 5) {
      auto r = reader(*w->core);
      if (start) {
        // A reader at `start` learned it from a writer that had `start` blocks.
        auto past = writer(false);
        grow(*past->core, start);
        REQUIRE(send(*past->core, *r->core, upgrade_request(0, start)).ok());
      }
      auto p = w->core->proof(upgrade_request(start, to - start));
      REQUIRE(p.ok());
      CHECK(p->upgrade->additional_nodes.empty() == (to == 29));
      REQUIRE(r->core->verify(*p).ok());
      CHECK(r->core->length() == 29);
      CHECK(r->core->tree_hash() == w->core->tree_hash());
    }
  }
}

TEST_CASE("proofs: blocks and hashes with every nodes count a reader may ask") {
  auto w = writer(false);
  grow(*w->core, 21);
  for (std::uint64_t b = 0; b < 21; b++) {
    auto r = reader(*w->core);
    REQUIRE(send(*w->core, *r->core, upgrade_request(0, 21)).ok());
    const std::uint64_t max = *r->core->missing_nodes(2 * b);
    // Fetch the sibling first: it leaves every ancestor of block b stored, so
    // any nodes count from 0 to max verifies.
    if ((b ^ 1) < 21 && max > 0) {
      ProofRequest sib;
      sib.block = ProofRequest::Indexed{b ^ 1, *r->core->missing_nodes(2 * (b ^ 1))};
      REQUIRE(send(*w->core, *r->core, sib).ok());
    }
    for (std::uint64_t n = 0; n <= max; n++) {
      INFO("block " << b << " nodes " << n);
      ProofRequest req;
      req.hash = ProofRequest::Indexed{2 * b, n};
      REQUIRE(send(*w->core, *r->core, req).ok());
      req.hash.reset();
      req.block = ProofRequest::Indexed{b, n};
      auto res = send(*w->core, *r->core, req);
      REQUIRE(res.ok());
      CHECK(*r->core->get(b) == block(b));
    }
    ProofRequest over;
    over.block = ProofRequest::Indexed{b, 64};
    CHECK(w->core->proof(over).error() == Errc::invalid_operation);
  }
}

TEST_CASE("proofs: seeks locate the block holding a byte, merged into the upgrade") {
  for (bool compat : {false, true}) {
    auto w = writer(compat);
    grow(*w->core, 19);
    std::vector<std::uint64_t> offsets{0};
    for (std::uint64_t i = 0; i < 19; i++) offsets.push_back(offsets.back() + block(i).size());
    for (std::uint64_t bytes : {std::uint64_t{0}, std::uint64_t{1}, offsets[5] + 7, offsets[6] - 1,
                                offsets[6], offsets[18], offsets[19] - 1}) {
      INFO("bytes " << bytes);
      auto r = reader(*w->core);
      ProofRequest req = upgrade_request(0, 19);
      req.seek = ProofRequest::Seek{bytes, 0};
      auto p = w->core->proof(req);
      REQUIRE(p.ok());
      REQUIRE(p->seek.has_value());
      // The located node holds the byte or ends right before it (seekFromHead
      // stops at a node whose size is exactly the bytes left).
      const TreeNode& found = p->seek->nodes.front();
      CHECK(offsets[flat::left_span(found.index) / 2] <= bytes);
      CHECK(bytes <= offsets[flat::right_span(found.index) / 2 + 1]);
      REQUIRE(r->core->verify(*p).ok());
      CHECK(*r->core->get_node(found.index) == *w->core->get_node(found.index));
    }
  }
}

TEST_CASE("proofs: forged, foreign and misplaced proofs are refused and store nothing") {
  auto w = writer(false);
  grow(*w->core, 11);
  auto other = writer(true);
  grow(*other->core, 11);
  auto r = reader(*w->core);

  ProofRequest up = upgrade_request(0, 11);
  up.block = ProofRequest::Indexed{4, 0};
  auto p = *w->core->proof(up);
  auto foreign = *other->core->proof(up);
  CHECK(!r->core->verify(foreign).ok());  // another core's signature and manifest

  Proof no_manifest = p;
  no_manifest.manifest.reset();  // a key that is not a public key: compat is assumed
  CHECK(r->core->verify(no_manifest).error() == Errc::invalid_signature);

  Proof wrong_fork = p;
  wrong_fork.fork = 1;  // a fork proof for fork 1 (a reorg), signed for fork 0
  CHECK(r->core->verify(wrong_fork).error() == Errc::invalid_signature);
  CHECK(r->core->fork() == 0);
  ProofRequest stale = up;
  stale.fork = 1;  // nothing is answered for another fork
  CHECK(w->core->proof(stale).error() == Errc::block_not_available);

  Proof value = p;
  value.block->value.push_back(1);
  CHECK(r->core->verify(value).error() == Errc::invalid_signature);

  Proof patched = p;
  patched.upgrade->signature[66] = 1;  // the multisig `patch` count
  CHECK(r->core->verify(patched).error() == Errc::invalid_signature);

  Proof extra = p;
  extra.upgrade->signature.back() = 1;  // a patch node array that is not there
  CHECK(r->core->verify(extra).error() == Errc::invalid_signature);

  CHECK(r->core->length() == 0);
  CHECK(!r->core->manifest().has_value());
  REQUIRE(r->core->verify(p).ok());

  // A hash proof ending at a stored node must match it in size, not only hash.
  ProofRequest h;
  h.hash = ProofRequest::Indexed{7, 0};
  auto hp = *w->core->proof(h);
  hp.hash->nodes[0].size++;
  CHECK(r->core->verify(hp).error() == Errc::invalid_checksum);
  CHECK(r->core->get_node(7)->size == w->core->get_node(7)->size);

  ProofRequest manifest_only;
  manifest_only.manifest = true;
  auto m = *w->core->proof(manifest_only);
  auto fresh = reader(*w->core);
  Proof bad_manifest = m;
  bad_manifest.manifest->quorum = 2;
  CHECK(fresh->core->verify(bad_manifest).error() == Errc::invalid_manifest);
  CHECK(!fresh->core->manifest().has_value());
  REQUIRE(fresh->core->verify(m).ok());
  CHECK(fresh->core->manifest() == w->core->manifest());
}

TEST_CASE("proofs: a seek below a root other than the first is ignored, as Node does") {
  auto w = writer(false);
  grow(*w->core, 13);  // roots 7, 19, 24
  ProofRequest plain;
  plain.block = ProofRequest::Indexed{9, 1};
  ProofRequest seek = plain;
  seek.seek = ProofRequest::Seek{0, 0};  // not even below the block's node
  auto a = w->core->proof(plain), b = w->core->proof(seek);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(encode_proof(*a) == encode_proof(*b));
  // Below the first root the seek is checked.
  ProofRequest first;
  first.block = ProofRequest::Indexed{1, 1};
  first.seek = ProofRequest::Seek{1000000, 0};
  CHECK(w->core->proof(first).error() == Errc::invalid_operation);
}

TEST_CASE("proof codec: every truncation fails, huge counts and values are refused") {
  auto w = writer(false);
  grow(*w->core, 11);
  std::vector<Bytes> messages;
  ProofRequest all = upgrade_request(3, 8);
  all.block = ProofRequest::Indexed{1, 2};
  all.seek = ProofRequest::Seek{300, 0};
  all.priority = 2;
  all.id = 70000;
  messages.push_back(encode_request(all));
  all.seek.reset();
  messages.push_back(encode_proof(*w->core->proof(all)));
  ProofRequest hs;
  hs.hash = ProofRequest::Indexed{9, 1};
  hs.seek = ProofRequest::Seek{110, 0};
  messages.push_back(encode_proof(*w->core->proof(hs)));
  auto s = upgrade_request(0, 11);
  s.seek = ProofRequest::Seek{66100, 0};
  messages.push_back(encode_proof(*w->core->proof(s)));

  for (std::size_t m = 0; m < messages.size(); m++) {
    const Bytes& full = messages[m];
    const bool is_request = m == 0;
    CHECK((is_request ? decode_request(full).ok() : decode_proof(full).ok()));
    for (std::size_t n = 0; n < full.size(); n++) {
      ByteView prefix(full.data(), n);
      INFO("message " << m << " cut at " << n << " of " << full.size());
      CHECK(!(is_request ? decode_request(prefix).ok() : decode_proof(prefix).ok()));
    }
  }

  auto nodes_count = [](std::uint64_t count, std::size_t tail) {
    Bytes b{2, 1, 0, 0};  // hash proof: flags, request, fork, index
    encoding::Writer w(b);
    w.uint(count);
    b.resize(b.size() + tail, 0);
    return b;
  };
  CHECK(decode_proof(nodes_count(0x100001, 0)).error() == encoding::Errc::array_too_big);
  CHECK(decode_proof(nodes_count(0x100000, 34 * 1000)).error() == encoding::Errc::out_of_bounds);
  CHECK(decode_proof(nodes_count(3, 34 * 3 - 1)).error() == encoding::Errc::out_of_bounds);
  CHECK(decode_proof(nodes_count(3, 34 * 3)).ok());

  // A block value longer than the message, and a uint beyond 2^53 - 1.
  CHECK(decode_proof(Bytes{1, 1, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff}).error() ==
        encoding::Errc::out_of_bounds);
  CHECK(decode_proof(Bytes{1, 1, 0, 0xff, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0}).error() ==
        encoding::Errc::uint_too_large);
  CHECK(decode_request(Bytes{8, 0xff, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0}).error() ==
        encoding::Errc::uint_too_large);

  // Random bytes never crash the decoders (run under ASan/UBSan).
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; i++) {
    Bytes b(rng() % 64);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() % 4 : rng());
    auto p = decode_proof(b);
    if (p.ok()) CHECK(decode_proof(encode_proof(*p)).ok());
    (void)decode_request(b);
  }
}
