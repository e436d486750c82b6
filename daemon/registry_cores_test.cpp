// RegistryCores (the session's view of the daemon's cores) and the registry
// features it relies on: lookup by discovery key, pins against release_idle,
// and the change listener.
#include "registry_cores.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/memory_storage.hpp"
#include "crypto/sign.hpp"

using hc::daemon::CoreRegistry;
using hc::daemon::RegistryCores;

namespace {

hc::Bytes bytes(std::string_view s) { return hc::Bytes(s.begin(), s.end()); }

struct Fixture {
  hc::core::MemoryStorage storage;
  hc::Hash32 primary{};
  CoreRegistry registry{storage, primary};
  RegistryCores cores{registry};
};

}  // namespace

TEST_CASE("registry cores: a discovery key finds open, idle and remote cores, others are refused") {
  Fixture f;
  auto chat = f.registry.create_named("chat");
  REQUIRE(chat);
  const hc::Hash32 chat_key = (*chat)->key();
  const hc::Hash32 chat_dk = (*chat)->discovery_key();
  CHECK(f.cores.find_by_discovery_key(chat_dk) == *chat);
  CHECK_FALSE(f.cores.options_for(**chat).download);  // we write it: upload only

  // A remote core known only to storage (not open): opened on demand.
  const auto remote_key = hc::crypto::key_pair_from_seed(hc::Hash32{9}).public_key;
  hc::Hash32 remote_dk{};
  {
    auto remote = hc::core::Core::create_remote(f.storage, remote_key);
    REQUIRE(remote);
    remote_dk = (*remote)->discovery_key();
  }
  CHECK(f.registry.find_open(remote_key) == nullptr);
  auto* remote = f.cores.find_by_discovery_key(remote_dk);
  REQUIRE(remote);
  CHECK(remote->key() == remote_key);
  CHECK(f.registry.find_open(remote_key) == remote);
  CHECK(f.cores.options_for(*remote).download);  // a remote core downloads

  CHECK(f.cores.find_by_discovery_key(hc::Hash32{1}) == nullptr);
  CHECK(f.cores.find_by_discovery_key(chat_key) == nullptr);  // a key is no discovery key
  CHECK(f.registry.open_cores().size() == 2);
}

TEST_CASE("registry cores: a core with an open channel survives release_idle until it closes") {
  Fixture f;
  const std::size_t total = CoreRegistry::kMaxIdleOpen + 10;
  for (std::size_t i = 0; i < total; i++) REQUIRE(f.registry.create_named("c" + std::to_string(i)));
  auto* used = *f.registry.find_named("c0");
  f.cores.channel_opened(*used);
  f.cores.channel_opened(*used);  // two sessions
  // c0 is now the most recent; make it the oldest again.
  for (std::size_t i = 1; i < total; i++) REQUIRE(f.registry.find_named("c" + std::to_string(i)));
  f.registry.release_idle();
  CHECK(f.registry.open_count() == CoreRegistry::kMaxIdleOpen + 1);
  CHECK(f.registry.find_open(used->key()) == used);
  f.cores.channel_closed(*used);
  f.registry.release_idle();
  CHECK(f.registry.find_open(used->key()) == used);  // one session still has it
  f.cores.channel_closed(*used);
  CHECK_FALSE(f.registry.pinned(*used));
  const hc::Hash32 key = used->key();
  // Touch every other core so c0 is the least recently used and goes.
  for (std::size_t i = 1; i < total; i++) REQUIRE(f.registry.find_named("c" + std::to_string(i)));
  f.registry.release_idle();
  CHECK(f.registry.find_open(key) == nullptr);
  CHECK(f.registry.open_count() == CoreRegistry::kMaxIdleOpen);
}

TEST_CASE("registry: the change listener hears appends and truncations of every open core") {
  Fixture f;
  std::vector<hc::Hash32> changed;
  f.registry.set_change_listener([&](const hc::Hash32& key) { changed.push_back(key); });
  auto a = f.registry.create_named("a");
  auto b = f.registry.create_named("b");
  REQUIRE(a);
  REQUIRE(b);
  int per_core = 0;
  const auto id = f.registry.add_append_listener(**a, [&] { per_core++; });
  const auto block = bytes("x");
  REQUIRE((*a)->append(hc::ByteView(block)));
  REQUIRE((*b)->append(hc::ByteView(block)));
  REQUIRE((*b)->truncate(0));
  CHECK(changed == std::vector<hc::Hash32>{(*a)->key(), (*b)->key(), (*b)->key()});
  CHECK(per_core == 1);
  f.registry.remove_append_listener(**a, id);
  f.registry.set_change_listener({});
  REQUIRE((*a)->append(hc::ByteView(block)));
  CHECK(changed.size() == 3);
}
