#include "node_cache.hpp"

namespace hc::storage {

std::optional<std::optional<core::TreeNode>> NodeCache::find(std::int64_t key) const {
  auto it = known_.find(key);
  if (it == known_.end()) return std::nullopt;
  return it->second;
}

void NodeCache::remember(std::int64_t key, const std::optional<core::TreeNode>& node) {
  put(key, node);
}

void NodeCache::stage(std::int64_t key, const core::TreeNode& node) {
  staged_.emplace_back(key, node);
}

void NodeCache::commit_staged() {
  for (const auto& [key, node] : staged_) put(key, node);
  staged_.clear();
}

void NodeCache::clear() {
  known_.clear();
  staged_.clear();
}

void NodeCache::put(std::int64_t key, const std::optional<core::TreeNode>& node) {
  if (capacity_ == 0) return;
  if (known_.size() >= capacity_ && !known_.contains(key)) known_.clear();
  known_[key] = node;
}

}  // namespace hc::storage
