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

}  // namespace hc::daemon
