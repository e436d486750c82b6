#include "core_registry.hpp"

#include "core/errors.hpp"
#include "crypto/corestore_keys.hpp"

#include <algorithm>
#include <cassert>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace hc::daemon {

CoreRegistry::CoreRegistry(core::Storage& storage, const Hash32& primary_key)
    : storage_(storage), primary_key_(primary_key) {}

Result<core::Core*> CoreRegistry::find(const Hash32& key) {
  if (auto it = open_.find(key); it != open_.end()) return touch(it->second);
  HC_TRY(auto record, storage_.find_core(key));
  if (!record) return core::Errc::core_not_found;
  return open(*record);
}

Result<core::Core*> CoreRegistry::find_named(std::string_view name) {
  if (auto named = open_names_.find(name); named != open_names_.end()) {
    return touch(open_.at(named->second));
  }
  HC_TRY(auto record, storage_.find_named_core(name));
  if (!record) return core::Errc::core_not_found;
  if (auto it = open_.find(record->key); it != open_.end()) return touch(it->second);
  return open(*record);
}

Result<core::Core*> CoreRegistry::find_by_discovery_key(const Hash32& discovery_key) {
  // Open cores are few (kMaxIdleOpen plus those in use): a scan is cheap.
  for (auto& [key, entry] : open_) {
    if (entry.core->discovery_key() == discovery_key) return touch(entry);
  }
  HC_TRY(auto record, storage_.find_core_by_discovery_key(discovery_key));
  if (!record) return core::Errc::core_not_found;
  return open(*record);
}

core::Core* CoreRegistry::find_open(const Hash32& key) {
  auto it = open_.find(key);
  return it == open_.end() ? nullptr : it->second.core.get();
}

std::vector<core::Core*> CoreRegistry::open_cores() {
  std::vector<core::Core*> out;
  out.reserve(open_.size());
  for (auto& [key, entry] : open_) out.push_back(entry.core.get());
  return out;
}

void CoreRegistry::pin(const core::Core& core) {
  assert(open_.contains(core.key()));
  pins_[core.key()]++;
}

void CoreRegistry::unpin(const core::Core& core) {
  auto it = pins_.find(core.key());
  assert(it != pins_.end());
  if (it == pins_.end()) return;
  if (--it->second == 0) pins_.erase(it);
}

Result<core::Core*> CoreRegistry::create_named(std::string_view name, bool compat) {
  HC_TRY(auto existing, storage_.find_named_core(name));
  if (existing) return core::Errc::core_exists;
  core::Core::CreateOptions options;
  options.key_pair =
      crypto::corestore::derive_key_pair(primary_key_, crypto::corestore::kRootNamespace, name);
  options.name = std::string(name);
  options.compat = compat;
  HC_TRY(auto created, core::Core::create(storage_, options));
  return adopt(std::move(created));
}

Result<CoreRegistry::Opened> CoreRegistry::find_or_create_named(std::string_view name) {
  auto found = find_named(name);
  if (found) return Opened{*found, false};
  if (found.error() != core::Errc::core_not_found) return found.error();
  HC_TRY(auto* created, create_named(name));
  return Opened{created, true};
}

CoreRegistry::Summary CoreRegistry::summary_of(const core::Core& c) {
  Summary s;
  s.key = c.key();
  s.discovery_key = c.discovery_key();
  s.name = c.name();
  s.length = c.length();
  s.byte_length = c.byte_length();
  s.fork = c.fork();
  s.writable = c.writable();
  s.contiguous_length = c.contiguous_length();
  return s;
}

Result<CoreRegistry::Opened> CoreRegistry::find_or_create_remote(const Hash32& key) {
  auto found = find(key);
  if (found) return Opened{*found, false};
  if (found.error() != core::Errc::core_not_found) return found.error();
  HC_TRY(auto created, core::Core::create_remote(storage_, key));
  return Opened{adopt(std::move(created)), true};
}

Result<std::vector<CoreRegistry::Summary>> CoreRegistry::list() {
  HC_TRY(auto records, storage_.list_cores());
  std::vector<Summary> summaries;
  summaries.reserve(records.size());
  for (auto& record : records) {
    if (auto it = open_.find(record.key); it != open_.end()) {
      summaries.push_back(summary_of(*it->second.core));
      continue;
    }
    if (!record.secret_key) {
      // How much of a remote core is here lives in its bitfield: open it for
      // this call only.
      HC_TRY(auto opened, core::Core::open(storage_, record));
      summaries.push_back(summary_of(*opened));
      continue;
    }
    // A writable core holds every block of its tree (it wrote them).
    Summary s;
    s.key = record.key;
    s.discovery_key = record.discovery_key;
    s.name = std::move(record.name);
    s.length = record.tree.length;
    s.byte_length = record.tree.byte_length;
    s.fork = record.tree.fork;
    s.writable = true;
    s.contiguous_length = record.tree.length;
    summaries.push_back(std::move(s));
  }
  return summaries;
}

Result<std::vector<Hash32>> CoreRegistry::remote_keys() { return storage_.remote_core_keys(); }

Result<std::size_t> CoreRegistry::count() {
  HC_TRY(auto n, storage_.count_cores());
  return static_cast<std::size_t>(n);
}

Result<core::Core*> CoreRegistry::open(const core::CoreRecord& record) {
  HC_TRY(auto opened, core::Core::open(storage_, record));
  return adopt(std::move(opened));
}

core::Core* CoreRegistry::adopt(std::unique_ptr<core::Core> core) {
  auto* raw = core.get();
  raw->events().on_append = [this, key = raw->key()](std::uint64_t, std::uint64_t) {
    on_append(key);
    on_change(key);
  };
  // A downloaded block may be the one a follower waits for.
  raw->events().on_download = [this, key = raw->key()](std::uint64_t) {
    on_append(key);
    on_change(key);
  };
  // Followers learn of a truncation through their listener too.
  raw->events().on_truncate = [this, key = raw->key()](std::uint64_t, std::uint64_t) {
    on_append(key);
    on_change(key);
  };
  if (raw->name()) open_names_[*raw->name()] = raw->key();
  auto& entry = open_[raw->key()];
  entry.core = std::move(core);
  return touch(entry);
}

core::Core* CoreRegistry::touch(OpenCore& entry) {
  entry.last_used = ++use_clock_;
  return entry.core.get();
}

void CoreRegistry::release_idle() {
  if (open_.size() <= kMaxIdleOpen) return;
  std::vector<std::pair<std::uint64_t, Hash32>> idle;  // (last used, key)
  for (const auto& [key, entry] : open_) {
    if (!listeners_.contains(key) && !pins_.contains(key)) idle.emplace_back(entry.last_used, key);
  }
  if (idle.size() <= kMaxIdleOpen) return;
  const std::size_t excess = idle.size() - kMaxIdleOpen;
  std::nth_element(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(excess), idle.end());
  for (std::size_t i = 0; i < excess; i++) {
    auto it = open_.find(idle[i].second);
    if (const auto& name = it->second.core->name()) open_names_.erase(*name);
    open_.erase(it);
  }
}

std::uint64_t CoreRegistry::add_append_listener(const core::Core& core,
                                                AppendListener listener) {
  const std::uint64_t id = next_listener_++;
  listeners_[core.key()].emplace(id, std::move(listener));
  return id;
}

void CoreRegistry::remove_append_listener(const core::Core& core, std::uint64_t id) {
  auto it = listeners_.find(core.key());
  if (it == listeners_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) listeners_.erase(it);
}

void CoreRegistry::on_change(const Hash32& key) {
  if (change_listener_) change_listener_(key);
}

void CoreRegistry::on_append(const Hash32& key) {
  auto it = listeners_.find(key);
  if (it == listeners_.end()) return;
  // A listener may add or remove listeners: call copies of the current ones.
  std::vector<AppendListener> current;
  current.reserve(it->second.size());
  for (const auto& [id, listener] : it->second) current.push_back(listener);
  for (const auto& listener : current) listener();
}

void CoreRegistry::begin_group() {
  if (grouping_) return;
  // If the group cannot start, each write simply commits alone.
  grouping_ = storage_.begin_group().ok();
}

void CoreRegistry::settle() {
  if (auto settled = storage_.settle(); !settled) {
    const std::string reason = "committing appends failed: " + settled.error().message();
    spdlog::critical("{}; the append journal keeps them for the next start", reason);
    if (fatal_handler_) fatal_handler_(reason);
  }
}

Status CoreRegistry::end_group() {
  if (!grouping_) return {};
  grouping_ = false;
  auto committed = storage_.end_group();
  if (!committed) {
    const std::string reason = "committing downloaded data failed: " + committed.error().message();
    spdlog::critical("{}; the open cores no longer match the database", reason);
    if (fatal_handler_) fatal_handler_(reason);
  }
  return committed;
}

}  // namespace hc::daemon
