#include "commands.hpp"

#include <iostream>
#include <utility>

#include "client.hpp"
#include "core_arg.hpp"
#include "output.hpp"
#include "proto/methods.hpp"

namespace hc::ctl {
namespace {

using nlohmann::json;
using proto::BlockEncoding;

// Connects, calls `method` and reads its result as T; on success hands it to
// `print` and returns 0, else reports the failure and returns its exit code.
template <class T, class Print>
int request(const GlobalOptions& opts, std::string_view method, json params, Print&& print) {
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  auto result = client->call(method, std::move(params));
  if (!result) return fail(result.error());
  auto value = proto::from_json<T>(*result);
  if (!value) return fail_result(method, value.error());
  return print(*value);
}

// Text output writes the block's raw bytes, so it asks for base64 (binary
// safe); --json output shows blocks as text, the protocol's default.
BlockEncoding block_encoding(const GlobalOptions& opts) {
  return opts.json ? BlockEncoding::utf8 : BlockEncoding::base64;
}

int print_block_json(std::uint64_t index, const Bytes& block, BlockEncoding e) {
  auto j = proto::to_json(proto::GetResult{index, block, e});
  if (!j) {
    print_failure(j.error().message);
    return kExitFailed;
  }
  print_json_line(*j);
  return kExitOk;
}

// create and info answer with the same CoreInfo and print it alike.
int show_info(const GlobalOptions& opts, const proto::CoreInfo& info) {
  if (opts.json) {
    print_json_line(proto::to_json(info));
  } else {
    print_info(info);
  }
  return kExitOk;
}

}  // namespace

int run_create(const GlobalOptions& opts, const std::string& name) {
  return request<proto::CoreInfo>(opts, proto::kCoreCreate,
                                  proto::to_json(proto::CreateParams{name}),
                                  [&](const proto::CoreInfo& info) { return show_info(opts, info); });
}

int run_get(const GlobalOptions& opts, const std::string& core, std::uint64_t index) {
  const proto::GetParams params{parse_core_arg(core), index, block_encoding(opts)};
  return request<proto::GetResult>(opts, proto::kCoreGet, proto::to_json(params),
                                   [&](const proto::GetResult& r) {
                                     if (opts.json) return print_block_json(r.index, r.block, r.encoding);
                                     print_block(r.block);
                                     return kExitOk;
                                   });
}

int run_info(const GlobalOptions& opts, const std::string& core) {
  return request<proto::CoreInfo>(opts, proto::kCoreInfo,
                                  proto::to_json(proto::InfoParams{parse_core_arg(core)}),
                                  [&](const proto::CoreInfo& info) { return show_info(opts, info); });
}

// --json: one CoreInfo object per line, so scripts can stream it.
int run_list(const GlobalOptions& opts) {
  return request<proto::ListResult>(opts, proto::kCoreList, json::object(),
                                    [&](const proto::ListResult& r) {
                                      for (const auto& info : r.cores) {
                                        if (opts.json)
                                          print_json_line(proto::to_json(info));
                                        else
                                          print_list_row(info);
                                      }
                                      return kExitOk;
                                    });
}

// --json: one {"index", "block", "encoding"} object per block.
int run_tail(const GlobalOptions& opts, const std::string& core, std::uint64_t n) {
  const proto::TailParams params{parse_core_arg(core), n, block_encoding(opts)};
  return request<proto::TailResult>(opts, proto::kCoreTail, proto::to_json(params),
                                    [&](const proto::TailResult& r) {
                                      for (std::size_t i = 0; i < r.blocks.size(); i++) {
                                        if (!opts.json) {
                                          print_block(r.blocks[i]);
                                        } else if (int rc = print_block_json(r.start + i, r.blocks[i],
                                                                             r.encoding)) {
                                          return rc;
                                        }
                                      }
                                      return kExitOk;
                                    });
}

int run_status(const GlobalOptions& opts) {
  return request<proto::StatusResult>(opts, proto::kDaemonStatus, json::object(),
                                      [&](const proto::StatusResult& s) {
                                        if (opts.json) {
                                          print_json_line(proto::to_json(s));
                                        } else {
                                          std::cout << "version: " << s.version << '\n'
                                                    << "cores: " << s.cores << '\n'
                                                    << "uptime: " << s.uptime_ms / 1000 << " s\n";
                                        }
                                        return kExitOk;
                                      });
}

}  // namespace hc::ctl
