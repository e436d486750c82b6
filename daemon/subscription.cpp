#include "subscription.hpp"

#include <cassert>
#include <utility>

#include "proto/jsonrpc.hpp"
#include "proto/utf8.hpp"
#include "rpc_handlers.hpp"

namespace hc::daemon {

proto::Outcome<std::string> Subscription::next_line() {
  assert(has_more());
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
