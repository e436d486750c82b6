// The "storage" logger. Libraries log, the daemon chooses sinks and levels: if
// it registered a logger named "storage", that one is used, else spdlog's
// default logger (never registering one here, so the daemon's registration
// cannot collide with ours).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace hc::storage {

std::shared_ptr<spdlog::logger> logger();

}  // namespace hc::storage
