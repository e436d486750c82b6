#include "socket_path.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

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

// The daemon's default, for a daemon run by this user.
std::filesystem::path own_socket_path() {
  if (const char* run = env("XDG_RUNTIME_DIR")) return std::filesystem::path(run) / "hypercored.sock";
  return data_dir() / "hypercored.sock";
}

}  // namespace

std::filesystem::path default_socket_path() {
  const auto own = own_socket_path();
  // No daemon of one's own, but the system service runs: use it, so that its
  // users need no --socket.
  std::error_code ec;
  if (std::filesystem::symlink_status(own, ec).type() == std::filesystem::file_type::not_found &&
      std::filesystem::exists(kSystemSocket, ec)) {
    return kSystemSocket;
  }
  return own;
}

}  // namespace hc::ctl
