// The measured cases of bench/append, C++ side; append.js runs the same ones on
// the Node reference. Each case gets a fresh data directory under the plan's
// tmp directory and removes it when done. Results are JSON objects with the
// same fields as append.js prints.
//
// Failures (storage or core errors) throw std::runtime_error: this is a
// command-line tool, and main() turns them into a message and exit code 1.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace hc::bench {

enum class Backend { sqlite, memory };

struct Case {
  std::string kind;          // "append" or "read"
  std::size_t size = 1024;   // block size in bytes, a multiple of 4
  std::uint64_t count = 0;   // blocks
  std::size_t batch = 1;     // blocks per append call ("append" only)
};

struct Setup {
  std::filesystem::path tmp;           // parent of the per-case data directories
  Backend backend = Backend::sqlite;   // memory: core::MemoryStorage, no disk (diagnostic)
  bool durability_full = false;        // SqliteStorage Durability::full instead of normal
};

// Appends `count` blocks `batch` at a time to a new core (each call returns
// after its commit), then closes it and measures the data directory.
nlohmann::json run_append(const Setup& setup, const Case& c);

// Writes `count` blocks in batches of 100 (untimed), closes, reopens from disk
// and times get(i) for every i in order.
nlohmann::json run_read(const Setup& setup, const Case& c);

// libsodium BLAKE2b-256 of 64 KiB buffers (MB/s) and ed25519 signatures of a
// 112-byte tree signable (per second), each for about `seconds`.
nlohmann::json blake2b_rate(double seconds);
nlohmann::json sign_rate(double seconds);

}  // namespace hc::bench
