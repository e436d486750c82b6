// hypercored's settings and the optional JSON config file that may set them
// (design.md "Paths and defaults"). Precedence, highest first: command-line
// flag, HYPERCORED_* environment variable, config file, built-in default.
// main() lets CLI11 apply flags and the environment, then applies the config
// file to the keys they left alone.
//
// A config file is one JSON object whose keys are the long flag names with '_'
// for '-' ("data_dir" for --data-dir). Unknown keys, wrong types and bad values
// are errors, never ignored: a typo must not silently fall back to a default.
// Every error is one line naming the file and the key.
//
// Pure functions, except apply_config_file, which reads a file.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hc::daemon {

struct Settings {
  std::string data_dir;        // main() starts it at default_data_dir()
  std::string socket;          // empty: default_socket_path(data_dir)
  std::string log_level = "info";
  std::string durability = "normal";
  std::string socket_group;    // empty: the socket is 0600; else 0660 in this group
  std::string listen;          // HOST:PORT to accept peers on; empty: none
  std::vector<std::string> peers;  // HOST:PORT of each peer to dial ("peer" in the file)
};

inline constexpr std::array<std::string_view, 5> kLogLevels{"trace", "debug", "info", "warn",
                                                            "error"};
inline constexpr std::array<std::string_view, 2> kDurabilities{"normal", "full"};

// Keys set by a flag or an environment variable: the config file does not
// override them (it is still checked in full).
using GivenKeys = std::set<std::string, std::less<>>;

// The keys a config file may hold.
std::vector<std::string_view> config_keys();

// The long flag of a config key: "data_dir" -> "--data-dir".
std::string flag_of(std::string_view key);

// Applies config-file text onto `settings`, except the `given` keys. `origin`
// names the file in errors. Returns "" on success, else one line such as
// `/etc/hypercored/config.json: "log_level" must be one of trace, ..., not "loud"`.
std::string apply_config(std::string_view text, std::string_view origin, const GivenKeys& given,
                         Settings& settings);

// Reads `path` and applies it as apply_config does; a missing or unreadable
// file is an error too.
std::string apply_config_file(const std::filesystem::path& path, const GivenKeys& given,
                              Settings& settings);

}  // namespace hc::daemon
