// Making proofs (responder side), as hypercore@11.37.1 lib/merkle-tree.js
// generateProof and its helpers. Output is byte-identical to Node's for the
// same tree and request.
//
// The block value and manifest are not filled in here: the caller owns block
// storage and the header. A request that does not fit the tree (out of range
// upgrade, too many nodes, a seek past the end) fails with invalid_operation.
#pragma once

#include <optional>

#include "manifest.hpp"
#include "merkle_tree.hpp"
#include "proof.hpp"

namespace hc::core {

Result<Proof> make_proof(NodeReader& reader, const TreeState& tree, const ProofRequest& request,
                         const std::optional<Prologue>& prologue = std::nullopt);

}  // namespace hc::core
