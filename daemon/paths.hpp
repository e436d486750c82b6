// Where hypercored keeps its state (design.md "Paths and defaults").
#pragma once

#include <filesystem>

namespace hc::daemon {

// $XDG_DATA_HOME/hypercored, else ~/.local/share/hypercored.
std::filesystem::path default_data_dir();

inline std::filesystem::path database_path(const std::filesystem::path& data_dir) {
  return data_dir / "hypercored.db";
}
// $XDG_RUNTIME_DIR/hypercored.sock, else <data dir>/hypercored.sock.
std::filesystem::path default_socket_path(const std::filesystem::path& data_dir);

// The config file read when none is named: the first that exists of
// $CONFIGURATION_DIRECTORY/config.json (systemd sets it for
// ConfigurationDirectory=; its first entry) and <data dir>/config.json; an
// empty path if neither exists. A path that cannot be checked counts as
// existing, so that reading it reports why.
std::filesystem::path default_config_path(const std::filesystem::path& data_dir);

inline std::filesystem::path primary_key_path(const std::filesystem::path& data_dir) {
  return data_dir / "primary-key";
}

}  // namespace hc::daemon
