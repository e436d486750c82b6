// A <key|name> argument: what decodes as a key id (64 hex or 52 z-base32
// characters, optionally behind "pear://", as hypercore-id-encoding) is a
// key, anything else the name of a local core. Pure function.
#pragma once

#include <string_view>

#include "proto/methods.hpp"

namespace hc::ctl {

proto::CoreRef parse_core_arg(std::string_view arg);

}  // namespace hc::ctl
