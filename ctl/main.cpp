// corectl: the command-line client of hypercored (design.md "corectl").
// Parses the command line, then hands over to one command in commands.hpp.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "output.hpp"
#include "socket_path.hpp"

namespace {

// CLI11 2.1 quietly wraps "-1" and overflows into huge unsigned values.
const CLI::Validator kUnsigned(
    [](std::string& s) -> std::string {
      std::uint64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || s[0] == '-' || ec != std::errc() || end != s.data() + s.size())
        return "'" + s + "' is not a non-negative 64-bit integer";
      return {};
    },
    "", "unsigned");

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  using namespace hc::ctl;

  CLI::App app{"corectl: drive hypercored, the Hypercore daemon, over its control socket"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the command
  GlobalOptions opts;
  std::string socket;
  app.add_option("--socket", socket,
                 "control socket (default: $XDG_RUNTIME_DIR/hypercored.sock, else "
                 "<data dir>/hypercored.sock)")
      ->envname("HYPERCORED_SOCKET");
  app.add_flag("--json", opts.json, "print each result as one JSON object per line");
  double timeout_s = 30;
  app.add_option("--timeout", timeout_s,
                 "seconds to wait for each answer of the daemon (0: no limit; a follow waits "
                 "for new blocks without limit)")
      ->envname("HYPERCORED_TIMEOUT")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0 * 365));

  std::string name, core;
  std::vector<std::string> messages;
  std::uint64_t index = 0, n = 10;
  bool base64 = false;
  const std::string show_base64 =
      "print each block in base64, one per line (with --json: \"encoding\": \"base64\")";

  auto* create = app.add_subcommand("create", "create a named writable core; prints its info");
  create->add_option("name", name, "name of the core")->required();
  bool compat = false;
  create->add_flag("--compat", compat,
                   "key = the public key, as Hypercore 10 made them (default: the manifest hash, "
                   "as a Node Corestore does)");

  auto* append = app.add_subcommand(
      "append", "append blocks to a named core (created if needed); prints the new length");
  append->add_option("name", name, "name of the core")->required();
  append->add_option("message", messages, "blocks to append (default: one per stdin line)");
  append->add_flag("--base64", base64,
                   "each message or stdin line is one block in base64 (standard alphabet, with "
                   "padding). Stdin lines go in batches of up to 1000: a bad line fails its "
                   "batch, and the batches before it are already appended");

  auto* get = app.add_subcommand("get", "print one block");
  get->add_option("core", core, "key (hex or z-base32) or name")->required();
  get->add_option("index", index, "index of the block")->required()->check(kUnsigned);
  get->add_flag("--base64", base64, show_base64);

  auto* info = app.add_subcommand("info", "print a core's key, length and state");
  info->add_option("core", core, "key (hex or z-base32) or name")->required();

  auto* list = app.add_subcommand("list", "list the cores the daemon holds");

  auto* tail = app.add_subcommand("tail", "print the last blocks of a core");
  tail->add_option("core", core, "key (hex or z-base32) or name")->required();
  tail->add_option("-n", n, "how many blocks")->capture_default_str()->check(kUnsigned);
  bool tail_follow = false;
  tail->add_flag("-f,--follow", tail_follow, "then print blocks as they are appended, until Ctrl-C");
  tail->add_flag("--base64", base64, show_base64);

  std::uint64_t start = 0;
  auto* follow = app.add_subcommand(
      "follow", "print a core's blocks from --start, then new ones as they are appended, until Ctrl-C");
  follow->add_option("core", core, "key (hex or z-base32) or name")->required();
  follow->add_option("--start", start, "first block to print")->capture_default_str()->check(kUnsigned);
  follow->add_flag("--base64", base64, show_base64);

  auto* status = app.add_subcommand("status", "print the daemon's version and state");

  std::uint64_t length = 0;
  auto* truncate = app.add_subcommand(
      "truncate", "cut a named writable core to LENGTH blocks, at a new fork; prints its info");
  truncate->add_option("core", core, "key (hex or z-base32) or name")->required();
  truncate->add_option("length", length, "blocks to keep")->required()->check(kUnsigned);

  std::string key, address;
  auto* seed = app.add_subcommand(
      "seed", "download every block of a core from the daemon's peers and keep serving it");
  seed->add_option("key", key, "key of the core (hex or z-base32)")->required();
  auto* connect = app.add_subcommand(
      "connect", "make the daemon dial a peer (hypercored --listen) and keep the connection");
  connect->add_option("address", address, "host:port of the peer")->required();
  auto* peers = app.add_subcommand("peers", "list the daemon's connected peers");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  opts.socket = socket.empty() ? default_socket_path() : std::filesystem::path(socket);
  opts.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));

  int rc = kExitUsage;
  if (create->parsed()) rc = run_create(opts, name, compat);
  else if (append->parsed()) rc = run_append(opts, name, messages, base64);
  else if (get->parsed()) rc = run_get(opts, core, index, base64);
  else if (info->parsed()) rc = run_info(opts, core);
  else if (list->parsed()) rc = run_list(opts);
  else if (tail->parsed())
    rc = tail_follow ? run_tail_follow(opts, core, n, base64) : run_tail(opts, core, n, base64);
  else if (follow->parsed()) rc = run_follow(opts, core, start, base64);
  else if (status->parsed()) rc = run_status(opts);
  else if (truncate->parsed()) rc = run_truncate(opts, core, length);
  else if (seed->parsed()) rc = run_seed(opts, key);
  else if (connect->parsed()) rc = run_connect(opts, address);
  else if (peers->parsed()) rc = run_peers(opts);

  std::cout.flush();
  if (!std::cout) {
    print_failure("cannot write to stdout");
    return kExitFailed;
  }
  return rc;
}
