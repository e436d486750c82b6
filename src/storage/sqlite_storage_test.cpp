// Round trips through Core: everything a core writes is read back identically
// after reopening, and behaves as core::MemoryStorage (the reference) does.
#include "sqlite_storage.hpp"

#include <doctest/doctest.h>

#include "core/core.hpp"
#include "core/errors.hpp"
#include "core/memory_storage.hpp"
#include "errors.hpp"
#include "layout.hpp"
#include "schema.hpp"
#include "core_test_support.hpp"
#include "test_support.hpp"

namespace hc::storage {
namespace {

using test::block_for;
using test::TempDir;
using test::create_core;
using test::key_pair;
using test::open_core;
using test::open_db;


void append_range(core::Core& c, std::uint64_t from, std::uint64_t to, bool batch) {
  if (batch) {
    std::vector<Bytes> blocks;
    for (auto i = from; i < to; i++) blocks.push_back(block_for(i));
    std::vector<ByteView> views(blocks.begin(), blocks.end());
    auto r = c.append(views);
    REQUIRE(r.ok());
    REQUIRE(*r == to);
  } else {
    for (auto i = from; i < to; i++) {
      auto r = c.append(block_for(i));
      REQUIRE(r.ok());
      REQUIRE(*r == i + 1);
    }
  }
}

bool signature_verifies(const core::Core& c) {
  REQUIRE(c.manifest().has_value());
  const core::Verifier v(c.key(), *c.manifest());
  return v.verify(c.tree().signed_tree(), c.signature());
}

void check_same_record(const core::CoreRecord& a, const core::CoreRecord& b) {
  CHECK(a.key == b.key);
  CHECK(a.discovery_key == b.discovery_key);
  CHECK(a.name == b.name);
  CHECK(a.manifest == b.manifest);
  CHECK(a.secret_key == b.secret_key);
  CHECK(a.tree.fork == b.tree.fork);
  CHECK(a.tree.length == b.tree.length);
  CHECK(a.tree.byte_length == b.tree.byte_length);
  CHECK(a.tree.roots == b.tree.roots);
  CHECK(a.tree.signature == b.tree.signature);
}

// Every node, block and bitfield page of two cores up to `blocks` blocks.
void check_same_data(core::Storage& a, core::CoreId ia, core::Storage& b, core::CoreId ib,
                     std::uint64_t blocks) {
  for (std::uint64_t i = 0; i < 2 * blocks + 4; i++) {
    auto na = a.get_node(ia, i);
    auto nb = b.get_node(ib, i);
    REQUIRE(na.ok());
    REQUIRE(nb.ok());
    CHECK_MESSAGE(*na == *nb, "tree node ", i);
  }
  for (std::uint64_t i = 0; i < blocks + 2; i++) {
    auto ba = a.get_block(ia, i);
    auto bb = b.get_block(ib, i);
    REQUIRE(ba.ok());
    REQUIRE(bb.ok());
    CHECK_MESSAGE(*ba == *bb, "block ", i);
  }
  auto pa = a.load_bitfield(ia);
  auto pb = b.load_bitfield(ib);
  REQUIRE(pa.ok());
  REQUIRE(pb.ok());
  REQUIRE(pa->size() == pb->size());
  for (std::size_t i = 0; i < pa->size(); i++) {
    CHECK((*pa)[i].index == (*pb)[i].index);
    CHECK((*pa)[i].bits == (*pb)[i].bits);
  }
}

TEST_CASE("single and batch appends are restored exactly after reopen") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  core::MemoryStorage memory;
  auto reference = create_core(memory, 1);
  Hash32 key{}, tree_hash{};
  Bytes signature;
  {
    auto db = open_db(file);
    CHECK(db->schema_version() == current_schema_version());
    auto c = create_core(*db, 1);
    append_range(*c, 0, 50, false);
    append_range(*c, 50, 150, true);
    append_range(*reference, 0, 50, false);
    append_range(*reference, 50, 150, true);
    key = c->key();
    tree_hash = c->tree_hash();
    signature = c->signature();
    CHECK(tree_hash == reference->tree_hash());
  }
  auto db = open_db(file);
  auto c = open_core(*db, key);
  CHECK(c->length() == 150);
  CHECK(c->byte_length() == 150 * 1024);
  CHECK(c->tree_hash() == tree_hash);
  CHECK(c->signature() == signature);
  CHECK(c->contiguous_length() == 150);
  CHECK(c->writable());
  CHECK(signature_verifies(*c));
  for (std::uint64_t i = 0; i < 150; i++) {
    auto b = c->get(i);
    REQUIRE(b.ok());
    CHECK(*b == block_for(i));
  }
  CHECK(c->get(150).error() == core::Errc::block_not_available);
  check_same_data(*db, c->id(), memory, reference->id(), 150);
  auto stored = db->find_core(key);
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  auto expected = memory.find_core(key);
  REQUIRE(expected.ok());
  check_same_record(**stored, **expected);

  // Appending after reopen continues the same log.
  append_range(*c, 150, 160, false);
  append_range(*reference, 150, 160, false);
  CHECK(c->tree_hash() == reference->tree_hash());
  CHECK(c->signature() == reference->signature());
}

TEST_CASE("truncate removes exactly what MemoryStorage removes, across reopen") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  core::MemoryStorage memory;
  auto reference = create_core(memory, 2);
  auto db = open_db(file);
  auto c = create_core(*db, 2);
  const Hash32 key = c->key();

  for (auto* core : {c.get(), reference.get()}) {
    append_range(*core, 0, 37, true);
    REQUIRE(core->truncate(20).ok());
    append_range(*core, 20, 25, false);
    REQUIRE(core->truncate(13, 7).ok());
  }
  CHECK(c->fork() == 7);
  CHECK(c->length() == 13);
  // Nodes past the tree of 13 blocks are gone, including the ancestors of
  // leaf 26 that span past the end; nodes inside it stay.
  for (auto index : core::truncated_ancestors(13)) CHECK_FALSE(c->get_node(index).ok());
  for (std::uint64_t i = 26; i < 80; i++) {
    auto n = db->get_node(c->id(), i);
    REQUIRE(n.ok());
    CHECK_FALSE_MESSAGE(n->has_value(), "node ", i);
  }
  CHECK(c->get_node(24).ok());
  CHECK(c->get_node(19).ok());        // the root of blocks 8..11
  CHECK_FALSE(c->get_node(23).ok());  // blocks 8..15: past the end
  auto gone = db->get_block(c->id(), 13);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  check_same_data(*db, c->id(), memory, reference->id(), 40);

  for (auto* core : {c.get(), reference.get()}) append_range(*core, 13, 23, true);
  const Hash32 tree_hash = c->tree_hash();
  CHECK(tree_hash == reference->tree_hash());
  c.reset();
  db.reset();

  db = open_db(file);
  c = open_core(*db, key);
  CHECK(c->fork() == 7);
  CHECK(c->length() == 23);
  CHECK(c->tree_hash() == tree_hash);
  CHECK(c->signature() == reference->signature());
  CHECK(signature_verifies(*c));
  check_same_data(*db, c->id(), memory, reference->id(), 40);
  auto stored = db->find_core(key);
  auto expected = memory.find_core(key);
  REQUIRE(stored.ok());
  REQUIRE(expected.ok());
  check_same_record(**stored, **expected);
}

TEST_CASE("a remote core keeps the manifest and blocks it learned from proofs") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  core::MemoryStorage memory;
  auto writer = create_core(memory, 3);
  append_range(*writer, 0, 10, false);
  {
    auto db = open_db(file);
    auto c = core::Core::create_remote(*db, writer->key());
    REQUIRE(c.ok());
    auto& remote = **c;
    CHECK_FALSE(remote.manifest().has_value());

    core::ProofRequest first;
    first.block = core::ProofRequest::Indexed{0, 0};
    first.upgrade = core::ProofRequest::Upgrade{0, 10};
    first.manifest = true;
    auto p = writer->proof(first);
    REQUIRE(p.ok());
    auto v = remote.verify(*p);
    REQUIRE_MESSAGE(v.ok(), v.error().message());
    CHECK(v->upgraded);
    CHECK(remote.manifest() == writer->manifest());
    for (std::uint64_t i = 1; i < 10; i += 2) {  // the odd blocks only
      core::ProofRequest r;
      auto missing = remote.missing_nodes(2 * i);
      REQUIRE(missing.ok());
      r.block = core::ProofRequest::Indexed{i, *missing};
      auto proof = writer->proof(r);
      REQUIRE(proof.ok());
      auto got = remote.verify(*proof);
      REQUIRE_MESSAGE(got.ok(), got.error().message());
      CHECK(got->block == i);
    }
  }
  auto db = open_db(file);
  auto remote = open_core(*db, writer->key());
  CHECK_FALSE(remote->writable());
  CHECK(remote->manifest() == writer->manifest());
  CHECK(remote->length() == 10);
  CHECK(remote->tree_hash() == writer->tree_hash());
  CHECK(remote->signature() == writer->signature());
  CHECK(signature_verifies(*remote));
  for (std::uint64_t i = 0; i < 10; i++) {
    const bool expected = i == 0 || i % 2 == 1;
    CHECK_MESSAGE(remote->has(i) == expected, "block ", i);
    auto b = remote->get(i);
    if (expected) {
      REQUIRE(b.ok());
      CHECK(*b == block_for(i));
    } else {
      CHECK(b.error() == core::Errc::block_not_available);
    }
  }
}

TEST_CASE("named cores, list_cores, find_named_core and duplicates") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  Hash32 chat{}, notes{}, remote_key{};
  {
    auto db = open_db(file);
    chat = create_core(*db, 4, "chat")->key();
    notes = create_core(*db, 5, "notes")->key();
    auto r = core::Core::create_remote(*db, key_pair(6).public_key);
    REQUIRE(r.ok());
    remote_key = (*r)->key();

    core::Core::CreateOptions same_name;
    same_name.key_pair = key_pair(7);
    same_name.name = "chat";
    CHECK(core::Core::create(*db, same_name).error() == core::Errc::core_exists);
    core::Core::CreateOptions same_key;
    same_key.key_pair = key_pair(4);
    same_key.name = "other";
    CHECK(core::Core::create(*db, same_key).error() == core::Errc::core_exists);
    CHECK(core::Core::create_remote(*db, notes).error() == core::Errc::core_exists);
  }
  auto db = open_db(file);
  auto all = db->list_cores();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  auto count = db->count_cores();
  REQUIRE(count.ok());
  CHECK(*count == 3);
  CHECK((*all)[0].key == chat);
  CHECK((*all)[0].name == std::optional<std::string>("chat"));
  CHECK((*all)[1].key == notes);
  CHECK((*all)[2].key == remote_key);
  CHECK_FALSE((*all)[2].name.has_value());
  CHECK_FALSE((*all)[2].secret_key.has_value());
  CHECK((*all)[0].id < (*all)[1].id);

  auto found = db->find_named_core("notes");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->key == notes);
  CHECK((*found)->secret_key == key_pair(5).secret_key);
  CHECK((*found)->discovery_key == crypto::discovery_key(notes));
  auto missing = db->find_named_core("nope");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  auto by_key = db->find_core(key_pair(9).public_key);
  REQUIRE(by_key.ok());
  CHECK_FALSE(by_key->has_value());
  // The failed creations left nothing behind; new ones continue after them.
  auto next = create_core(*db, 8, "later");
  CHECK(next->id() > (*all)[2].id);
}

// An update that, applied alone, changes every part of core `id`.
core::CoreUpdate full_update(core::CoreId id, const Bytes& block) {
  core::CoreUpdate u;
  u.core = id;
  u.blocks.emplace_back(0, block);
  const core::TreeNode leaf = core::leaf_node(0, block);
  u.nodes.push_back(leaf);
  u.bitfield.push_back({0, Bytes(core::Bitfield::kPageBytes, 0)});
  u.bitfield[0].bits[0] = 1;
  core::TreeState tree;
  tree.length = 1;
  tree.byte_length = block.size();
  tree.roots = {leaf};
  tree.signature = Bytes(64, 0xab);
  u.tree = tree;
  u.manifest = core::default_signer_manifest(key_pair(20).public_key);
  return u;
}

void check_untouched(SqliteStorage& db, core::CoreId id) {
  auto block = db.get_block(id, 0);
  REQUIRE(block.ok());
  CHECK_FALSE(block->has_value());
  auto node = db.get_node(id, 0);
  REQUIRE(node.ok());
  CHECK_FALSE(node->has_value());
  auto pages = db.load_bitfield(id);
  REQUIRE(pages.ok());
  CHECK(pages->empty());
  auto cores = db.list_cores();
  REQUIRE(cores.ok());
  for (const auto& r : *cores) {
    if (r.id != id) continue;
    CHECK(r.tree.length == 0);
    CHECK(r.tree.signature.empty());
    CHECK_FALSE(r.manifest.has_value());
  }
}

TEST_CASE("a group write is atomic: a failing update undoes the ones before it") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  auto db = open_db(file);
  auto a = core::Core::create_remote(*db, key_pair(20).public_key);
  auto b = core::Core::create_remote(*db, key_pair(21).public_key);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const core::CoreId ia = (*a)->id(), ib = (*b)->id();
  const Bytes block = block_for(0);

  SUBCASE("a block index past the layout") {
    core::CoreUpdate bad = full_update(ib, block);
    bad.blocks.emplace_back(kMaxBlocks, block);
    const core::CoreUpdate group[] = {full_update(ia, block), bad};
    CHECK(db->write(group).error() == Errc::limit_exceeded);
  }
  SUBCASE("an unknown core") {
    const core::CoreUpdate group[] = {full_update(ia, block), full_update(ib + 100, block)};
    CHECK(db->write(group).error() == core::Errc::core_not_found);
  }
  SUBCASE("a bitfield page of the wrong size") {
    core::CoreUpdate bad = full_update(ib, block);
    bad.bitfield[0].bits.pop_back();
    const core::CoreUpdate group[] = {full_update(ia, block), bad};
    CHECK(db->write(group).error() == core::Errc::bad_argument);
  }
  SUBCASE("SQLite itself fails halfway (a trigger aborts the second insert)") {
    REQUIRE(test::raw_exec(file, "CREATE TRIGGER fail_b BEFORE INSERT ON tree WHEN NEW.id = " +
                                     std::to_string(block_key(ib, 0)) +
                                     " BEGIN SELECT RAISE(ABORT, 'injected'); END") == SQLITE_OK);
    const core::CoreUpdate group[] = {full_update(ia, block), full_update(ib, block)};
    CHECK(db->write(group).error() == Errc::constraint);
  }
  check_untouched(*db, ia);
  check_untouched(*db, ib);
  db.reset();
  db = open_db(file);
  check_untouched(*db, ia);
  check_untouched(*db, ib);

  // The storage is still usable, and a good group commits whole.
  test::raw_exec(file, "DROP TRIGGER IF EXISTS fail_b");
  const core::CoreUpdate group[] = {full_update(ia, block), full_update(ib, block)};
  REQUIRE(db->write(group).ok());
  for (auto id : {ia, ib}) {
    auto got = db->get_block(id, 0);
    REQUIRE(got.ok());
    CHECK(*got == std::optional<Bytes>(block));
  }
  auto cores = db->list_cores();
  REQUIRE(cores.ok());
  REQUIRE(cores->size() == 2);
  for (const auto& r : *cores) {
    CHECK(r.tree.length == 1);
    CHECK(r.tree.signature == Bytes(64, 0xab));
    CHECK(r.manifest.has_value());
  }
}

TEST_CASE("begin_group/end_group: writes are read at once, commit together, each stays atomic") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  auto db = open_db(file);
  auto a = core::Core::create_remote(*db, key_pair(30).public_key);
  REQUIRE(a.ok());
  const core::CoreId ia = (*a)->id();
  const Bytes block = block_for(0);

  SUBCASE("a group never ended is rolled back whole") {
    REQUIRE(db->begin_group().ok());
    const core::CoreUpdate one[] = {full_update(ia, block)};
    REQUIRE(db->write(one).ok());
    auto got = db->get_block(ia, 0);  // this connection reads its own writes
    REQUIRE(got.ok());
    CHECK(*got == std::optional<Bytes>(block));
    db.reset();  // no end_group: as a crash before the commit
    db = open_db(file);
    check_untouched(*db, ia);
  }
  SUBCASE("a failing write undoes only itself; end_group commits the rest") {
    auto b = core::Core::create_remote(*db, key_pair(31).public_key);
    REQUIRE(b.ok());
    const core::CoreId ib = (*b)->id();
    REQUIRE(db->begin_group().ok());
    CHECK(db->begin_group().error() == core::Errc::invalid_operation);  // no nesting
    const core::CoreUpdate good[] = {full_update(ia, block)};
    REQUIRE(db->write(good).ok());
    const core::CoreUpdate bad[] = {full_update(ib, block), full_update(ib + 100, block)};
    CHECK(db->write(bad).error() == core::Errc::core_not_found);
    // A core created inside the group nests too.
    auto c = core::Core::create_remote(*db, key_pair(32).public_key);
    REQUIRE(c.ok());
    REQUIRE(db->end_group().ok());
    REQUIRE(db->end_group().ok());  // nothing open: nothing to do
    db.reset();
    db = open_db(file);
    auto got = db->get_block(ia, 0);
    REQUIRE(got.ok());
    CHECK(*got == std::optional<Bytes>(block));
    check_untouched(*db, ib);
    auto found = db->find_core(key_pair(32).public_key);
    REQUIRE(found.ok());
    CHECK(found->has_value());
  }
  SUBCASE("the group takes the write lock only once something of it reaches SQLite") {
    const auto other_writes = [&] { return test::raw_exec(file, "BEGIN IMMEDIATE; ROLLBACK"); };
    REQUIRE(db->begin_group().ok());
    CHECK(other_writes() == SQLITE_OK);
    REQUIRE(db->end_group().ok());  // nothing written: nothing to commit
    REQUIRE(db->begin_group().ok());
    core::CoreUpdate plain = full_update(ia, block);
    plain.manifest.reset();  // a write with a manifest goes at once
    const core::CoreUpdate one[] = {plain};
    REQUIRE(db->write(one).ok());  // merged, held back
    CHECK(other_writes() == SQLITE_OK);
    auto c = core::Core::create_remote(*db, key_pair(34).public_key);  // goes at once
    REQUIRE(c.ok());
    CHECK(other_writes() == SQLITE_BUSY);
    REQUIRE(db->end_group().ok());
    CHECK(other_writes() == SQLITE_OK);
    db.reset();
    db = open_db(file);
    auto got = db->get_block(ia, 0);
    REQUIRE(got.ok());
    CHECK(*got == std::optional<Bytes>(block));
  }
  SUBCASE("appends through a Core in a group are restored after reopen") {
    auto w = create_core(*db, 33);
    REQUIRE(db->begin_group().ok());
    append_range(*w, 0, 50, false);
    REQUIRE(db->end_group().ok());
    const Hash32 key = w->key();
    const Hash32 hash = w->tree_hash();
    w.reset();
    db.reset();
    db = open_db(file);
    auto reopened = open_core(*db, key);
    CHECK(reopened->length() == 50);
    CHECK(reopened->tree_hash() == hash);
    for (std::uint64_t i = 0; i < 50; i++) CHECK(*reopened->get(i) == block_for(i));
  }
}

TEST_CASE("a group merges plain writes: refused ones fail at once, SQLite failing later fails the group") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  auto db = open_db(file);
  auto a = core::Core::create_remote(*db, key_pair(40).public_key);
  REQUIRE(a.ok());
  const core::CoreId ia = (*a)->id();
  const Bytes block = block_for(0);
  core::CoreUpdate plain = full_update(ia, block);
  plain.manifest.reset();  // no manifest, no truncation: held back and merged
  // SQLite will refuse block 1's row (made now: the group locks out others).
  REQUIRE(test::raw_exec(file, "CREATE TRIGGER fail_1 BEFORE INSERT ON tree WHEN NEW.id = " +
                                   std::to_string(block_key(ia, 1)) +
                                   " BEGIN SELECT RAISE(ABORT, 'injected'); END") == SQLITE_OK);
  REQUIRE(db->begin_group().ok());
  const core::CoreUpdate one[] = {plain};
  REQUIRE(db->write(one).ok());
  // Read back at once, from what is held back.
  auto got = db->get_block(ia, 0);
  REQUIRE(got.ok());
  CHECK(*got == std::optional<Bytes>(block));
  auto node = db->get_node(ia, 0);
  REQUIRE(node.ok());
  CHECK(*node == std::optional<core::TreeNode>(core::leaf_node(0, block)));

  SUBCASE("a refused write changes nothing; the rest commits") {
    core::CoreUpdate bad = plain;
    bad.blocks.emplace_back(kMaxBlocks, block);
    const core::CoreUpdate two[] = {bad};
    CHECK(db->write(two).error() == Errc::limit_exceeded);
    REQUIRE(db->end_group().ok());
    db.reset();
    db = open_db(file);
    auto after = db->get_block(ia, 0);
    REQUIRE(after.ok());
    CHECK(*after == std::optional<Bytes>(block));
    auto cores = db->list_cores();
    REQUIRE(cores.ok());
    CHECK(cores->at(0).tree.length == 1);
  }
  SUBCASE("SQLite refusing a held-back row fails every later read and the group") {
    core::CoreUpdate second;
    second.core = ia;
    const Bytes block1 = block_for(1);
    second.blocks.emplace_back(1, block1);
    const core::CoreUpdate two[] = {second};
    REQUIRE(db->write(two).ok());  // held back: SQLite has not seen it
    // Reading the header needs what is held back: SQLite sees it now.
    CHECK(db->list_cores().error() == Errc::constraint);
    CHECK(db->get_block(ia, 0).error() == Errc::constraint);
    CHECK(db->write(one).error() == Errc::constraint);
    CHECK(db->end_group().error() == Errc::constraint);
    // The group is over, rolled back; the storage works again.
    check_untouched(*db, ia);
    db.reset();
    db = open_db(file);
    check_untouched(*db, ia);
  }
}

TEST_CASE("find_core_by_discovery_key finds writable and remote cores, as in MemoryStorage") {
  TempDir dir;
  auto db = open_db(dir.file("cores.db"));
  core::MemoryStorage memory;
  for (core::Storage* s : {static_cast<core::Storage*>(db.get()), static_cast<core::Storage*>(&memory)}) {
    auto writable = create_core(*s, 1, "chat");
    append_range(*writable, 0, 3, true);
    const Hash32 remote_key = key_pair(2).public_key;
    auto remote = core::Core::create_remote(*s, remote_key);
    REQUIRE(remote.ok());
    auto found = s->find_core_by_discovery_key(writable->discovery_key());
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->key == writable->key());
    CHECK((*found)->tree.length == 3);
    CHECK((*found)->secret_key.has_value());
    found = s->find_core_by_discovery_key((*remote)->discovery_key());
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->key == remote_key);
    CHECK_FALSE((*found)->secret_key.has_value());
    // A key is not a discovery key.
    found = s->find_core_by_discovery_key(writable->key());
    REQUIRE(found.ok());
    CHECK_FALSE(found->has_value());
  }
}

TEST_CASE("remote_core_keys lists the cores without a secret key, in order, as MemoryStorage") {
  TempDir dir;
  auto db = open_db(dir.file("cores.db"));
  core::MemoryStorage memory;
  for (core::Storage* s : {static_cast<core::Storage*>(db.get()), static_cast<core::Storage*>(&memory)}) {
    auto keys = s->remote_core_keys();
    REQUIRE(keys.ok());
    CHECK(keys->empty());
    const Hash32 first = key_pair(3).public_key, second = key_pair(4).public_key;
    REQUIRE(core::Core::create_remote(*s, first).ok());
    auto writable = create_core(*s, 1, "chat");
    REQUIRE(core::Core::create_remote(*s, second).ok());
    keys = s->remote_core_keys();
    REQUIRE(keys.ok());
    CHECK(*keys == std::vector<Hash32>{first, second});
  }
}

TEST_CASE("unknown cores are core_not_found, as in MemoryStorage") {
  TempDir dir;
  auto db = open_db(dir.file("cores.db"));
  core::MemoryStorage memory;
  for (core::Storage* s : {static_cast<core::Storage*>(db.get()), static_cast<core::Storage*>(&memory)}) {
    CHECK(s->get_block(1, 0).error() == core::Errc::core_not_found);
    CHECK(s->get_node(1, 0).error() == core::Errc::core_not_found);
    CHECK(s->load_bitfield(1).error() == core::Errc::core_not_found);
    core::CoreUpdate u;
    u.core = 1;
    CHECK(s->write(std::span<const core::CoreUpdate>(&u, 1)).error() == core::Errc::core_not_found);
    CHECK(s->write({}).ok());
  }
  CHECK(db->get_block(-5, 0).error() == core::Errc::core_not_found);
  CHECK(db->get_block(kMaxCoreId + 10, 0).error() == core::Errc::core_not_found);
}

TEST_CASE("indexes and core ids past the key packing are refused, nothing stored") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  auto db = open_db(file);
  auto c = create_core(*db, 30);
  const core::CoreId id = c->id();
  const Bytes block = block_for(1);

  core::CoreUpdate u;
  u.core = id;
  u.blocks.emplace_back(kMaxBlocks, block);
  CHECK(db->write(std::span<const core::CoreUpdate>(&u, 1)).error() == Errc::limit_exceeded);
  u.blocks.clear();
  u.nodes.push_back({kMaxTreeIndex, 1, {}});
  CHECK(db->write(std::span<const core::CoreUpdate>(&u, 1)).error() == Errc::limit_exceeded);
  u.nodes.clear();
  u.truncate = kMaxBlocks + 1;
  CHECK(db->write(std::span<const core::CoreUpdate>(&u, 1)).error() == Errc::limit_exceeded);
  u.truncate.reset();
  u.tree = core::TreeState{};
  u.tree->length = kMaxBlocks + 1;
  CHECK(db->write(std::span<const core::CoreUpdate>(&u, 1)).error() == Errc::limit_exceeded);

  // The largest index does fit, and does not touch the next core's keys.
  u.tree.reset();
  u.blocks.emplace_back(kMaxBlocks - 1, block);
  REQUIRE(db->write(std::span<const core::CoreUpdate>(&u, 1)).ok());
  auto last = db->get_block(id, kMaxBlocks - 1);
  REQUIRE(last.ok());
  CHECK(*last == std::optional<Bytes>(block));
  auto other = create_core(*db, 31);
  auto first = db->get_block(other->id(), 0);
  REQUIRE(first.ok());
  CHECK_FALSE(first->has_value());
  auto past = db->get_block(id, kMaxBlocks);
  REQUIRE(past.ok());
  CHECK_FALSE(past->has_value());

  // A core with the last id that fits: the next one cannot be addressed.
  db.reset();
  const std::string last_id = std::to_string(kMaxCoreId);
  REQUIRE(test::raw_exec(file, "INSERT INTO cores (id, key, discovery_key) VALUES (" + last_id +
                                   ", zeroblob(32), zeroblob(32)); INSERT INTO state (id, fork, "
                                   "length, byte_length, roots, signature) VALUES (" +
                                   std::to_string(header_key(kMaxCoreId)) +
                                   ", 0, 0, 0, x'', x'')") == SQLITE_OK);
  db = open_db(file);
  core::CoreRecord record;
  record.key = key_pair(32).public_key;
  CHECK(db->create_core(record).error() == Errc::limit_exceeded);
  auto cores = db->list_cores();
  REQUIRE(cores.ok());
  CHECK(cores->size() == 3);
  CHECK(cores->back().id == kMaxCoreId);
  CHECK(db->get_block(kMaxCoreId, 0).ok());
}

TEST_CASE("an empty block is stored as empty, not as missing") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  Hash32 key{};
  {
    auto db = open_db(file);
    auto c = create_core(*db, 40);
    REQUIRE(c->append(ByteView()).ok());
    REQUIRE(c->append(block_for(1, 3)).ok());
    key = c->key();
  }
  auto db = open_db(file);
  auto c = open_core(*db, key);
  auto empty = c->get(0);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  auto three = c->get(1);
  REQUIRE(three.ok());
  CHECK(*three == block_for(1, 3));
}

// What a RESTART checkpoint by another connection says: 1 if a reader's
// snapshot kept it from finishing (it does not wait), else 0.
std::int64_t restart_blocked(const std::filesystem::path& file) {
  return test::raw_int(file, "PRAGMA wal_checkpoint(RESTART)", SQLITE_OPEN_READWRITE);
}

TEST_CASE("a block read back right after its write comes from the write, as the table has it") {
  TempDir dir;
  const auto file = dir.file("cores.db");
  auto db = open_db(file);
  auto c = core::Core::create_remote(*db, key_pair(45).public_key);
  REQUIRE(c.ok());
  const core::CoreId id = (*c)->id();
  const Bytes a = block_for(0, 100), b = block_for(1, 100), x = block_for(2, 100);

  // A read of the table holds a snapshot, which keeps a checkpoint from
  // restarting the WAL (what the probe sees).
  const core::CoreUpdate first[] = {full_update(id, a)};
  REQUIRE(db->write(first).ok());
  CHECK(*db->get_node(id, 5) == std::nullopt);
  CHECK(restart_blocked(file) == 1);

  // A live append pushed at once: reading its block back holds none. Here a
  // truncation rewrites block 0 in the same write: the new bytes come back.
  core::CoreUpdate fork = full_update(id, b);
  fork.truncate = 0;
  const core::CoreUpdate second[] = {fork};
  REQUIRE(db->write(second).ok());
  CHECK(*db->get_block(id, 0) == std::optional<Bytes>(b));
  CHECK(restart_blocked(file) == 0);

  // A write that fails stores nothing and is not read back; the last good
  // one is still read right.
  REQUIRE(test::raw_exec(file, "CREATE TRIGGER fail BEFORE INSERT ON tree BEGIN SELECT "
                               "RAISE(ABORT, 'injected'); END") == SQLITE_OK);
  core::CoreUpdate failing = full_update(id, x);
  failing.blocks = {{1, x}};
  const core::CoreUpdate third[] = {failing};
  CHECK_FALSE(db->write(third).ok());
  CHECK(*db->get_block(id, 1) == std::nullopt);
  CHECK(*db->get_block(id, 0) == std::optional<Bytes>(b));

  // A write a group holds back is read from the group, then from the table.
  REQUIRE(test::raw_exec(file, "DROP TRIGGER fail") == SQLITE_OK);
  REQUIRE(db->begin_group().ok());
  core::CoreUpdate grouped = full_update(id, x);
  grouped.blocks = {{1, x}};
  grouped.tree.reset();
  grouped.manifest.reset();
  const core::CoreUpdate fourth[] = {grouped};
  REQUIRE(db->write(fourth).ok());
  CHECK(*db->get_block(id, 1) == std::optional<Bytes>(x));
  REQUIRE(db->end_group().ok());
  CHECK(*db->get_block(id, 1) == std::optional<Bytes>(x));
  CHECK(*db->get_block(id, 0) == std::optional<Bytes>(b));
}

TEST_CASE("options: full durability works, and create=false makes no file") {
  TempDir dir;
  const auto file = dir.file("full.db");
  Hash32 key{};
  {
    Options o;
    o.durability = Durability::full;
    auto db = open_db(file, o);
    auto c = create_core(*db, 50);
    append_range(*c, 0, 5, false);
    key = c->key();
  }
  Options existing;
  existing.create = false;
  auto db = open_db(file, existing);
  CHECK(open_core(*db, key)->length() == 5);

  const auto missing = dir.file("missing.db");
  CHECK(SqliteStorage::open(missing, existing).error() == Errc::cant_open);
  CHECK_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace hc::storage
