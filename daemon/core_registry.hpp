// The cores the daemon has open, keyed by core key, and the creation of named
// writable cores with Corestore key pairs derived from the primary key
// (corestore@7 index.js: store.get({ name })).
//
// Cores are opened lazily, on the first request that names them, so a daemon
// holding 10,000 idle cores keeps none of them in memory. Open cores that are
// not in use (no append listener, not pinned) are closed again, least recently
// used first, whenever more than kMaxIdleOpen of them are open: release_idle(),
// which the owner calls between requests, never inside one. Threads: owned
// and used by the io thread. Known simplification: storage and Core calls run
// synchronously on that thread; design.md wants them on a storage thread that
// posts results back. Lifetime: the Storage must outlive the registry; a
// Core* it returns stays valid until the next release_idle(), or, while the
// core has an append listener or a pin, until the last of them is removed.
//
// Append listeners: Core::events() holds one on_append function; the registry
// owns it for every core it opens and fans it out to any number of listeners
// (follow subscriptions). A listener is called on the io thread after each
// append is written (a held one: before its commit, see settle()); it may add
// or remove listeners while called. Whoever adds a listener removes it before
// the state it captures goes. One change listener (replication) hears of
// every change of every open core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
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
  // `compat`: its key is the public key (Hypercore 10 style), not the
  // manifest hash a Corestore would give it.
  Result<core::Core*> create_named(std::string_view name, bool compat = false);

  struct Opened {
    core::Core* core = nullptr;
    bool created = false;
  };
  // The core a peer names by discovery key, opened if it is stored and not
  // open; core::Errc::core_not_found if the storage holds none.
  Result<core::Core*> find_by_discovery_key(const Hash32& discovery_key);
  // The core with this key if it is open now, else null; never reads storage.
  core::Core* find_open(const Hash32& key);
  // Every open core.
  std::vector<core::Core*> open_cores();

  // The named core, created when it does not exist yet.
  Result<Opened> find_or_create_named(std::string_view name);
  // The core with this key, or a new one known only by its key, to be filled
  // by replication (follow or seed of a remote core).
  Result<Opened> find_or_create_remote(const Hash32& key);

  // What a person or script sees of a core: its state, open or not.
  struct Summary {
    Hash32 key{};
    Hash32 discovery_key{};
    std::optional<std::string> name;
    std::uint64_t length = 0;
    std::uint64_t byte_length = 0;
    std::uint64_t fork = 0;
    bool writable = false;
    std::uint64_t contiguous_length = 0;
  };
  static Summary summary_of(const core::Core& core);
  // Every stored core, without opening the idle ones that are writable (their
  // stored header says everything); others are opened only for the call.
  Result<std::vector<Summary>> list();
  // How many cores the storage holds.
  Result<std::size_t> count();
  // The keys of every stored core we do not write. Each came from a follow
  // or seed, and stays seeded: fetched from direct peers, also after a restart.
  Result<std::vector<Hash32>> remote_keys();

  using AppendListener = std::function<void()>;
  // `core` must come from this registry. Returns an id for remove_append_listener.
  std::uint64_t add_append_listener(const core::Core& core, AppendListener listener);
  void remove_append_listener(const core::Core& core, std::uint64_t id);

  // Keeps `core` open through release_idle() until as many unpin() calls
  // (a replication channel uses it). `core` must come from this registry.
  void pin(const core::Core& core);
  void unpin(const core::Core& core);
  bool pinned(const core::Core& core) const { return pins_.contains(core.key()); }

  // Called on the io thread after every change written (committed, or held
  // by the storage until settle()) of any open core (an append, a block or
  // upgrade from a peer, a truncation), with its key, after the per-core
  // listeners. One listener; an empty function removes it.
  using ChangeListener = std::function<void(const Hash32& key)>;
  void set_change_listener(ChangeListener listener) { change_listener_ = std::move(listener); }

  // Group commit for replication: the writes between begin_group() and
  // end_group() (the blocks of one read from a peer) commit together
  // (core::Storage::begin_group). A failed commit leaves open cores believing
  // in writes that did not happen: end_group() then calls the fatal handler
  // (the daemon stops with an error; on restart the cores reload from disk).
  // Nothing acknowledged to a client is ever in a group.
  void begin_group();
  Status end_group();
  bool grouping() const { return grouping_; }
  // Commits the appends the storage holds in its journal
  // (core::Storage::settle): called once a request's answer and pushes are
  // out. A failure calls the fatal handler, as end_group() does; the appends
  // are kept in the journal, and the next start commits them.
  void settle();
  using FatalHandler = std::function<void(const std::string& reason)>;
  void set_fatal_handler(FatalHandler handler) { fatal_handler_ = std::move(handler); }

  // Open cores without listeners or pins kept in memory for reuse; more are closed.
  static constexpr std::size_t kMaxIdleOpen = 256;
  // Closes the least recently used idle cores beyond kMaxIdleOpen. Invalidates
  // every Core* of a core without listeners.
  void release_idle();
  std::size_t open_count() const { return open_.size(); }

 private:
  struct OpenCore {
    std::unique_ptr<core::Core> core;
    std::uint64_t last_used = 0;
  };
  Result<core::Core*> open(const core::CoreRecord& record);
  core::Core* adopt(std::unique_ptr<core::Core> core);
  core::Core* touch(OpenCore& entry);
  void on_append(const Hash32& key);
  void on_change(const Hash32& key);

  core::Storage& storage_;
  Hash32 primary_key_;
  std::map<Hash32, OpenCore> open_;
  // The names of the open named cores: a client's append names its core
  // every time, and a storage lookup would cost it tens of microseconds.
  std::map<std::string, Hash32, std::less<>> open_names_;
  std::uint64_t use_clock_ = 0;
  std::map<Hash32, std::map<std::uint64_t, AppendListener>> listeners_;
  std::uint64_t next_listener_ = 1;
  std::map<Hash32, std::uint64_t> pins_;  // pin count per key
  ChangeListener change_listener_;
  FatalHandler fatal_handler_;
  bool grouping_ = false;
};

}  // namespace hc::daemon
