#include "core_registry.hpp"

#include "core/errors.hpp"
#include "crypto/corestore_keys.hpp"

#include <utility>

namespace hc::daemon {

CoreRegistry::CoreRegistry(core::Storage& storage, const Hash32& primary_key)
    : storage_(storage), primary_key_(primary_key) {}

Result<core::Core*> CoreRegistry::find(const Hash32& key) {
  if (auto it = open_.find(key); it != open_.end()) return it->second.get();
  HC_TRY(auto record, storage_.find_core(key));
  if (!record) return core::Errc::core_not_found;
  return open(*record);
}

Result<core::Core*> CoreRegistry::find_named(std::string_view name) {
  // Names map to keys only through storage; a lookup there is cheap enough
  // for this slice (an in-memory name index can come with the storage thread).
  HC_TRY(auto record, storage_.find_named_core(name));
  if (!record) return core::Errc::core_not_found;
  if (auto it = open_.find(record->key); it != open_.end()) return it->second.get();
  return open(*record);
}

Result<core::Core*> CoreRegistry::create_named(std::string_view name) {
  HC_TRY(auto existing, storage_.find_named_core(name));
  if (existing) return core::Errc::core_exists;
  core::Core::CreateOptions options;
  options.key_pair =
      crypto::corestore::derive_key_pair(primary_key_, crypto::corestore::kRootNamespace, name);
  options.name = std::string(name);
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

Result<std::vector<core::Core*>> CoreRegistry::list() {
  HC_TRY(auto records, storage_.list_cores());
  std::vector<core::Core*> cores;
  cores.reserve(records.size());
  for (const auto& record : records) {
    if (auto it = open_.find(record.key); it != open_.end()) {
      cores.push_back(it->second.get());
      continue;
    }
    HC_TRY(auto* c, open(record));
    cores.push_back(c);
  }
  return cores;
}

Result<std::size_t> CoreRegistry::count() {
  HC_TRY(auto records, storage_.list_cores());
  return records.size();
}

Result<core::Core*> CoreRegistry::open(const core::CoreRecord& record) {
  HC_TRY(auto opened, core::Core::open(storage_, record));
  return adopt(std::move(opened));
}

core::Core* CoreRegistry::adopt(std::unique_ptr<core::Core> core) {
  auto* raw = core.get();
  raw->events().on_append = [this, key = raw->key()](std::uint64_t, std::uint64_t) {
    on_append(key);
  };
  open_[raw->key()] = std::move(core);
  return raw;
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

void CoreRegistry::on_append(const Hash32& key) {
  auto it = listeners_.find(key);
  if (it == listeners_.end()) return;
  // A listener may add or remove listeners: call copies of the current ones.
  std::vector<AppendListener> current;
  current.reserve(it->second.size());
  for (const auto& [id, listener] : it->second) current.push_back(listener);
  for (const auto& listener : current) listener();
}

}  // namespace hc::daemon
