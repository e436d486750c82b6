// hypercored: the daemon. It locks its data directory (one daemon per
// directory), opens its primary key and database, serves the control protocol
// on a Unix socket, tells systemd it is ready, and stops on SIGTERM/SIGINT.
// One io_context on this thread runs everything (design.md "Runtime model").
// Replication comes with the next issue.
#include <signal.h>
#include <sys/stat.h>

#include <asio.hpp>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "encoding/key_id.hpp"
#include "instance_lock.hpp"
#include "core_registry.hpp"
#include "paths.hpp"
#include "primary_key.hpp"
#include "rpc_handlers.hpp"
#include "rpc_server.hpp"
#include "storage/sqlite_storage.hpp"
#include "systemd_notify.hpp"

namespace fs = std::filesystem;

namespace {

// Serves the control socket until SIGTERM/SIGINT; returns the exit code.
int serve(asio::io_context& io, asio::signal_set& signals, hc::core::Storage& storage,
          const hc::Hash32& primary_key, const std::string& socket_path) {
  hc::daemon::CoreRegistry registry(storage, primary_key);
  hc::daemon::RpcHandlers handlers(registry);
  auto server = hc::daemon::RpcServer::listen(io, socket_path, handlers);
  if (!server) {
    if (server.error() == std::errc::address_in_use) {
      spdlog::error("control socket {} is in use (another hypercored? use --socket)",
                    socket_path);
    } else {
      spdlog::error("cannot listen on control socket {}: {}", socket_path,
                    server.error().message());
    }
    return 1;
  }
  signals.async_wait([&](const asio::error_code& wait_ec, int sig) {
    if (wait_ec) return;
    hc::daemon::notify_systemd("STOPPING=1");
    spdlog::info("received {}, closing the control socket",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    (*server)->stop();
  });
  spdlog::info("listening on {}", socket_path);
  hc::daemon::notify_systemd("READY=1");
  // Returns once the acceptor and every connection are closed.
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hypercored: a Hypercore peer that owns, persists and replicates cores"};
  std::string data_dir = hc::daemon::default_data_dir().string();
  std::string log_level = "info";
  std::string durability = "normal";
  std::string socket_path;
  app.add_option("--data-dir", data_dir, "Data directory")
      ->envname("HYPERCORED_DATA_DIR")
      ->capture_default_str();
  app.add_option("--socket", socket_path,
                 "Control socket (default: $XDG_RUNTIME_DIR/hypercored.sock, else "
                 "<data dir>/hypercored.sock)")
      ->envname("HYPERCORED_SOCKET");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->envname("HYPERCORED_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--durability", durability, "normal (survives a crash) or full (fsync per commit)")
      ->envname("HYPERCORED_DURABILITY")
      ->check(CLI::IsMember({"normal", "full"}))
      ->capture_default_str();
  app.set_version_flag("--version", std::string("hypercored ") + HC_VERSION);
  CLI11_PARSE(app, argc, argv);

  auto log = spdlog::stderr_color_mt("hypercored");
  spdlog::set_default_logger(log);
  spdlog::register_logger(log->clone("rpc"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (socket_path.empty()) socket_path = hc::daemon::default_socket_path(data_dir).string();

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
  options.durability =
      durability == "full" ? hc::storage::Durability::full : hc::storage::Durability::normal;
  const auto db_path = hc::daemon::database_path(data_dir);
  auto storage = hc::storage::SqliteStorage::open(db_path, options);
  if (!storage) {
    spdlog::error("cannot open database {}: {}", db_path.string(), storage.error().message());
    return 1;
  }
  auto cores = (*storage)->list_cores();
  if (!cores) {
    spdlog::error("cannot read database {}: {}", db_path.string(), cores.error().message());
    return 1;
  }

  spdlog::info("hypercored {} started: data dir {}, database schema v{}, {} cores", HC_VERSION,
               data_dir, (*storage)->schema_version(), cores->size());
  for (const auto& c : *cores) {
    spdlog::info("core {} {} length {} fork {}", hc::encoding::encode_key_id(c.key),
                 c.name ? "(" + *c.name + ")" : std::string("(remote)"), c.tree.length,
                 c.tree.fork);
  }

  // The open cores go (at the end of serve) before the storage they use.
  if (int rc = serve(io, signals, **storage, *primary, socket_path); rc != 0) return rc;
  spdlog::info("closing the database");
  storage->reset();
  spdlog::info("stopped");
  return 0;
}
