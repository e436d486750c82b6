// corectl append: messages from the command line, or one block per stdin
// line sent in bounded batches (kAppendBatchBlocks / kAppendBatchBytes), one
// core.append request at a time, so a pipe of any length uses bounded memory.
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "client.hpp"
#include "commands.hpp"
#include "encoding/key_id.hpp"
#include "output.hpp"
#include "proto/methods.hpp"

namespace hc::ctl {
namespace {

using proto::BlockEncoding;

class Appender {
 public:
  // REQUIRES: `client` outlives the Appender.
  Appender(Client& client, std::string name, bool json)
      : client_(client), name_(std::move(name)), json_(json) {}

  // Adds a block; sends the batch when it is full. Returns an exit code.
  int add(std::string_view block) {
    batch_bytes_ += block.size();
    batch_.emplace_back(block.begin(), block.end());
    if (batch_.size() >= kAppendBatchBlocks || batch_bytes_ >= kAppendBatchBytes) return flush();
    return kExitOk;
  }

  // Sends what is left; with nothing sent at all, one empty append (it still
  // answers the length and creates the named core).
  int finish() {
    if (!batch_.empty() || requests_ == 0) return flush();
    return kExitOk;
  }

  void print() const {
    if (json_) {
      print_json_line(proto::to_json(result_));
      return;
    }
    if (result_.created) std::cout << "key: " << encoding::encode_key_id(result_.key) << '\n';
    std::cout << "length: " << result_.length << '\n';
  }

 private:
  int flush() {
    proto::AppendParams params{proto::CoreRef::by_name(name_), std::move(batch_), BlockEncoding::utf8};
    batch_ = {};
    batch_bytes_ = 0;
    auto j = proto::to_json(params);
    if (!j) {  // a block that is not UTF-8 text: send this batch as base64
      params.encoding = BlockEncoding::base64;
      j = proto::to_json(params);
      if (!j) return report(ClientError{ClientError::Kind::protocol, j.error().message});
    }
    const std::size_t count = params.blocks.size();
    params = {};
    auto result = client_.call(proto::kCoreAppend, std::move(*j));
    if (!result) return report(result.error());
    auto r = proto::from_json<proto::AppendResult>(*result);
    if (!r) return fail_result(proto::kCoreAppend, r.error());
    const bool created = result_.created || r->created;
    result_ = *r;
    result_.created = created;
    requests_++;
    appended_ += count;
    return kExitOk;
  }

  // A failure after earlier batches were acknowledged says how far it got.
  int report(ClientError error) {
    if (requests_ > 0)
      error.message += "; " + std::to_string(appended_) + " blocks were appended before (length " +
                       std::to_string(result_.length) + ")";
    return fail(error);
  }

  Client& client_;
  std::string name_;
  std::vector<Bytes> batch_;
  std::size_t batch_bytes_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t appended_ = 0;
  bool json_ = false;
  proto::AppendResult result_;
};

}  // namespace

int run_append(const GlobalOptions& opts, const std::string& name,
               const std::vector<std::string>& messages) {
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  Appender appender(*client, name, opts.json);

  if (!messages.empty()) {
    for (const auto& m : messages)
      if (int rc = appender.add(m)) return rc;
  } else {
    std::string line;
    while (std::getline(std::cin, line))
      if (int rc = appender.add(line)) return rc;
    if (std::cin.bad()) {
      print_failure("cannot read stdin");
      return kExitFailed;
    }
  }
  if (int rc = appender.finish()) return rc;
  appender.print();
  return kExitOk;
}

}  // namespace hc::ctl
