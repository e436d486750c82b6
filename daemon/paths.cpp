#include "paths.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

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

}  // namespace hc::daemon
