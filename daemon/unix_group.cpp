#include "unix_group.hpp"

#include <grp.h>

#include <cerrno>
#include <vector>

namespace hc::daemon {

std::optional<gid_t> find_group(const std::string& name) {
  // Groups with many members need more than the suggested buffer: grow it.
  std::vector<char> buffer(4096);
  for (;;) {
    group entry{};
    group* found = nullptr;
    const int rc = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE && buffer.size() < (1u << 24)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || !found) return std::nullopt;
    return found->gr_gid;
  }
}

}  // namespace hc::daemon
