#include "subscription.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

#include "proto/jsonrpc.hpp"
#include "proto/truncate_methods.hpp"
#include "proto/utf8.hpp"
#include "rpc_handlers.hpp"

namespace hc::daemon {

proto::Outcome<std::string> Subscription::next_line() {
  assert(has_more());
  if (fork_ != core_->fork()) {
    // Where the blocks sent so far stop being the core's: the lowest cut
    // since our fork (0 if the core cannot tell, which resends, never skips).
    const std::uint64_t cut = core_->truncated_since(fork_).value_or(0);
    fork_ = core_->fork();
    next_index_ = std::min(next_index_, cut);
    return proto::to_line(proto::notification(
        proto::kCoreTruncated, proto::to_json(proto::TruncateNotification{id_, cut, fork_})));
  }
  auto block = core_->get(next_index_);
  if (!block) return to_proto_error(block.error());
  // A block that is not text goes out in base64, marked so in its
  // notification, rather than stopping the follow: none may be skipped.
  const auto encoding = encoding_ == proto::BlockEncoding::utf8 && !proto::is_valid_utf8(as_chars(*block))
                            ? proto::BlockEncoding::base64
                            : encoding_;
  auto params =
      proto::to_json(proto::BlockNotification{id_, next_index_, std::move(*block), encoding});
  if (!params) return params.error();
  next_index_++;
  return proto::to_line(proto::notification(proto::kCoreBlock, std::move(*params)));
}

}  // namespace hc::daemon
