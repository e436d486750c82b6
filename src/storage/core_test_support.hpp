// Helpers for the storage tests that go through core::Core (included by
// *_test.cpp only): open a database, make and open cores with fixed keys.
// REQUIRE fails the test case at once when one of them cannot.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/core.hpp"
#include "crypto/sign.hpp"
#include "sqlite_storage.hpp"

namespace hc::storage::test {

inline std::unique_ptr<SqliteStorage> open_db(const std::filesystem::path& file,
                                              Options options = {}) {
  auto s = SqliteStorage::open(file, options);
  REQUIRE_MESSAGE(s.ok(), s.error().message());
  return std::move(*s);
}

// The key pair whose seed is 32 bytes of n.
inline crypto::KeyPair key_pair(std::uint8_t n) {
  Hash32 seed{};
  seed.fill(n);
  return crypto::key_pair_from_seed(seed);
}

inline std::unique_ptr<core::Core> create_core(core::Storage& s, std::uint8_t seed,
                                               std::optional<std::string> name = std::nullopt) {
  core::Core::CreateOptions o;
  o.key_pair = key_pair(seed);
  o.name = std::move(name);
  auto c = core::Core::create(s, o);
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  return std::move(*c);
}

inline std::unique_ptr<core::Core> open_core(core::Storage& s, const Hash32& key) {
  auto c = core::Core::open(s, key);
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  return std::move(*c);
}

}  // namespace hc::storage::test
