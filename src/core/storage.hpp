// The persistence a Core needs, declared here and implemented below it:
// MemoryStorage (tests) and, in src/storage, SQLite.
//
// A Storage holds many cores. Each write() applies a group of CoreUpdates in
// one atomic transaction: either all of it is durable when write() returns, or
// none of it is. Implementations are used from one thread at a time.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bitfield.hpp"
#include "crypto/sign.hpp"
#include "encoding/bytes.hpp"
#include "encoding/result.hpp"
#include "manifest.hpp"
#include "merkle_tree.hpp"

namespace hc::core {

using CoreId = std::int64_t;

// What is stored about a core besides its blocks, nodes and bitfield.
struct CoreRecord {
  CoreId id = 0;                                // assigned by create_core
  Hash32 key{};
  Hash32 discovery_key{};
  std::optional<std::string> name;              // local name of a writable core
  std::optional<Manifest> manifest;             // null until a reader learns it
  std::optional<crypto::SecretKey> secret_key;  // writable cores only
  TreeState tree;
};

// One atomic change to one core. Order of application: truncate, then nodes,
// blocks, bitfield pages, header.
struct CoreUpdate {
  CoreId core = 0;
  std::optional<std::uint64_t> truncate;  // drop blocks >= n and nodes outside the tree of n
  std::vector<TreeNode> nodes;
  std::vector<std::pair<std::uint64_t, ByteView>> blocks;  // views live until write() returns
  std::vector<BitfieldPage> bitfield;
  std::optional<TreeState> tree;          // the new header tree state
  std::optional<Manifest> manifest;       // a manifest learned from a peer
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Stores a new core and returns its id; core_exists if the key or name is taken.
  virtual Result<CoreId> create_core(const CoreRecord& record) = 0;
  virtual Result<std::optional<CoreRecord>> find_core(const Hash32& key) = 0;
  virtual Result<std::optional<CoreRecord>> find_named_core(std::string_view name) = 0;
  // The core a peer names by its discovery key (a channel open). This default
  // reads every core; implementations do better.
  virtual Result<std::optional<CoreRecord>> find_core_by_discovery_key(const Hash32& discovery_key);
  virtual Result<std::vector<CoreRecord>> list_cores() = 0;
  // The keys of every core without a secret key (one we do not write), in
  // creation order. This default reads every core; implementations do better.
  virtual Result<std::vector<Hash32>> remote_core_keys();
  // How many cores list_cores() would return, without reading them.
  virtual Result<std::uint64_t> count_cores() = 0;

  virtual Result<std::optional<TreeNode>> get_node(CoreId core, std::uint64_t index) = 0;
  virtual Result<std::optional<Bytes>> get_block(CoreId core, std::uint64_t index) = 0;
  virtual Result<std::vector<BitfieldPage>> load_bitfield(CoreId core) = 0;

  virtual Status write(std::span<const CoreUpdate> updates) = 0;

  // Group commit, for bursts of writes whose loss in a crash costs only work
  // (verified blocks from a peer, fetched again after a restart), never for
  // anything acknowledged to a user. Between begin_group() and end_group()
  // each write() is still atomic and seen by every later read, but the group
  // becomes durable at once at end_group(): one commit instead of one per
  // write. An implementation may hold a group's writes back and merge them:
  // a write() that is refused for what it contains still fails at once and
  // changes nothing, but a failure of the storage itself may then surface at
  // a later read or at end_group(), and fails the whole group. If end_group()
  // fails, none of the group's writes happened, while the Cores that made
  // them believe they did: their owner must drop them (or stop). Groups do
  // not nest. By default each write stands alone.
  virtual Status begin_group() { return {}; }
  virtual Status end_group() { return {}; }

  // An implementation may make a small append durable without committing it
  // (SqliteStorage: in its append journal), so that write() returns sooner;
  // reads see it at once. settle() commits what is held that way, as does any
  // later write it does not hold and begin_group(). A failure to commit
  // surfaces here (or at that later call) and fails every later write: the
  // appends are kept for the next open, while the Cores that made them go on
  // believing them written, so their owner must stop. By default nothing is
  // held.
  virtual Status settle() { return {}; }
};

// Tree indexes a truncation to `length` removes besides those >= 2*length:
// the ancestors of leaf 2*length that sit left of it (they span past the end).
std::vector<std::uint64_t> truncated_ancestors(std::uint64_t length);

}  // namespace hc::core
