#include "socket_path.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace hc::ctl {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

std::filesystem::path data_dir() {
  if (const char* xdg = env("XDG_DATA_HOME")) return std::filesystem::path(xdg) / "hypercored";
  const char* home = env("HOME");
  if (!home) {
    if (const passwd* pw = ::getpwuid(::getuid())) home = pw->pw_dir;
  }
  return std::filesystem::path(home ? home : ".") / ".local/share/hypercored";
}

}  // namespace

std::filesystem::path default_socket_path() {
  if (const char* run = env("XDG_RUNTIME_DIR")) return std::filesystem::path(run) / "hypercored.sock";
  return data_dir() / "hypercored.sock";
}

}  // namespace hc::ctl
