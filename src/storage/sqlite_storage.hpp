// SQLite persistence of many cores in one database file (WAL mode),
// implementing core::Storage.
//
// One connection, used by one thread at a time. write() is one transaction:
// all updates of a call commit together (group commit). With
// Durability::normal (synchronous=NORMAL) a committed write survives a process
// crash; Durability::full (synchronous=FULL) also survives power loss.
#pragma once

#include <filesystem>
#include <memory>

#include "core/storage.hpp"

namespace hc::storage {

enum class Durability { normal, full };

struct Options {
  Durability durability = Durability::normal;  // see above
  bool create = true;                          // create the file if missing
};

class SqliteStorage final : public core::Storage {
 public:
  // Opens (or creates) the database; a damaged, truncated or foreign file, or
  // a schema newer than this build knows, is an error, never a crash.
  static Result<std::unique_ptr<SqliteStorage>> open(const std::filesystem::path& file,
                                                     const Options& options = {});
  ~SqliteStorage() override;

  Result<core::CoreId> create_core(const core::CoreRecord& record) override;
  Result<std::optional<core::CoreRecord>> find_core(const Hash32& key) override;
  Result<std::optional<core::CoreRecord>> find_named_core(std::string_view name) override;
  Result<std::vector<core::CoreRecord>> list_cores() override;
  Result<std::optional<core::TreeNode>> get_node(core::CoreId core, std::uint64_t index) override;
  Result<std::optional<Bytes>> get_block(core::CoreId core, std::uint64_t index) override;
  Result<std::vector<core::BitfieldPage>> load_bitfield(core::CoreId core) override;
  Status write(std::span<const core::CoreUpdate> updates) override;

  int schema_version() const;

 private:
  struct Impl;
  explicit SqliteStorage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hc::storage
