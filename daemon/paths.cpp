#include "paths.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>
#include <vector>

namespace hc::daemon {

std::filesystem::path default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "hypercored";
  }
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    if (const passwd* pw = ::getpwuid(::getuid())) home = pw->pw_dir;
  }
  return std::filesystem::path(home ? home : ".") / ".local/share/hypercored";
}

std::filesystem::path default_socket_path(const std::filesystem::path& data_dir) {
  if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run && *run) {
    return std::filesystem::path(run) / "hypercored.sock";
  }
  return data_dir / "hypercored.sock";
}

std::filesystem::path default_config_path(const std::filesystem::path& data_dir) {
  std::vector<std::filesystem::path> candidates;
  if (const char* dirs = std::getenv("CONFIGURATION_DIRECTORY"); dirs && *dirs) {
    const std::string_view all(dirs);
    candidates.push_back(std::filesystem::path(all.substr(0, all.find(':'))) / "config.json");
  }
  candidates.push_back(data_dir / "config.json");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::status(c, ec).type() != std::filesystem::file_type::not_found) return c;
  }
  return {};
}

}  // namespace hc::daemon
