// corectl append: messages from the command line, or one block per stdin
// line sent in bounded batches (kAppendBatchBlocks / kAppendBatchBytes), one
// core.append request at a time, so a pipe of any length uses bounded memory;
// a batch also goes as soon as stdin has nothing more to read at once, so
// lines typed or trickling in are appended as they come.
// A batch goes as text when all its blocks are UTF-8, else in base64. With
// --base64 each input already is base64 and goes as given: the daemon decodes
// and checks it, and a bad one fails its whole batch (not earlier ones).
#include <poll.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client.hpp"
#include "commands.hpp"
#include "encoding/key_id.hpp"
#include "output.hpp"
#include "proto/methods.hpp"
#include "proto/utf8.hpp"

namespace hc::ctl {
namespace {

using nlohmann::json;
using proto::BlockEncoding;

// i when the daemon refused "blocks[i]" of a request (data.field names it).
std::optional<std::uint64_t> refused_block(const ClientError& error) {
  if (error.kind != ClientError::Kind::rpc || !error.data.is_object()) return std::nullopt;
  auto field = error.data.find("field");
  if (field == error.data.end() || !field->is_string()) return std::nullopt;
  const auto& s = field->get_ref<const std::string&>();
  constexpr std::string_view prefix = "blocks[";
  if (!s.starts_with(prefix) || !s.ends_with(']')) return std::nullopt;
  std::uint64_t i = 0;
  const char* end = s.data() + s.size() - 1;
  auto [p, ec] = std::from_chars(s.data() + prefix.size(), end, i);
  if (ec != std::errc() || p != end) return std::nullopt;
  return i;
}

// Whether more stdin can be read at once: buffered, or ready on the fd.
bool stdin_has_more() {
  if (std::cin.rdbuf()->in_avail() > 0) return true;
  pollfd p{STDIN_FILENO, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

class Appender {
 public:
  // REQUIRES: `client` outlives the Appender. `base64`: inputs are base64;
  // `input` names one in errors ("message", "stdin line").
  Appender(Client& client, std::string name, bool json, bool base64, std::string input)
      : client_(client), name_(std::move(name)), input_(std::move(input)), json_(json),
        base64_(base64) {}

  // Adds a block; sends the batch when it is full. Returns an exit code.
  int add(std::string block) {
    // A block that would overfill the batch starts the next one, so a big
    // block goes alone and a request stays near kAppendBatchBytes otherwise.
    if (!batch_.empty() && batch_bytes_ + block.size() > kAppendBatchBytes)
      if (int rc = flush()) return rc;
    text_ = text_ && (base64_ || proto::is_valid_utf8(block));
    batch_bytes_ += block.size();
    batch_.push_back(std::move(block));
    if (batch_.size() >= kAppendBatchBlocks || batch_bytes_ >= kAppendBatchBytes) return flush();
    return kExitOk;
  }

  // Sends the blocks added so far, if any. Returns an exit code.
  int send() { return batch_.empty() ? kExitOk : flush(); }

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
  // The params of core.append for the batch. The blocks are put in here, not
  // by proto, because --base64 input must reach the daemon unchecked.
  json batch_params() {
    const bool as_given = base64_ || text_;
    json blocks = json::array();
    for (auto& b : batch_) blocks.push_back(as_given ? std::move(b) : proto::to_base64(as_bytes(b)));
    const auto encoding = base64_ || !text_ ? BlockEncoding::base64 : BlockEncoding::utf8;
    json params =
        proto::to_json(proto::AppendParams{proto::CoreRef::by_name(name_), {}, encoding}).value();
    params["blocks"] = std::move(blocks);
    return params;
  }

  int flush() {
    json params = batch_params();
    const std::size_t count = batch_.size();
    batch_ = {};
    batch_bytes_ = 0;
    text_ = true;
    auto result = client_.call(proto::kCoreAppend, std::move(params));
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

  // Names the input the daemon refused ("blocks[i]" of this batch), and says
  // how far the append got when earlier batches were acknowledged.
  int report(ClientError error) {
    if (auto i = refused_block(error))
      error.message = input_ + " " + std::to_string(appended_ + *i + 1) + ": " + error.message;
    if (requests_ > 0)
      error.message += "; " + std::to_string(appended_) + " blocks were appended before (length " +
                       std::to_string(result_.length) + ")";
    return fail(error);
  }

  Client& client_;
  std::string name_;
  std::string input_;
  std::vector<std::string> batch_;
  std::size_t batch_bytes_ = 0;
  bool text_ = true;  // every block of the batch is UTF-8
  std::uint64_t requests_ = 0;
  std::uint64_t appended_ = 0;
  bool json_ = false;
  bool base64_ = false;
  proto::AppendResult result_;
};

}  // namespace

int run_append(const GlobalOptions& opts, const std::string& name,
               const std::vector<std::string>& messages, bool base64) {
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  Appender appender(*client, name, opts.json, base64, messages.empty() ? "stdin line" : "message");

  if (!messages.empty()) {
    for (const auto& m : messages)
      if (int rc = appender.add(m)) return rc;
  } else {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (int rc = appender.add(std::move(line))) return rc;
      // Someone typing, or a slow pipe (tail -f log | corectl append log):
      // what came so far goes now rather than when a batch fills up.
      if (!stdin_has_more())
        if (int rc = appender.send()) return rc;
    }
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
