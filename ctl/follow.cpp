// corectl follow and tail -f: one core.follow call, then one core.block
// notification per block, printed as it arrives (output.hpp print_block).
// Blocks are asked for in base64, so any bytes come and the JSON form of each
// is decided here, as for get and tail. Output is flushed after each block so
// that a pipe or a terminal sees it at once, which also lets SIGINT end the
// process at any moment with everything received already printed.
//
// When the core moves to a new fork (truncated here, or by its writer on a
// peer), the daemon says so first: "truncated to N (fork F)" goes to stderr
// (with --json also {"event": "truncate", "length", "fork"} on stdout), and
// the blocks from N on follow, from the new fork.
//
// On a terminal (stderr), following a core the daemon downloads draws a
// progress line until every block it has was printed (progress.hpp).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <utility>

#include "client.hpp"
#include "commands.hpp"
#include "core_arg.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "proto/methods.hpp"
#include "proto/truncate_methods.hpp"
#include "tail.hpp"

namespace hc::ctl {
namespace {

extern "C" void exit_on_interrupt(int) { ::_exit(kExitOk); }

int follow_with(Client& client, const GlobalOptions& opts, const proto::CoreRef& core,
                std::uint64_t start, bool base64) {
  auto result = client.call(
      proto::kCoreFollow,
      proto::to_json(proto::FollowParams{core, start, proto::BlockEncoding::base64}));
  if (!result) return fail(result.error());
  auto followed = proto::from_json<proto::FollowResult>(*result);
  if (!followed) return fail_result(proto::kCoreFollow, followed.error());
  std::uint64_t expected = start;
  // On a terminal, a progress line while a downloaded core catches up.
  auto progress = FollowProgress::start(opts, core, expected);
  for (;;) {
    if (progress && !client.readable_within(FollowProgress::kRefresh)) {
      if (!progress->refresh(expected)) progress.reset();
      continue;
    }
    auto message = client.next_notification();
    if (!message) return fail(message.error());
    if (message->method == proto::kCoreTruncated) {
      auto cut = proto::from_json<proto::TruncateNotification>(message->params);
      if (!cut) return fail_result(proto::kCoreTruncated, cut.error());
      if (cut->subscription != followed->subscription) continue;
      expected = std::min(expected, cut->length);
      std::cout.flush();  // blocks before it come first on a shared terminal
      if (progress) progress->hide();
      std::cerr << "truncated to " << cut->length << " (fork " << cut->fork << ")\n";
      if (opts.json) {
        print_json_line({{"event", "truncate"}, {"length", cut->length}, {"fork", cut->fork}});
        std::cout.flush();
      }
      continue;
    }
    if (message->method != proto::kCoreBlock) continue;  // other notifications: not ours
    auto block = proto::from_json<proto::BlockNotification>(message->params);
    if (!block) return fail_result(proto::kCoreBlock, block.error());
    if (block->subscription != followed->subscription) continue;
    if (block->index != expected) {
      print_failure("hypercored sent block " + std::to_string(block->index) + ", expected " +
                    std::to_string(expected));
      return kExitFailed;
    }
    expected++;
    if (progress) progress->hide();
    print_block(block->index, std::move(block->block), opts.json, base64);
    std::cout.flush();
    if (!std::cout) {
      print_failure("cannot write to stdout");
      return kExitFailed;
    }
    if (progress && !progress->refresh(expected)) progress.reset();
  }
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = exit_on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
}

}  // namespace

int run_follow(const GlobalOptions& opts, const std::string& core, std::uint64_t start,
               bool base64) {
  install_interrupt_handler();
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  return follow_with(*client, opts, parse_core_arg(core), start, base64);
}

int run_tail_follow(const GlobalOptions& opts, const std::string& core, std::uint64_t n,
                    bool base64) {
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  const auto ref = parse_core_arg(core);
  std::uint64_t length = 0;
  if (int rc = print_last_blocks(*client, opts, ref, n, base64, length)) return rc;
  // Ctrl-C during the tail ends the process as any signal does; from here on
  // it exits 0 with all output written (the handler comes before the flush).
  install_interrupt_handler();
  std::cout.flush();
  // Blocks appended since the tail are not lost: follow sends everything
  // from the length the tail ended at.
  return follow_with(*client, opts, ref, length, base64);
}

}  // namespace hc::ctl
