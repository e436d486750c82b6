// The "net" logger. Libraries log, the daemon chooses sinks and levels: if it
// registered a logger named "net", that one is used, else spdlog's default.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace hc::net {

std::shared_ptr<spdlog::logger> logger();

}  // namespace hc::net
