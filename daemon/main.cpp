// hypercored: the daemon. It reads its settings (flags, environment, config
// file), locks its data directory (one daemon per directory), opens its
// primary key and database, serves the control protocol on a Unix socket,
// tells systemd it is ready, and stops on SIGTERM/SIGINT.
// One io_context on this thread runs everything (design.md "Runtime model").
// Peers: --listen accepts replication connections, --peer dials them (TCP).
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>

#include <asio.hpp>
#include <CLI/CLI.hpp>
#include <cassert>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "encoding/key_id.hpp"
#include "config.hpp"
#include "core_registry.hpp"
#include "instance_lock.hpp"
#include "net/endpoint.hpp"
#include "peer_manager.hpp"
#include "paths.hpp"
#include "peer_methods.hpp"
#include "primary_key.hpp"
#include "rpc_handlers.hpp"
#include "rpc_server.hpp"
#include "storage/sqlite_storage.hpp"
#include "systemd_notify.hpp"
#include "unix_group.hpp"

namespace fs = std::filesystem;

namespace {

// Serves the control socket until SIGTERM/SIGINT; returns the exit code.
int serve(asio::io_context& io, asio::signal_set& signals, hc::core::Storage& storage,
          const hc::Hash32& primary_key, const hc::daemon::Settings& settings,
          hc::daemon::PeerManager::Options peer_options, std::optional<gid_t> socket_group) {
  const std::string& socket_path = settings.socket;
  hc::daemon::CoreRegistry registry(storage, primary_key);
  // Declared after the registry: connections (and their pins) go first.
  hc::daemon::PeerManager peers(io, registry, hc::daemon::peer_key_pair(primary_key),
                                std::move(peer_options));
  if (auto started = peers.start(); !started) {
    spdlog::error("cannot accept peers on {}: {}", settings.listen, started.error().message());
    return 1;
  }
  hc::daemon::RpcHandlers handlers(registry);
  handlers.set_peer_methods(hc::daemon::make_peer_methods(peers));
  handlers.set_remote_core_hook([&peers](hc::core::Core& core) { peers.replicate(core); });
  handlers.set_peer_count([&peers](const hc::Hash32& key) { return peers.sharing(key); });
  auto server = hc::daemon::RpcServer::listen(io, socket_path, handlers, socket_group);
  if (!server) {
    if (server.error() == std::errc::address_in_use) {
      spdlog::error("control socket {} is in use (another hypercored? use --socket)",
                    socket_path);
    } else {
      spdlog::error("cannot listen on control socket {}{}: {}", socket_path,
                    socket_group ? " (group " + settings.socket_group + ")" : std::string(),
                    server.error().message());
    }
    return 1;
  }
  int exit_code = 0;
  registry.set_fatal_handler([&](const std::string& reason) {
    // Posted: we may be inside a connection's read, which stop() closes.
    asio::post(io, [&, reason] {
      if (exit_code != 0) return;
      exit_code = 1;
      spdlog::critical("stopping: {}", reason);
      signals.cancel();
      peers.stop();
      (*server)->stop();
    });
  });
  signals.async_wait([&](const asio::error_code& wait_ec, int sig) {
    if (wait_ec) return;
    hc::daemon::notify_systemd("STOPPING=1");
    spdlog::info("received {}, closing peer connections and the control socket",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    peers.stop();
    (*server)->stop();
  });
  spdlog::info("listening on {}", socket_path);
  hc::daemon::notify_systemd("READY=1");
  // Returns once the acceptor and every connection are closed.
  io.run();
  return exit_code;
}

// One line per stored core, for debugging.
void log_cores(hc::core::Storage& storage) {
  auto cores = storage.list_cores();
  if (!cores) return;  // start-up goes on; a request will report the error
  for (const auto& c : *cores) {
    spdlog::debug("core {} {} length {} fork {}", hc::encoding::encode_key_id(c.key),
                  c.name ? "(" + *c.name + ")" : std::string("(remote)"), c.tree.length,
                  c.tree.fork);
  }
}

// Flags and environment (CLI11), then the config file for what they left
// unset (config.hpp); `config_used` is the file read, if any. Returns an exit
// code when start-up ends here (--help, --version, bad input).
std::optional<int> load_settings(int argc, char** argv, hc::daemon::Settings& settings,
                                 fs::path& config_used) {
  CLI::App app{"hypercored: a Hypercore peer that owns, persists and replicates cores"};
  std::vector<std::string> log_levels(hc::daemon::kLogLevels.begin(),
                                      hc::daemon::kLogLevels.end());
  std::vector<std::string> durabilities(hc::daemon::kDurabilities.begin(),
                                        hc::daemon::kDurabilities.end());
  std::string config_path;
  settings.data_dir = hc::daemon::default_data_dir().string();
  app.add_option("--data-dir", settings.data_dir, "Data directory")
      ->envname("HYPERCORED_DATA_DIR")
      ->capture_default_str();
  app.add_option("--socket", settings.socket,
                 "Control socket (default: $XDG_RUNTIME_DIR/hypercored.sock, else "
                 "<data dir>/hypercored.sock)")
      ->envname("HYPERCORED_SOCKET");
  app.add_option("--config", config_path,
                 "JSON config file; must exist if given (default, if it exists: "
                 "$CONFIGURATION_DIRECTORY/config.json, else <data dir>/config.json)")
      ->envname("HYPERCORED_CONFIG");
  app.add_option("--log-level", settings.log_level, "trace, debug, info, warn, error")
      ->envname("HYPERCORED_LOG_LEVEL")
      ->check(CLI::IsMember(log_levels))
      ->capture_default_str();
  app.add_option("--durability", settings.durability,
                 "normal (survives a crash) or full (fsync per commit)")
      ->envname("HYPERCORED_DURABILITY")
      ->check(CLI::IsMember(durabilities))
      ->capture_default_str();
  app.add_option("--socket-group", settings.socket_group,
                 "Give the control socket to this group, mode 0660 (default: mode 0600)")
      ->envname("HYPERCORED_SOCKET_GROUP");
  app.add_option("--listen", settings.listen,
                 "Accept replication connections from peers on HOST:PORT (TCP)")
      ->envname("HYPERCORED_LISTEN");
  app.add_option("--peer", settings.peers,
                 "Dial the peer at HOST:PORT and keep replicating with it (repeatable; "
                 "HYPERCORED_PEERS is comma-separated)")
      ->envname("HYPERCORED_PEERS")
      ->delimiter(',');
  app.set_version_flag("--version", std::string("hypercored ") + HC_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  hc::daemon::GivenKeys given;
  for (auto key : hc::daemon::config_keys()) {
    const CLI::Option* opt = app.get_option_no_throw(hc::daemon::flag_of(key));
    assert(opt && "every config key has a flag");
    if (opt && opt->count() > 0) given.emplace(key);
  }
  // An explicit config file must exist; the default one is optional.
  config_used = config_path.empty() ? hc::daemon::default_config_path(settings.data_dir)
                                    : fs::path(config_path);
  if (!config_used.empty()) {
    if (auto error = hc::daemon::apply_config_file(config_used, given, settings); !error.empty()) {
      spdlog::error("{}", error);
      return 1;
    }
  }
  if (settings.socket.empty()) {
    settings.socket = hc::daemon::default_socket_path(settings.data_dir).string();
  }
  return std::nullopt;
}

// The peering settings as endpoints; a bad address ends start-up with one
// line (the config file was checked already; flags and environment are here).
std::optional<hc::daemon::PeerManager::Options> peer_options(
    const hc::daemon::Settings& settings) {
  hc::daemon::PeerManager::Options options;
  if (!settings.listen.empty()) {
    hc::net::Endpoint endpoint;
    if (auto problem = hc::net::parse_endpoint(settings.listen, endpoint, true); !problem.empty()) {
      spdlog::error("--listen \"{}\" is not a valid HOST:PORT: {}", settings.listen, problem);
      return std::nullopt;
    }
    options.listen = endpoint;
  }
  for (const auto& peer : settings.peers) {
    hc::net::Endpoint endpoint;
    if (auto problem = hc::net::parse_endpoint(peer, endpoint); !problem.empty()) {
      spdlog::error("--peer \"{}\" is not a valid HOST:PORT: {}", peer, problem);
      return std::nullopt;
    }
    options.peers.push_back(endpoint);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  // Replication allocates and frees buffers of up to 64 KiB and more for every
  // frame and block. glibc would hand such memory back to the kernel (trim,
  // or an mmap per large buffer), and each new buffer then faults in fresh
  // zeroed pages: a fifth of a reader's time with 64 KiB blocks. Keep it.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  auto log = spdlog::stderr_color_mt("hypercored");
  spdlog::set_default_logger(log);
  spdlog::register_logger(log->clone("rpc"));
  spdlog::register_logger(log->clone("net"));

  hc::daemon::Settings settings;
  fs::path config_used;
  if (auto rc = load_settings(argc, argv, settings, config_used)) return *rc;
  spdlog::set_level(spdlog::level::from_str(settings.log_level));
  if (!config_used.empty()) spdlog::info("config file {}", config_used.string());
  auto peering = peer_options(settings);
  if (!peering) return 1;
  const std::string& data_dir = settings.data_dir;

  std::optional<gid_t> socket_group;
  if (!settings.socket_group.empty()) {
    socket_group = hc::daemon::find_group(settings.socket_group);
    if (!socket_group) {
      spdlog::error("socket group \"{}\" does not exist", settings.socket_group);
      return 1;
    }
  }

  // The one loop of the daemon. Stop signals are handled on it; the signal_set
  // is installed first, so a SIGTERM during start-up is not lost (it is seen
  // once run() starts).
  asio::io_context io(1);
  asio::signal_set signals(io, SIGTERM, SIGINT);

  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data directory {}: {}", data_dir, ec.message());
    return 1;
  }
  ::chmod(data_dir.c_str(), 0700);

  auto lock = hc::daemon::InstanceLock::acquire(data_dir);
  if (!lock) {
    if (lock.error() == std::errc::resource_unavailable_try_again) {
      spdlog::error("another hypercored is already running on {}", data_dir);
    } else {
      spdlog::error("cannot lock data directory {}: {}", data_dir, lock.error().message());
    }
    return 1;
  }

  auto primary = hc::daemon::load_or_create_primary_key(hc::daemon::primary_key_path(data_dir));
  if (!primary) {
    spdlog::error("cannot use primary key {}: {}",
                  hc::daemon::primary_key_path(data_dir).string(), primary.error().message());
    return 1;
  }

  hc::storage::Options options;
  options.durability = settings.durability == "full" ? hc::storage::Durability::full
                                                     : hc::storage::Durability::normal;
  const auto db_path = hc::daemon::database_path(data_dir);
  auto storage = hc::storage::SqliteStorage::open(db_path, options);
  if (!storage) {
    spdlog::error("cannot open database {}: {}", db_path.string(), storage.error().message());
    return 1;
  }
  // Counting reads an index, not every core: start-up stays fast and small
  // with many cores (bench/many-cores).
  auto count = (*storage)->count_cores();
  if (!count) {
    spdlog::error("cannot read database {}: {}", db_path.string(), count.error().message());
    return 1;
  }
  spdlog::info("hypercored {} started: data dir {}, database schema v{}, {} cores, durability {}",
               HC_VERSION, data_dir, (*storage)->schema_version(), *count, settings.durability);
  if (spdlog::should_log(spdlog::level::debug)) log_cores(**storage);

  // Peer connections close and the open cores go (at the end of serve)
  // before the storage they use.
  if (int rc = serve(io, signals, **storage, *primary, settings, std::move(*peering),
                     socket_group);
      rc != 0) {
    return rc;
  }
  spdlog::info("closing the database");
  storage->reset();
  spdlog::info("stopped");
  return 0;
}
