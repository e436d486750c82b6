#include "recent_blocks.hpp"

#include <algorithm>

namespace hc::storage {

void RecentBlocks::keep(std::span<const core::CoreUpdate> updates) {
  entries_.clear();
  std::size_t blocks = 0, bytes = 0;
  for (const auto& u : updates) {
    blocks += u.blocks.size();
    for (const auto& block : u.blocks) bytes += block.second.size();
  }
  if (blocks > max_blocks_ || bytes > max_bytes_) return;
  for (const auto& u : updates) {
    if (u.truncate) {
      std::erase_if(entries_, [&](const Entry& e) { return e.core == u.core && e.index >= *u.truncate; });
    }
    for (const auto& block : u.blocks) {
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
      const std::uint64_t index = block.first;
      const ByteView data = block.second;
      auto same = std::find_if(entries_.begin(), entries_.end(),
                               [&](const Entry& e) { return e.core == u.core && e.index == index; });
      if (same != entries_.end()) {
        same->data.assign(data.begin(), data.end());
      } else {
        entries_.push_back({u.core, index, Bytes(data.begin(), data.end())});
      }
    }
  }
}

const Bytes* RecentBlocks::find(core::CoreId core, std::uint64_t index) const {
  for (const auto& e : entries_) {
    if (e.core == core && e.index == index) return &e.data;
  }
  return nullptr;
}

}  // namespace hc::storage
