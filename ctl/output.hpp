// How corectl prints: results in text or as JSON lines on stdout, failures as
// one line on stderr. Keys are printed in z-base32 (hypercore-id-encoding),
// with hex beside them in `info`. Writes to std::cout / std::cerr only.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "client.hpp"
#include "encoding/bytes.hpp"
#include "proto/errors.hpp"
#include "proto/methods.hpp"

namespace hc::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitNotRunning = 2;
inline constexpr int kExitUsage = 3;

// "corectl: <message>" on one line (newlines in the message become spaces).
void print_failure(std::string_view message);
// Prints the error and returns the exit code for it.
int fail(const ClientError& error);
// A result that proto could not read: the daemon speaks another protocol.
int fail_result(std::string_view method, const proto::Error& error);

void print_json_line(const nlohmann::json& j);
// One block of get, tail or follow. Text: its bytes, or with `base64` its
// base64 (binary-safe, one line per block), then '\n'. JSON: {"index",
// "block", "encoding"}, the block as UTF-8 text when it is valid UTF-8 and
// not `base64`, else in base64 and marked so, as core.block notifications are
// (proto's GetResult form).
void print_block(std::uint64_t index, Bytes block, bool json, bool base64);
void print_info(const proto::CoreInfo& info);
void print_list_row(const proto::CoreInfo& info);

}  // namespace hc::ctl
