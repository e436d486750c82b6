#include "primary_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "crypto/hash.hpp"
#include "crypto/sign.hpp"

namespace hc::daemon {
namespace {
std::error_code last_error() { return {errno, std::generic_category()}; }
}  // namespace

Result<Hash32> load_or_create_primary_key(const std::filesystem::path& file) {
  Hash32 key{};
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = ::read(fd, key.data(), key.size());
    char extra;
    ssize_t more = ::read(fd, &extra, 1);
    ::close(fd);
    if (n != static_cast<ssize_t>(key.size()) || more != 0) {
      return std::make_error_code(std::errc::invalid_argument);
    }
    return key;
  }
  if (errno != ENOENT) return last_error();

  crypto::random_bytes(key);
  // Write to a temporary file, then link it in place: a crash never leaves a
  // half-written key, and a concurrent creator cannot be overwritten.
  auto tmp = file;
  tmp += ".tmp";
  fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return last_error();
  bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::link(tmp.c_str(), file.c_str()) != 0) {
    auto ec = last_error();
    ::unlink(tmp.c_str());
    return ec;
  }
  ::unlink(tmp.c_str());
  return key;
}

crypto::KeyPair peer_key_pair(const Hash32& primary_key) {
  // A domain string of its own: no named core can derive this seed.
  return crypto::key_pair_from_seed(
      crypto::hash({as_bytes("hypercored peer key pair"), ByteView(primary_key)}));
}

}  // namespace hc::daemon
