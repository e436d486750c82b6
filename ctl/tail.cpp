#include "tail.hpp"

#include <utility>

#include "core_arg.hpp"
#include "output.hpp"

namespace hc::ctl {
namespace {

using proto::BlockEncoding;

int print_one(Client& client, const GlobalOptions& opts, const proto::CoreRef& core,
              std::uint64_t index, bool base64) {
  auto result = client.call(proto::kCoreGet,
                            proto::to_json(proto::GetParams{core, index, BlockEncoding::base64}));
  if (!result) return fail(result.error());
  auto got = proto::from_json<proto::GetResult>(*result);
  if (!got) return fail_result(proto::kCoreGet, got.error());
  print_block(index, std::move(got->block), opts.json, base64);
  return kExitOk;
}

}  // namespace

int print_last_blocks(Client& client, const GlobalOptions& opts, const proto::CoreRef& core,
                      std::uint64_t n, bool base64, std::uint64_t& length) {
  // base64 whatever the output: any bytes come back; print_block picks the form.
  auto result = client.call(proto::kCoreTail,
                            proto::to_json(proto::TailParams{core, n, BlockEncoding::base64}));
  if (!result) return fail(result.error());
  auto tail = proto::from_json<proto::TailResult>(*result);
  if (!tail) return fail_result(proto::kCoreTail, tail.error());
  length = tail->start + tail->blocks.size();
  const std::uint64_t wanted = length > n ? length - n : 0;
  for (std::uint64_t i = wanted; i < tail->start; i++)
    if (int rc = print_one(client, opts, core, i, base64)) return rc;
  for (std::size_t k = 0; k < tail->blocks.size(); k++) {
    const std::uint64_t index = tail->start + k;
    if (index >= wanted)  // a daemon that sent more than n: only the last n
      print_block(index, std::move(tail->blocks[k]), opts.json, base64);
  }
  return kExitOk;
}

int run_tail(const GlobalOptions& opts, const std::string& core, std::uint64_t n, bool base64) {
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  std::uint64_t length = 0;
  return print_last_blocks(*client, opts, parse_core_arg(core), n, base64, length);
}

}  // namespace hc::ctl
