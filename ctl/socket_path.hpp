// Where corectl finds the daemon's control socket (design.md "Paths and
// defaults"): --socket, else $HYPERCORED_SOCKET (both handled by the CLI),
// else $XDG_RUNTIME_DIR/hypercored.sock, else <data dir>/hypercored.sock with
// the data dir $XDG_DATA_HOME/hypercored or ~/.local/share/hypercored — the
// same rule the daemon follows. Reads the environment; no other I/O.
#pragma once

#include <filesystem>

namespace hc::ctl {

std::filesystem::path default_socket_path();

}  // namespace hc::ctl
