// corectl truncate: cut a local writable core to a length, at a new fork
// (hypercore's core.truncate); prints the core's info after it, as create
// and info do. Followers of the core, here and on peers, hear of it.
#include "commands.hpp"
#include "core_arg.hpp"
#include "output.hpp"
#include "proto/methods.hpp"
#include "proto/truncate_methods.hpp"
#include "request.hpp"

namespace hc::ctl {

int run_truncate(const GlobalOptions& opts, const std::string& core, std::uint64_t length) {
  return request<proto::CoreInfo>(
      opts, proto::kCoreTruncate,
      proto::to_json(proto::TruncateParams{parse_core_arg(core), length}),
      [&](const proto::CoreInfo& info) { return show_info(opts, info); });
}

}  // namespace hc::ctl
