#include "config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "net/endpoint.hpp"

namespace hc::daemon {
namespace {

using nlohmann::json;

// Checks one JSON value and stores it in its setting. Returns "" or what is
// wrong with the value; the caller names the file and the key.
using ApplyFn = std::string (*)(const json& value, Settings& settings);

std::string quoted(const std::string& s) { return json(s).dump(); }  // escapes newlines too

template <std::string Settings::*Field>
std::string string_value(const json& value, Settings& settings) {
  if (!value.is_string()) return std::string("must be a string, not ") + value.type_name();
  const auto& s = value.get_ref<const std::string&>();
  if (s.empty()) return "must not be empty";
  settings.*Field = s;
  return {};
}

template <std::string Settings::*Field, const auto& Allowed>
std::string choice_value(const json& value, Settings& settings) {
  if (!value.is_string()) return std::string("must be a string, not ") + value.type_name();
  const auto& s = value.get_ref<const std::string&>();
  if (std::find(Allowed.begin(), Allowed.end(), s) == Allowed.end()) {
    std::string all;
    for (auto a : Allowed) all += (all.empty() ? "" : ", ") + std::string(a);
    return "must be one of " + all + ", not " + quoted(s);
  }
  settings.*Field = s;
  return {};
}

// HOST:PORT (net::parse_endpoint); port 0 only where a listener may pick one.
std::string address_problem(const std::string& s, bool listener) {
  net::Endpoint ignored;
  auto problem = net::parse_endpoint(s, ignored, listener);
  return problem.empty() ? problem : "is not a valid HOST:PORT (" + problem + "): " + quoted(s);
}

std::string listen_value(const json& value, Settings& settings) {
  if (!value.is_string()) return std::string("must be a string, not ") + value.type_name();
  const auto& s = value.get_ref<const std::string&>();
  if (auto problem = address_problem(s, true); !problem.empty()) return problem;
  settings.listen = s;
  return {};
}

std::string peers_value(const json& value, Settings& settings) {
  if (!value.is_array()) {
    return std::string("must be an array of \"HOST:PORT\" strings, not ") + value.type_name();
  }
  std::vector<std::string> peers;
  for (const auto& item : value) {
    if (!item.is_string()) return std::string("must hold only strings, not ") + item.type_name();
    const auto& s = item.get_ref<const std::string&>();
    if (auto problem = address_problem(s, false); !problem.empty()) return "has an entry that " + problem;
    peers.push_back(s);
  }
  settings.peers = std::move(peers);
  return {};
}

struct Key {
  std::string_view name;
  ApplyFn apply;
};

// Adding a setting: a field in Settings, a row here, its flag in main.cpp.
constexpr std::array kKeys{
    Key{"data_dir", string_value<&Settings::data_dir>},
    Key{"socket", string_value<&Settings::socket>},
    Key{"log_level", choice_value<&Settings::log_level, kLogLevels>},
    Key{"durability", choice_value<&Settings::durability, kDurabilities>},
    Key{"socket_group", string_value<&Settings::socket_group>},
    Key{"listen", listen_value},
    Key{"peer", peers_value},
};

}  // namespace

std::vector<std::string_view> config_keys() {
  std::vector<std::string_view> keys;
  for (const auto& k : kKeys) keys.push_back(k.name);
  return keys;
}

std::string flag_of(std::string_view key) {
  std::string flag = "--" + std::string(key);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string apply_config(std::string_view text, std::string_view origin, const GivenKeys& given,
                         Settings& settings) {
  const std::string where(origin);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // Keep "parse error at line L, column C: ..." without the exception id.
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
    return where + ": not valid JSON: " + what;
  }
  if (!doc.is_object()) return where + ": must be a JSON object, not " + doc.type_name();

  Settings ignored;  // a given key is still checked, into here
  for (const auto& [name, value] : doc.items()) {
    const auto key = std::find_if(kKeys.begin(), kKeys.end(),
                                  [&](const Key& k) { return k.name == name; });
    if (key == kKeys.end()) {
      std::string known;
      for (const auto& k : kKeys) known += (known.empty() ? "" : ", ") + std::string(k.name);
      return where + ": unknown key " + quoted(name) + " (known keys: " + known + ")";
    }
    const bool is_given = given.find(name) != given.end();
    if (auto problem = key->apply(value, is_given ? ignored : settings); !problem.empty()) {
      return where + ": " + quoted(name) + " " + problem;
    }
  }
  return {};
}

std::string apply_config_file(const std::filesystem::path& path, const GivenKeys& given,
                              Settings& settings) {
  const std::string where = "config file " + path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) return where + ": does not exist";
  if (ec) return where + ": " + ec.message();
  if (!std::filesystem::is_regular_file(status)) return where + ": not a regular file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return where + ": cannot open: " + std::strerror(errno);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return where + ": cannot read";
  return apply_config(text, where, given, settings);
}

}  // namespace hc::daemon
