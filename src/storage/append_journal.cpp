#include "append_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "errors.hpp"
#include "log.hpp"

namespace hc::storage {
namespace {

std::error_code io_failure(const std::filesystem::path& path, const char* what) {
  const int e = errno;
  logger()->error("{}: {} failed: {}", path.string(), what, std::strerror(e));
  return make_error_code(Errc::io_error);
}

// Writes all of bytes at offset, or fails.
bool write_at(int fd, ByteView bytes, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<AppendJournal>> AppendJournal::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return io_failure(path, "open");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK) return std::unique_ptr<AppendJournal>();
    errno = e;
    return io_failure(path, "flock");
  }
  return std::unique_ptr<AppendJournal>(new AppendJournal(path, fd));
}

AppendJournal::~AppendJournal() {
  if (fd_ >= 0) ::close(fd_);  // also drops the lock
}

Status AppendJournal::append(const core::CoreUpdate& u) {
  buffer_.clear();
  encode_append_record(seq_, u, buffer_);
  if (!write_at(fd_, buffer_, end_)) return io_failure(path_, "writing an append record");
  end_ += buffer_.size();
  seq_++;
  return {};
}

void AppendJournal::restart() {
  if (end_ == 0) return;
  // Unmade by overwriting the first record's magic; if that fails, records
  // go on after the old ones, which a later read() checks against SQLite.
  static constexpr std::uint8_t kZeros[4] = {};
  if (write_at(fd_, ByteView(kZeros, sizeof kZeros), 0)) {
    end_ = 0;
  } else {
    (void)io_failure(path_, "restarting the append journal");
  }
}

Result<std::vector<AppendRecord>> AppendJournal::read() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return io_failure(path_, "fstat");
  // The journal holds at most 64 small appends (SqliteStorage), far below
  // this; a larger file is damage past its first records.
  constexpr off_t kMaxReadBytes = off_t{256} << 20;
  if (st.st_size > kMaxReadBytes) {
    logger()->warn("{}: {} bytes, more than an append journal holds; reading the first {}",
                   path_.string(), st.st_size, kMaxReadBytes);
  }
  Bytes bytes(static_cast<std::size_t>(std::min(st.st_size, kMaxReadBytes)));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_failure(path_, "reading the append journal");
    if (n == 0) break;  // shorter than fstat said: read what is there
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  std::vector<AppendRecord> records;
  for (std::size_t at = 0; at < bytes.size();) {
    auto next = decode_append_record(ByteView(bytes).subspan(at));
    if (!next) break;
    if (!records.empty() && next->first.seq != records.back().seq + 1) break;
    at += next->second;
    records.push_back(std::move(next->first));
  }
  return records;
}

Status AppendJournal::clear() {
  if (::ftruncate(fd_, 0) != 0) return io_failure(path_, "emptying the append journal");
  end_ = 0;
  return {};
}

}  // namespace hc::storage
