// Where corectl finds the daemon's control socket (design.md "Paths and
// defaults"): --socket, else $HYPERCORED_SOCKET (both handled by the CLI),
// else $XDG_RUNTIME_DIR/hypercored.sock, else <data dir>/hypercored.sock with
// the data dir $XDG_DATA_HOME/hypercored or ~/.local/share/hypercored — the
// same rule the daemon follows. If nothing is at that path but the system
// service's socket exists (kSystemSocket), that one. Reads the environment and
// checks which of the two paths exist; no other I/O.
#pragma once

#include <filesystem>

namespace hc::ctl {

// Where systemd/hypercored.service.in makes the daemon listen.
inline constexpr const char* kSystemSocket = "/run/hypercored/control.sock";

std::filesystem::path default_socket_path();

}  // namespace hc::ctl
