// Requests for proofs and the proofs that answer them, as the `request` and
// `data` messages of hypercore@11.37.1 lib/messages.js carry them.
//
// A block proof carries the block and the sibling hashes up to a node the
// requester trusts; an upgrade proof carries the nodes that take the
// requester's roots to the responder's, and the signature of the responder's
// whole tree; hash and seek proofs locate a node or a byte offset.
#pragma once

#include <optional>
#include <vector>

#include "crypto/hash.hpp"
#include "encoding/bytes.hpp"
#include "manifest.hpp"

namespace hc::core {

using crypto::TreeNode;

struct ProofRequest {
  struct Indexed {
    std::uint64_t index = 0;  // block number (block) or tree index (hash)
    std::uint64_t nodes = 0;  // how many missing tree levels to include
    bool operator==(const Indexed&) const = default;
  };
  struct Seek {
    std::uint64_t bytes = 0;
    std::uint64_t padding = 0;
    bool operator==(const Seek&) const = default;
  };
  struct Upgrade {
    std::uint64_t start = 0;   // the requester's length
    std::uint64_t length = 0;  // how many blocks to add
    bool operator==(const Upgrade&) const = default;
  };

  std::uint64_t id = 0;
  std::uint64_t fork = 0;
  std::optional<Indexed> block;
  std::optional<Indexed> hash;
  std::optional<Seek> seek;
  std::optional<Upgrade> upgrade;
  bool manifest = false;
  std::uint64_t priority = 0;
  bool operator==(const ProofRequest&) const = default;
};

struct Proof {
  struct Block {
    std::uint64_t index = 0;
    Bytes value;
    std::vector<TreeNode> nodes;
    bool operator==(const Block&) const = default;
  };
  struct Hash {
    std::uint64_t index = 0;
    std::vector<TreeNode> nodes;
    bool operator==(const Hash&) const = default;
  };
  struct Seek {
    std::uint64_t bytes = 0;
    std::vector<TreeNode> nodes;
    bool operator==(const Seek&) const = default;
  };
  struct Upgrade {
    std::uint64_t start = 0;
    std::uint64_t length = 0;
    std::vector<TreeNode> nodes;
    std::vector<TreeNode> additional_nodes;
    Bytes signature;  // of the responder's full tree; empty = none
    bool operator==(const Upgrade&) const = default;
  };

  std::uint64_t request = 0;  // the request id it answers (0: unsolicited)
  std::uint64_t fork = 0;
  std::optional<Block> block;
  std::optional<Hash> hash;
  std::optional<Seek> seek;
  std::optional<Upgrade> upgrade;
  std::optional<Manifest> manifest;
  bool operator==(const Proof&) const = default;
};

}  // namespace hc::core
