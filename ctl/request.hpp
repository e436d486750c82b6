// What most corectl commands do: connect, make one call, read its result as
// a proto type, print it. Shared by commands.cpp and peer_commands.cpp.
#pragma once

#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "client.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "proto/methods.hpp"

namespace hc::ctl {

// Connects, calls `method` and reads its result as T; on success hands it to
// `print` and returns 0, else reports the failure and returns its exit code.
template <class T, class Print>
int request(const GlobalOptions& opts, std::string_view method, nlohmann::json params,
            Print&& print) {
  auto client = Client::connect(opts.socket, opts.timeout);
  if (!client) return fail(client.error());
  auto result = client->call(method, std::move(params));
  if (!result) return fail(result.error());
  auto value = proto::from_json<T>(*result);
  if (!value) return fail_result(method, value.error());
  return print(*value);
}

// create and info answer with the same CoreInfo and print it alike.
inline int show_info(const GlobalOptions& opts, const proto::CoreInfo& info) {
  if (opts.json) {
    print_json_line(proto::to_json(info));
  } else {
    print_info(info);
  }
  return kExitOk;
}

}  // namespace hc::ctl
