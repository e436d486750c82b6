#include "pending_writes.hpp"

#include "layout.hpp"

namespace hc::storage {

void PendingWrites::add(const core::CoreUpdate& u,
                        std::span<const std::optional<std::int64_t>> file_refs) {
  Core& c = cores_[u.core];
  for (const auto& node : u.nodes) c.rows[node_key(u.core, node.index)].node = node;
  for (std::size_t i = 0; i < u.blocks.size(); i++) {
    const auto& [index, data] = u.blocks[i];
    Row& row = c.rows[block_key(u.core, index)];
    row.file = i < file_refs.size() ? file_refs[i] : std::nullopt;
    if (row.file) row.data.reset(); else row.data = to_bytes(data);
  }
  for (const auto& page : u.bitfield) c.pages[page.index] = page.bits;
  if (u.tree) c.tree = u.tree;
}

const PendingWrites::Row* PendingWrites::find(core::CoreId core, std::int64_t key) const {
  auto c = cores_.find(core);
  if (c == cores_.end()) return nullptr;
  auto row = c->second.rows.find(key);
  return row == c->second.rows.end() ? nullptr : &row->second;
}

}  // namespace hc::storage
