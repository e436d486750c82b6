// Corestore's derivation of named writable cores, as corestore@7.12.5 index.js
// (deriveSeed, createKeyPair, generateNamespace).
//
// The same primary key, namespace and name give the same key pair as a Node
// Corestore, so a core named "chat" here has the key Node would give it.
#pragma once

#include <string_view>

#include "encoding/bytes.hpp"
#include "sign.hpp"

namespace hc::crypto::corestore {

// The root namespace of a Corestore: 32 zero bytes.
inline constexpr Hash32 kRootNamespace{};

// namespace('corestore', 1)[0]
const Hash32& ns();
// store.namespace(name): H(parent ‖ utf8(name))
Hash32 child_namespace(const Hash32& parent, std::string_view name);
// keyed H(NS ‖ namespace ‖ utf8(name); key = primary_key)
Hash32 derive_seed(const Hash32& primary_key, const Hash32& namespace_id, std::string_view name);
KeyPair derive_key_pair(const Hash32& primary_key, const Hash32& namespace_id,
                        std::string_view name);

}  // namespace hc::crypto::corestore
