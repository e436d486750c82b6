// Storage kept in memory, for tests of the core layer (like leveldb's memenv).
// write() is atomic: it validates nothing that can fail halfway.
#pragma once

#include <map>
#include <unordered_map>

#include "storage.hpp"

namespace hc::core {

class MemoryStorage final : public Storage {
 public:
  Result<CoreId> create_core(const CoreRecord& record) override;
  Result<std::optional<CoreRecord>> find_core(const Hash32& key) override;
  Result<std::optional<CoreRecord>> find_named_core(std::string_view name) override;
  Result<std::optional<CoreRecord>> find_core_by_discovery_key(const Hash32& discovery_key) override;
  Result<std::vector<CoreRecord>> list_cores() override;
  Result<std::uint64_t> count_cores() override;
  Result<std::optional<TreeNode>> get_node(CoreId core, std::uint64_t index) override;
  Result<std::optional<Bytes>> get_block(CoreId core, std::uint64_t index) override;
  Result<std::vector<BitfieldPage>> load_bitfield(CoreId core) override;
  Status write(std::span<const CoreUpdate> updates) override;

 private:
  struct Stored {
    CoreRecord record;
    std::map<std::uint64_t, TreeNode> nodes;
    std::map<std::uint64_t, Bytes> blocks;
    std::map<std::uint64_t, Bytes> bitfield;
  };
  std::map<CoreId, Stored> cores_;
  CoreId next_id_ = 1;
};

}  // namespace hc::core
