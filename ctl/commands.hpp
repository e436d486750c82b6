// corectl's commands: each connects to hypercored, makes its request(s) with
// proto's types and prints the result — plain text for people, or with
// --json one JSON object per line for scripts. Each returns the process exit
// code: 0 success, 1 the daemon refused or failed, 2 hypercored is not
// running, 3 a bad argument; the reason is one line on stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hc::ctl {

struct GlobalOptions {
  std::filesystem::path socket;
  bool json = false;
  std::chrono::milliseconds timeout{30'000};  // per call; zero: no limit
};

// Stdin lines go to the daemon in batches of at most this many blocks and
// bytes (a bigger block goes alone), so memory stays bounded whatever the
// input size and each request stays well under the 16 MiB line limit.
inline constexpr std::size_t kAppendBatchBlocks = 1000;
inline constexpr std::size_t kAppendBatchBytes = 1024 * 1024;

// `base64` (--base64): append takes each block in base64, which the daemon
// decodes; get, tail and follow print each block in base64 (output.hpp).
// Blocks are always read from the daemon in base64, so any bytes print.

int run_create(const GlobalOptions& opts, const std::string& name, bool compat);
// No messages: one block per stdin line (the newline removed). append.cpp.
int run_append(const GlobalOptions& opts, const std::string& name,
               const std::vector<std::string>& messages, bool base64);
int run_get(const GlobalOptions& opts, const std::string& core, std::uint64_t index, bool base64);
int run_info(const GlobalOptions& opts, const std::string& core);
int run_list(const GlobalOptions& opts);
// The last `n` blocks, however big: tail.cpp.
int run_tail(const GlobalOptions& opts, const std::string& core, std::uint64_t n, bool base64);
int run_status(const GlobalOptions& opts);
// Cuts a local writable core to `length` at a new fork. truncate.cpp.
int run_truncate(const GlobalOptions& opts, const std::string& core, std::uint64_t length);
// Replication (peer_commands.cpp): download and keep a core; dial a peer and
// keep the connection; list the connected peers.
int run_seed(const GlobalOptions& opts, const std::string& key);
int run_connect(const GlobalOptions& opts, const std::string& address);
int run_peers(const GlobalOptions& opts);
// Prints blocks from `start`, then live ones as they are appended, until the
// daemon goes or SIGINT (exit 0). follow.cpp.
int run_follow(const GlobalOptions& opts, const std::string& core, std::uint64_t start,
               bool base64);
// tail -f: the last `n` blocks as run_tail, then follows from the length.
int run_tail_follow(const GlobalOptions& opts, const std::string& core, std::uint64_t n,
                    bool base64);

}  // namespace hc::ctl
