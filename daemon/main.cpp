// hypercored: the daemon. For now it locks its data directory (one daemon per
// directory), opens its primary key and database, prints what it holds, tells
// systemd it is ready, and waits for SIGTERM/SIGINT.
// The control socket and replication come with the next issues.
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "encoding/key_id.hpp"
#include "instance_lock.hpp"
#include "paths.hpp"
#include "primary_key.hpp"
#include "storage/sqlite_storage.hpp"
#include "systemd_notify.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  CLI::App app{"hypercored: a Hypercore peer that owns, persists and replicates cores"};
  std::string data_dir = hc::daemon::default_data_dir().string();
  std::string log_level = "info";
  std::string durability = "normal";
  app.add_option("--data-dir", data_dir, "Data directory")
      ->envname("HYPERCORED_DATA_DIR")
      ->capture_default_str();
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
  spdlog::set_level(spdlog::level::from_str(log_level));

  // Block the stop signals before anything else so sigwait() receives them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

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
  spdlog::info("waiting for SIGTERM or SIGINT (control socket and replication come later)");
  hc::daemon::notify_systemd("READY=1");

  int sig = 0;
  sigwait(&stop, &sig);
  hc::daemon::notify_systemd("STOPPING=1");
  spdlog::info("received {}, closing the database", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  storage->reset();
  spdlog::info("stopped");
  return 0;
}
