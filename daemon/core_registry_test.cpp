#include "core_registry.hpp"

#include <doctest/doctest.h>

#include <string>

#include "core/errors.hpp"
#include "core/memory_storage.hpp"

using hc::daemon::CoreRegistry;

namespace {

hc::Bytes bytes(std::string_view s) { return hc::Bytes(s.begin(), s.end()); }

struct Fixture {
  hc::core::MemoryStorage storage;
  hc::Hash32 primary{};
  CoreRegistry registry{storage, primary};
};

}  // namespace

TEST_CASE("cores open on demand and idle ones beyond the limit are closed, oldest first") {
  Fixture f;
  const std::size_t total = CoreRegistry::kMaxIdleOpen + 44;
  for (std::size_t i = 0; i < total; i++) {
    auto c = f.registry.create_named("c" + std::to_string(i));
    REQUIRE(c);
    const auto block = bytes("block of c" + std::to_string(i));
    REQUIRE((*c)->append(std::vector<hc::ByteView>{block}));
  }
  CHECK(f.registry.open_count() == total);

  // A core with a listener stays, however long unused.
  auto first = f.registry.find_named("c0");
  REQUIRE(first);
  int calls = 0;
  const auto id = f.registry.add_append_listener(**first, [&] { calls++; });
  // Use the rest again, oldest to newest, so c1, c2, ... are the least recent.
  for (std::size_t i = 1; i < total; i++) REQUIRE(f.registry.find_named("c" + std::to_string(i)));

  f.registry.release_idle();
  CHECK(f.registry.open_count() == CoreRegistry::kMaxIdleOpen + 1);

  // The pinned core is the same object and still fires its listener.
  auto again = f.registry.find_named("c0");
  REQUIRE(again);
  CHECK(*again == *first);
  const auto more = bytes("more");
  REQUIRE((*again)->append(std::vector<hc::ByteView>{more}));
  CHECK(calls == 1);
  f.registry.remove_append_listener(**again, id);

  // A closed core opens again with everything it had.
  auto reopened = f.registry.find_named("c1");
  REQUIRE(reopened);
  CHECK((*reopened)->length() == 1);
  auto block = (*reopened)->get(0);
  REQUIRE(block);
  CHECK(*block == bytes("block of c1"));

  // Without listeners, every idle core beyond the limit can go.
  f.registry.release_idle();
  CHECK(f.registry.open_count() == CoreRegistry::kMaxIdleOpen);
}

TEST_CASE("list describes idle writable cores from storage without opening them") {
  Fixture f;
  for (int i = 0; i < 3; i++) {
    auto c = f.registry.create_named("n" + std::to_string(i));
    REQUIRE(c);
    std::vector<hc::Bytes> blocks(static_cast<std::size_t>(i + 1), bytes("xyz"));
    std::vector<hc::ByteView> views(blocks.begin(), blocks.end());
    REQUIRE((*c)->append(views));
  }
  // A fresh registry on the same storage has nothing open.
  CoreRegistry fresh(f.storage, f.primary);
  auto listed = fresh.list();
  REQUIRE(listed);
  CHECK(fresh.open_count() == 0);
  REQUIRE(listed->size() == 3);
  for (const auto& s : *listed) {
    auto c = f.registry.find(s.key);
    REQUIRE(c);
    const auto live = CoreRegistry::summary_of(**c);
    CHECK(s.name == live.name);
    CHECK(s.discovery_key == live.discovery_key);
    CHECK(s.length == live.length);
    CHECK(s.byte_length == live.byte_length);
    CHECK(s.fork == live.fork);
    CHECK(s.writable);
    CHECK(s.contiguous_length == live.contiguous_length);
  }
}
