// The cores the daemon has open, keyed by core key, and the creation of named
// writable cores with Corestore key pairs derived from the primary key
// (corestore@7 index.js: store.get({ name })).
//
// Cores are opened lazily, on the first request that names them, and stay
// open until the registry goes. Threads: owned and used by the io thread.
// Known simplification: storage and Core calls run synchronously on that
// thread; design.md wants them on a storage thread that posts results back.
// Lifetime: the Storage must outlive the registry; a Core* it returns stays
// valid until the registry is destroyed.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "core/storage.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"

namespace hc::daemon {

class CoreRegistry {
 public:
  CoreRegistry(core::Storage& storage, const Hash32& primary_key);
  CoreRegistry(const CoreRegistry&) = delete;
  CoreRegistry& operator=(const CoreRegistry&) = delete;

  // The core with this key or local name; core::Errc::core_not_found if the
  // storage holds none.
  Result<core::Core*> find(const Hash32& key);
  Result<core::Core*> find_named(std::string_view name);

  // A new named writable core; core::Errc::core_exists if the name is taken.
  Result<core::Core*> create_named(std::string_view name);

  struct Opened {
    core::Core* core = nullptr;
    bool created = false;
  };
  // The named core, created when it does not exist yet.
  Result<Opened> find_or_create_named(std::string_view name);

  // Every stored core, opened (list is for people and scripts, not hot paths).
  Result<std::vector<core::Core*>> list();
  // How many cores the storage holds.
  Result<std::size_t> count();

 private:
  Result<core::Core*> open(const core::CoreRecord& record);
  core::Core* adopt(std::unique_ptr<core::Core> core);

  core::Storage& storage_;
  Hash32 primary_key_;
  std::map<Hash32, std::unique_ptr<core::Core>> open_;
};

}  // namespace hc::daemon
