#include "memory_storage.hpp"

#include "errors.hpp"

namespace hc::core {

Result<CoreId> MemoryStorage::create_core(const CoreRecord& record) {
  for (const auto& [id, c] : cores_) {
    if (c.record.key == record.key) return Errc::core_exists;
    if (record.name && c.record.name == record.name) return Errc::core_exists;
  }
  Stored s;
  s.record = record;
  s.record.id = next_id_++;
  cores_.emplace(s.record.id, s);
  return s.record.id;
}

Result<std::optional<CoreRecord>> MemoryStorage::find_core(const Hash32& key) {
  for (const auto& [id, c] : cores_) {
    if (c.record.key == key) return std::optional<CoreRecord>(c.record);
  }
  return std::optional<CoreRecord>();
}

Result<std::optional<CoreRecord>> MemoryStorage::find_named_core(std::string_view name) {
  for (const auto& [id, c] : cores_) {
    if (c.record.name && *c.record.name == name) return std::optional<CoreRecord>(c.record);
  }
  return std::optional<CoreRecord>();
}

Result<std::optional<CoreRecord>> MemoryStorage::find_core_by_discovery_key(
    const Hash32& discovery_key) {
  for (const auto& [id, c] : cores_) {
    if (c.record.discovery_key == discovery_key) return std::optional<CoreRecord>(c.record);
  }
  return std::optional<CoreRecord>();
}

Result<std::vector<CoreRecord>> MemoryStorage::list_cores() {
  std::vector<CoreRecord> out;
  for (const auto& [id, c] : cores_) out.push_back(c.record);
  return out;
}

Result<std::uint64_t> MemoryStorage::count_cores() { return cores_.size(); }

Result<std::optional<TreeNode>> MemoryStorage::get_node(CoreId core, std::uint64_t index) {
  auto c = cores_.find(core);
  if (c == cores_.end()) return Errc::core_not_found;
  auto it = c->second.nodes.find(index);
  if (it == c->second.nodes.end()) return std::optional<TreeNode>();
  return std::optional<TreeNode>(it->second);
}

Result<std::optional<Bytes>> MemoryStorage::get_block(CoreId core, std::uint64_t index) {
  auto c = cores_.find(core);
  if (c == cores_.end()) return Errc::core_not_found;
  auto it = c->second.blocks.find(index);
  if (it == c->second.blocks.end()) return std::optional<Bytes>();
  return std::optional<Bytes>(it->second);
}

Result<std::vector<BitfieldPage>> MemoryStorage::load_bitfield(CoreId core) {
  auto c = cores_.find(core);
  if (c == cores_.end()) return Errc::core_not_found;
  std::vector<BitfieldPage> out;
  for (const auto& [i, bits] : c->second.bitfield) out.push_back({i, bits});
  return out;
}

Status MemoryStorage::write(std::span<const CoreUpdate> updates) {
  for (const auto& u : updates) {
    if (!cores_.count(u.core)) return Errc::core_not_found;
  }
  for (const auto& u : updates) {
    Stored& s = cores_.at(u.core);
    if (u.truncate) {
      const std::uint64_t n = *u.truncate;
      s.blocks.erase(s.blocks.lower_bound(n), s.blocks.end());
      s.nodes.erase(s.nodes.lower_bound(2 * n), s.nodes.end());
      for (auto i : truncated_ancestors(n)) s.nodes.erase(i);
    }
    for (const auto& n : u.nodes) s.nodes[n.index] = n;
    for (const auto& [i, data] : u.blocks) s.blocks[i] = to_bytes(data);
    for (const auto& p : u.bitfield) s.bitfield[p.index] = p.bits;
    if (u.tree) s.record.tree = *u.tree;
    if (u.manifest) s.record.manifest = *u.manifest;
  }
  return {};
}

}  // namespace hc::core
