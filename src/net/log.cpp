#include "log.hpp"

namespace hc::net {

std::shared_ptr<spdlog::logger> logger() {
  if (auto l = spdlog::get("net")) return l;
  return spdlog::default_logger();
}

}  // namespace hc::net
