// Runs a script of tests/interop with the pinned Node reference and returns
// what it printed as JSON: the known answers tests compare against.
//
// The script gets `args` on its command line and `input` (JSON) on stdin; it
// must print one JSON document on stdout. A non-zero exit, a timeout or
// output that is not JSON fails the calling test (doctest FAIL).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "encoding/bytes.hpp"

namespace hc::interop {

nlohmann::json run_node(const std::string& script, const std::vector<std::string>& args = {},
                        const nlohmann::json& input = nullptr, int timeout_seconds = 120);

// The bytes of a hex string in the JSON the scripts print (the other way:
// encoding::to_hex).
Bytes hex(const nlohmann::json& j);
Hash32 hex32(const nlohmann::json& j);

}  // namespace hc::interop
