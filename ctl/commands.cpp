#include "commands.hpp"

#include <iostream>
#include <utility>

#include "client.hpp"
#include "core_arg.hpp"
#include "output.hpp"
#include "request.hpp"
#include "proto/methods.hpp"

namespace hc::ctl {
namespace {

using nlohmann::json;
using proto::BlockEncoding;

}  // namespace

int run_create(const GlobalOptions& opts, const std::string& name, bool compat) {
  return request<proto::CoreInfo>(opts, proto::kCoreCreate,
                                  proto::to_json(proto::CreateParams{name, compat}),
                                  [&](const proto::CoreInfo& info) { return show_info(opts, info); });
}

// Asks for base64 whatever it prints: any bytes come back; print_block picks the form.
int run_get(const GlobalOptions& opts, const std::string& core, std::uint64_t index, bool base64) {
  const proto::GetParams params{parse_core_arg(core), index, BlockEncoding::base64};
  return request<proto::GetResult>(opts, proto::kCoreGet, proto::to_json(params),
                                   [&](proto::GetResult& r) {
                                     print_block(r.index, std::move(r.block), opts.json, base64);
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
