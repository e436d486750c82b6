// The "rpc" logger of the control socket (style.md: one named logger per
// subsystem). main() registers it; this falls back to the default logger.
#pragma once

#include <memory>

#include <spdlog/spdlog.h>

namespace hc::daemon {

inline spdlog::logger& rpc_log() {
  static std::shared_ptr<spdlog::logger> log =
      spdlog::get("rpc") ? spdlog::get("rpc") : spdlog::default_logger();
  return *log;
}

}  // namespace hc::daemon
