#include "block_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "errors.hpp"
#include "log.hpp"

namespace hc::storage {
namespace {

// File descriptors kept open: a seeder with many cores reads a few at a time.
constexpr std::size_t kOpenFiles = 64;

std::error_code io_failure(const std::filesystem::path& path, std::string_view what) {
  logger()->error("{}: {} failed: {}", path.string(), what, std::strerror(errno));
  return make_error_code(Errc::io_error);
}

// Makes a directory entry durable (a new file in it, or it in its parent).
bool sync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

BlockFiles::File::~File() {
  if (fd >= 0) ::close(fd);
}

BlockFiles::BlockFiles(std::filesystem::path dir, std::uint64_t sync_bytes)
    : dir_(std::move(dir)), sync_bytes_(sync_bytes) {
  thread_ = std::thread([this] { run(); });
}

BlockFiles::~BlockFiles() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::filesystem::path BlockFiles::path_of(core::CoreId core) const {
  return dir_ / std::to_string(core);
}

Result<std::shared_ptr<BlockFiles::File>> BlockFiles::open_file(core::CoreId core,
                                                                std::uint64_t recorded_end,
                                                                bool create) {
  if (auto it = by_core_.find(core); it != by_core_.end()) {
    open_.splice(open_.begin(), open_, it->second);
    return open_.front();
  }
  if (!dir_made_ && create) {
    std::error_code ec;
    if (std::filesystem::create_directory(dir_, ec) && dir_.has_parent_path()) {
      (void)sync_dir(dir_.parent_path());
    }
    if (ec) {
      logger()->error("{}: cannot create the block directory: {}", dir_.string(), ec.message());
      return Errc::io_error;
    }
    dir_made_ = true;
  }
  const std::filesystem::path path = path_of(core);
  auto file = std::make_shared<File>();
  file->core = core;
  // A file that rows point into is never made anew: its blocks would read
  // back as zeros from a hole.
  create = create && recorded_end == 0;
  file->fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
  if (file->fd < 0 && errno == ENOENT && !create) {
    logger()->error("{}: the block file is missing: the store is damaged", path.string());
    return Errc::corrupt;
  }
  if (file->fd < 0) return io_failure(path, "open");
  struct stat st {};
  if (::fstat(file->fd, &st) != 0) return io_failure(path, "fstat");
  file->end = std::max(static_cast<std::uint64_t>(st.st_size), recorded_end);
  if (st.st_size == 0) {
    // Perhaps new: its directory entry must reach the disk before any sync
    // of its bytes is recorded.
    std::lock_guard lock(mutex_);
    dir_dirty_ = true;
  }
  open_.push_front(file);
  by_core_[core] = open_.begin();
  if (open_.size() > kOpenFiles) {
    by_core_.erase(open_.back()->core);
    open_.pop_back();
  }
  return file;
}

Result<std::uint64_t> BlockFiles::append(core::CoreId core, std::uint64_t recorded_end,
                                         ByteView data) {
  HC_TRY(std::shared_ptr<File> file, open_file(core, recorded_end, true));
  // (The file may have been opened to read, and been shorter than the rows say.)
  const std::uint64_t offset = std::max(file->end, recorded_end);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(file->fd, data.data() + done, data.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_failure(path_of(core), "write");
    done += static_cast<std::size_t>(n);
  }
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    file->end = offset + data.size();
    dirty_[core] = file;
    dirty_bytes_ += data.size();
    wake = dirty_bytes_ >= sync_bytes_;
  }
  if (wake) wake_.notify_one();
  return offset;
}

Result<Bytes> BlockFiles::read(core::CoreId core, std::uint64_t offset, std::size_t size) {
  auto file = open_file(core, 0, false);
  if (!file) return file.error();
  Bytes out(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread((*file)->fd, out.data() + done, size - done,
                              static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_failure(path_of(core), "read");
    if (n == 0) {
      logger()->error("{}: a block at {} of {} bytes is past the end of the file: it is damaged",
                      path_of(core).string(), offset, size);
      return Errc::corrupt;
    }
    done += static_cast<std::size_t>(n);
  }
  return out;
}

Result<std::uint64_t> BlockFiles::sync(core::CoreId core) {
  if (!by_core_.count(core) && !std::filesystem::exists(path_of(core))) return std::uint64_t{0};
  HC_TRY(std::shared_ptr<File> file, open_file(core, 0, false));
  std::uint64_t end = 0;
  bool dir_dirty = false;
  {
    std::lock_guard lock(mutex_);
    end = file->end;
    dir_dirty = dir_dirty_;
    dir_dirty_ = false;
  }
  if (dir_dirty && !sync_dir(dir_)) return io_failure(dir_, "fsync");
  if (::fdatasync(file->fd) != 0) return io_failure(path_of(core), "fdatasync");
  return end;
}

std::map<core::CoreId, std::uint64_t> BlockFiles::take_synced() {
  std::lock_guard lock(mutex_);
  return std::exchange(synced_, {});
}

void BlockFiles::run() {
  while (true) {
    std::vector<std::pair<std::shared_ptr<File>, std::uint64_t>> files;
    bool dir_dirty = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || dirty_bytes_ >= sync_bytes_; });
      if (stop_) return;
      for (const auto& [core, file] : dirty_) files.emplace_back(file, file->end);
      dirty_.clear();
      dirty_bytes_ = 0;
      dir_dirty = std::exchange(dir_dirty_, false);
    }
    // Not synced: recorded as it was, and checked after a crash.
    if (dir_dirty && !sync_dir(dir_)) continue;
    std::map<core::CoreId, std::uint64_t> done;
    for (const auto& [file, end] : files) {
      if (::fdatasync(file->fd) != 0) continue;
      done[file->core] = end;
      // Written once and seldom read soon after: the synced pages leave the
      // page cache, which then recycles a few MiB instead of growing by all
      // that is downloaded (and first-touching new memory for each page).
      if (end > file->dropped) {
        (void)::posix_fadvise(file->fd, static_cast<off_t>(file->dropped),
                              static_cast<off_t>(end - file->dropped), POSIX_FADV_DONTNEED);
        file->dropped = end;
      }
    }
    std::lock_guard lock(mutex_);
    for (const auto& [core, end] : done) synced_[core] = std::max(synced_[core], end);
  }
}

}  // namespace hc::storage
