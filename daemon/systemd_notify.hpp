// Tells systemd (Type=notify) about the daemon's state, through the datagram
// socket named by $NOTIFY_SOCKET (sd_notify's protocol, without libsystemd).
// Does nothing when the variable is not set.
#pragma once

#include <string_view>

namespace hc::daemon {

// Sends e.g. "READY=1" or "STOPPING=1"; failures are ignored (returns false):
// a missing supervisor must not stop the daemon.
bool notify_systemd(std::string_view state);

}  // namespace hc::daemon
