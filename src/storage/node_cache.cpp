#include "node_cache.hpp"

#include <utility>

namespace hc::storage {

std::optional<std::optional<core::TreeNode>> NodeCache::find(std::int64_t key) {
  if (auto it = known_.find(key); it != known_.end()) return it->second;
  auto it = older_.find(key);
  if (it == older_.end()) return std::nullopt;
  const std::optional<core::TreeNode> node = it->second;
  older_.erase(it);
  put(key, node);  // still in use: keep it in the newer generation
  return node;
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
  older_.clear();
  staged_.clear();
}

void NodeCache::put(std::int64_t key, const std::optional<core::TreeNode>& node) {
  if (capacity_ < 2) return;
  older_.erase(key);  // one generation holds a key, and the newer is right
  if (known_.size() >= capacity_ / 2 && !known_.contains(key)) {
    // The oldest generation goes; its table, already grown, holds the next.
    std::swap(older_, known_);
    known_.clear();
  }
  known_[key] = node;
}

}  // namespace hc::storage
