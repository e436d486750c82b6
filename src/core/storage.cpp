#include "storage.hpp"

namespace hc::core {

Result<std::optional<CoreRecord>> Storage::find_core_by_discovery_key(const Hash32& discovery_key) {
  HC_TRY(auto all, list_cores());
  for (auto& record : all) {
    if (record.discovery_key == discovery_key) return std::optional<CoreRecord>(std::move(record));
  }
  return std::optional<CoreRecord>();
}

Result<std::vector<Hash32>> Storage::remote_core_keys() {
  HC_TRY(auto all, list_cores());
  std::vector<Hash32> keys;
  for (const auto& record : all) {
    if (!record.secret_key) keys.push_back(record.key);
  }
  return keys;
}

std::vector<std::uint64_t> truncated_ancestors(std::uint64_t length) {
  std::vector<std::uint64_t> out;
  if (length == 0) return out;
  const std::uint64_t head = 2 * length;
  flat::Iterator ite(head - 2);
  while (true) {
    if (ite.contains(head) && ite.index() < head) out.push_back(ite.index());
    if (flat::offset(ite.index()) == 0) break;  // the leftmost node of its level
    ite.parent();
  }
  return out;
}

}  // namespace hc::core
