#include "instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace hc::daemon {

Result<InstanceLock> InstanceLock::acquire(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::error_code(errno, std::generic_category());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno == EWOULDBLOCK ? EAGAIN : errno;
    ::close(fd);
    return std::error_code(err, std::generic_category());
  }
  return InstanceLock(fd);
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace hc::daemon
