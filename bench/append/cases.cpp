#include "cases.hpp"

#include <sodium.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "blocks.hpp"
#include "core/core.hpp"
#include "core/memory_storage.hpp"
#include "storage/sqlite_storage.hpp"

namespace hc::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

template <class T>
T check(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message());
  return std::move(*r);
}

void check(Status s, const char* what) {
  if (!s) throw std::runtime_error(std::string(what) + ": " + s.error().message());
}

// A fresh directory under `parent`, removed with everything in it on scope exit.
class TempDir {
 public:
  explicit TempDir(const fs::path& parent) {
    std::string tmpl = (parent / "cpp-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct DirSize {
  std::uint64_t apparent = 0;   // sum of file sizes
  std::uint64_t allocated = 0;  // blocks the file system gave them
};

DirSize dir_size(const fs::path& dir) {
  DirSize s;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    struct stat st {};
    if (::stat(e.path().c_str(), &st) != 0) continue;
    s.apparent += static_cast<std::uint64_t>(st.st_size);
    s.allocated += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return s;
}

// CPU time of this process (all threads), user + system.
double cpu_seconds() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  const auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

std::string to_hex(const Hash32& h) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : h) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

// The storage of one case: a SQLite database in the case's directory, or memory.
class Store {
 public:
  Store(const Setup& setup, const fs::path& dir) : setup_(setup), file_(dir / "cores.db") {}

  core::Storage& open() {
    if (setup_.backend == Backend::memory) {
      if (!memory_) memory_ = std::make_unique<core::MemoryStorage>();
      return *memory_;
    }
    storage::Options o;
    o.durability = setup_.durability_full ? storage::Durability::full : storage::Durability::normal;
    sqlite_ = check(storage::SqliteStorage::open(file_, o), "SqliteStorage::open");
    return *sqlite_;
  }
  // Closes the database (memory keeps its contents, as a reopen would find them).
  void close() { sqlite_.reset(); }

 private:
  const Setup& setup_;
  fs::path file_;
  std::unique_ptr<storage::SqliteStorage> sqlite_;
  std::unique_ptr<core::MemoryStorage> memory_;
};

// Each call is committed before the next (Storage::settle), as the daemon
// commits each core.append request's appends before it reads the next.
void append_all(core::Storage& storage, core::Core& core, const BlockPool& pool,
                std::uint64_t count, std::size_t batch) {
  if (batch == 1) {
    for (std::uint64_t i = 0; i < count; i++) {
      check(core.append(pool[i]), "Core::append");
      check(storage.settle(), "Storage::settle");
    }
    return;
  }
  std::vector<ByteView> views(batch);
  for (std::uint64_t i = 0; i < count; i += batch) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(batch, count - i));
    for (std::size_t k = 0; k < n; k++) views[k] = pool[i + k];
    check(core.append(std::span<const ByteView>(views.data(), n)), "Core::append");
    check(storage.settle(), "Storage::settle");
  }
}

json rate(json r, std::size_t size, std::uint64_t count, double secs, double cpu) {
  r["count"] = count;
  r["seconds"] = secs;
  r["cpu_seconds"] = cpu;
  r["blocks_per_s"] = static_cast<double>(count) / secs;
  r["mb_per_s"] = static_cast<double>(count) * static_cast<double>(size) / secs / 1e6;
  return r;
}

std::unique_ptr<core::Core> create_core(core::Storage& storage) {
  core::Core::CreateOptions o;
  o.key_pair = crypto::random_key_pair();
  return check(core::Core::create(storage, o), "Core::create");
}

}  // namespace

json run_append(const Setup& setup, const Case& c) {
  if (c.batch == 0 || c.size == 0 || c.size % 4 != 0) throw std::invalid_argument("bad case");
  const BlockPool pool(c.size);
  const TempDir dir(setup.tmp);
  Store store(setup, dir.path());
  core::Storage& storage = store.open();
  auto core = create_core(storage);

  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  append_all(storage, *core, pool, c.count, c.batch);
  const auto t1 = Clock::now();
  const double cpu1 = cpu_seconds();

  if (core->length() != c.count) throw std::runtime_error("append: wrong length");
  const std::string tree_hash = to_hex(core->tree_hash());
  core.reset();
  store.close();

  json r = rate({{"side", "cpp"}, {"kind", "append"}, {"size", c.size}, {"batch", c.batch}}, c.size,
                c.count, seconds_between(t0, t1), cpu1 - cpu0);
  r["tree_hash"] = tree_hash;
  if (setup.backend == Backend::sqlite) {
    const DirSize d = dir_size(dir.path());
    r["disk_bytes"] = d.apparent;
    r["disk_allocated"] = d.allocated;
  }
  r["raw_bytes"] = c.count * c.size;
  return r;
}

json run_read(const Setup& setup, const Case& c) {
  if (c.size == 0 || c.size % 4 != 0) throw std::invalid_argument("bad case");
  const BlockPool pool(c.size);
  const TempDir dir(setup.tmp);
  Store store(setup, dir.path());
  Hash32 key;
  {
    core::Storage& storage = store.open();
    auto writer = create_core(storage);
    key = writer->key();
    append_all(storage, *writer, pool, c.count, 100);
  }
  store.close();

  const auto t0 = Clock::now();
  auto core = check(core::Core::open(store.open(), key), "Core::open");
  const auto t1 = Clock::now();
  if (core->length() != c.count) throw std::runtime_error("read: wrong length after reopen");
  std::uint64_t bytes = 0;
  const double cpu1 = cpu_seconds();
  for (std::uint64_t i = 0; i < c.count; i++) bytes += check(core->get(i), "Core::get").size();
  const auto t2 = Clock::now();
  const double cpu2 = cpu_seconds();

  if (bytes != c.count * c.size) throw std::runtime_error("read: wrong byte count");
  for (std::uint64_t i : {std::uint64_t{0}, c.count / 2, c.count - 1}) {
    if (!equal(check(core->get(i), "Core::get"), pool[i])) {
      throw std::runtime_error("read: block " + std::to_string(i) + " differs");
    }
  }
  core.reset();
  store.close();

  json r = rate({{"side", "cpp"}, {"kind", "read"}, {"size", c.size}, {"batch", 1}}, c.size, c.count,
                seconds_between(t1, t2), cpu2 - cpu1);
  r["open_seconds"] = seconds_between(t0, t1);
  return r;
}

json blake2b_rate(double seconds) {
  if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
  const Bytes buf = make_block(65536, 0);
  unsigned char out[32];
  std::uint64_t n = 0;
  const auto t0 = Clock::now();
  auto t1 = t0;
  do {
    for (int k = 0; k < 16; k++, n++) {
      crypto_generichash(out, sizeof out, buf.data(), buf.size(), nullptr, 0);
    }
    t1 = Clock::now();
  } while (seconds_between(t0, t1) < seconds);
  const double secs = seconds_between(t0, t1);
  return {{"side", "cpp"}, {"kind", "blake2b"}, {"size", buf.size()}, {"count", n},
          {"seconds", secs}, {"mb_per_s", static_cast<double>(n * buf.size()) / secs / 1e6}};
}

json sign_rate(double seconds) {
  if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  Bytes msg = make_block(112, 0);  // the size of hypercore's treeSignable
  unsigned char sig[crypto_sign_BYTES];
  std::uint64_t n = 0;
  const auto t0 = Clock::now();
  auto t1 = t0;
  do {
    for (int k = 0; k < 16; k++, n++) {
      msg[0] = static_cast<std::uint8_t>(n);
      crypto_sign_detached(sig, nullptr, msg.data(), msg.size(), sk);
    }
    t1 = Clock::now();
  } while (seconds_between(t0, t1) < seconds);
  const double secs = seconds_between(t0, t1);
  return {{"side", "cpp"}, {"kind", "ed25519_sign"}, {"size", msg.size()}, {"count", n},
          {"seconds", secs}, {"per_s", static_cast<double>(n) / secs}};
}

}  // namespace hc::bench
