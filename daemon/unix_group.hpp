// Looks up a Unix group by name, for --socket-group (the control socket's
// group). Reads the group database (NSS); no other I/O.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace hc::daemon {

// The id of group `name`, or nullopt if there is no such group.
std::optional<gid_t> find_group(const std::string& name);

}  // namespace hc::daemon
