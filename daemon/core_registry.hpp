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
//
// Append listeners: Core::events() holds one on_append function; the registry
// owns it for every core it opens and fans it out to any number of listeners
// (follow subscriptions). A listener is called on the io thread after each
// committed append; it may add or remove listeners while called. Whoever adds
// a listener removes it before the state it captures goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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

  using AppendListener = std::function<void()>;
  // `core` must come from this registry. Returns an id for remove_append_listener.
  std::uint64_t add_append_listener(const core::Core& core, AppendListener listener);
  void remove_append_listener(const core::Core& core, std::uint64_t id);

 private:
  Result<core::Core*> open(const core::CoreRecord& record);
  core::Core* adopt(std::unique_ptr<core::Core> core);
  void on_append(const Hash32& key);

  core::Storage& storage_;
  Hash32 primary_key_;
  std::map<Hash32, std::unique_ptr<core::Core>> open_;
  std::map<Hash32, std::map<std::uint64_t, AppendListener>> listeners_;
  std::uint64_t next_listener_ = 1;
};

}  // namespace hc::daemon
