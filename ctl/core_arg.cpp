#include "core_arg.hpp"

#include <string>

#include "encoding/key_id.hpp"

namespace hc::ctl {

proto::CoreRef parse_core_arg(std::string_view arg) {
  if (auto key = encoding::decode_key_id(arg)) return proto::CoreRef::by_key(*key);
  return proto::CoreRef::by_name(std::string(arg));
}

}  // namespace hc::ctl
