#include "log.hpp"

namespace hc::storage {

std::shared_ptr<spdlog::logger> logger() {
  if (auto l = spdlog::get("storage")) return l;
  return spdlog::default_logger();
}

}  // namespace hc::storage
