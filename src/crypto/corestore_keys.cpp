#include "corestore_keys.hpp"

#include "hash.hpp"

namespace hc::crypto::corestore {

const Hash32& ns() {
  static const Hash32 v = namespace_ids("corestore", 1)[0];
  return v;
}

Hash32 child_namespace(const Hash32& parent, std::string_view name) {
  return hash({parent, as_bytes(name)});
}

Hash32 derive_seed(const Hash32& primary_key, const Hash32& namespace_id, std::string_view name) {
  return keyed_hash({ns(), namespace_id, as_bytes(name)}, primary_key);
}

KeyPair derive_key_pair(const Hash32& primary_key, const Hash32& namespace_id,
                        std::string_view name) {
  return key_pair_from_seed(derive_seed(primary_key, namespace_id, name));
}

}  // namespace hc::crypto::corestore
