// corectl follow and tail -f: one core.follow call, then one core.block
// notification per block, printed as it arrives (text: the block's bytes and
// '\n'; --json: {"index", "block", "encoding"}). Output is flushed after each
// block so that a pipe or a terminal sees it at once, which also lets SIGINT
// end the process at any moment with everything received already printed.
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "client.hpp"
#include "commands.hpp"
#include "core_arg.hpp"
#include "output.hpp"
#include "proto/methods.hpp"

namespace hc::ctl {
namespace {

extern "C" void exit_on_interrupt(int) { ::_exit(kExitOk); }

int follow_with(Client& client, const GlobalOptions& opts, const proto::CoreRef& core,
                std::uint64_t start) {
  const auto encoding = opts.json ? proto::BlockEncoding::utf8 : proto::BlockEncoding::base64;
  auto result = client.call(proto::kCoreFollow,
                            proto::to_json(proto::FollowParams{core, start, encoding}));
  if (!result) return fail(result.error());
  auto followed = proto::from_json<proto::FollowResult>(*result);
  if (!followed) return fail_result(proto::kCoreFollow, followed.error());
  std::uint64_t expected = start;
  for (;;) {
    auto message = client.next_notification();
    if (!message) return fail(message.error());
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
    if (opts.json) {
      auto j = proto::to_json(proto::GetResult{block->index, block->block, block->encoding});
      if (!j) {
        print_failure(j.error().message);
        return kExitFailed;
      }
      print_json_line(*j);
    } else {
      print_block(block->block);
    }
    std::cout.flush();
    if (!std::cout) {
      print_failure("cannot write to stdout");
      return kExitFailed;
    }
  }
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = exit_on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
}

}  // namespace

int run_follow(const GlobalOptions& opts, const std::string& core, std::uint64_t start) {
  install_interrupt_handler();
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  return follow_with(*client, opts, parse_core_arg(core), start);
}

int run_tail_follow(const GlobalOptions& opts, const std::string& core, std::uint64_t n) {
  install_interrupt_handler();
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  const auto ref = parse_core_arg(core);
  auto result = client->call(proto::kCoreInfo, proto::to_json(proto::InfoParams{ref}));
  if (!result) return fail(result.error());
  auto info = proto::from_json<proto::CoreInfo>(*result);
  if (!info) return fail_result(proto::kCoreInfo, info.error());
  // Blocks appended between info and follow are not lost: follow starts at a
  // fixed index and sends everything from there.
  return follow_with(*client, opts, ref, info->length > n ? info->length - n : 0);
}

}  // namespace hc::ctl
