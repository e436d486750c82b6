#include "subscription.hpp"

#include <cassert>
#include <utility>

#include "proto/jsonrpc.hpp"
#include "rpc_handlers.hpp"

namespace hc::daemon {

proto::Outcome<std::string> Subscription::next_line() {
  assert(has_more());
  auto block = core_->get(next_index_);
  if (!block) return to_proto_error(block.error());
  auto params = proto::to_json(
      proto::BlockNotification{id_, next_index_, std::move(*block), encoding_});
  if (!params) return params.error();
  next_index_++;
  return proto::to_line(proto::notification(proto::kCoreBlock, std::move(*params)));
}

}  // namespace hc::daemon
