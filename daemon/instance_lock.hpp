// One daemon per data directory: an exclusive flock on <data dir>/lock, held
// for the life of the process (the kernel drops it when the process dies, so
// a crash never leaves a stale lock behind).
#pragma once

#include <filesystem>

#include "encoding/result.hpp"

namespace hc::daemon {

class InstanceLock {
 public:
  // Fails with errc::resource_unavailable_try_again when another process holds it.
  static Result<InstanceLock> acquire(const std::filesystem::path& data_dir);
  InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&&) = delete;
  InstanceLock(const InstanceLock&) = delete;
  ~InstanceLock();

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace hc::daemon
