#include "config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "paths.hpp"

using hc::daemon::apply_config;
using hc::daemon::GivenKeys;
using hc::daemon::Settings;

namespace fs = std::filesystem;

namespace {

// Applies `text` to default settings; returns the error ("" if none).
std::string apply(const std::string& text, Settings& s, const GivenKeys& given = {}) {
  return apply_config(text, "test.json", given, s);
}

// A temporary directory, removed with everything in it at scope end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hc-config-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const fs::path& file, const std::string& text) const {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }
};

}  // namespace

TEST_CASE("config: every key is applied") {
  Settings s;
  CHECK(apply(R"({"data_dir": "/d", "socket": "/s.sock", "log_level": "debug",
                  "durability": "full", "socket_group": "adm"})",
              s) == "");
  CHECK(s.data_dir == "/d");
  CHECK(s.socket == "/s.sock");
  CHECK(s.log_level == "debug");
  CHECK(s.durability == "full");
  CHECK(s.socket_group == "adm");
}

TEST_CASE("config: an empty object changes nothing") {
  Settings s;
  CHECK(apply("{}", s) == "");
  CHECK(s.log_level == "info");
  CHECK(s.durability == "normal");
  CHECK(s.socket.empty());
}

TEST_CASE("config: keys set by a flag or the environment win, but are still checked") {
  Settings s;
  s.log_level = "warn";  // as CLI11 set it
  CHECK(apply(R"({"log_level": "debug", "durability": "full"})", s, {"log_level"}) == "");
  CHECK(s.log_level == "warn");
  CHECK(s.durability == "full");
  CHECK(apply(R"({"log_level": "loud"})", s, {"log_level"}) ==
        R"(test.json: "log_level" must be one of trace, debug, info, warn, error, not "loud")");
}

TEST_CASE("config: unknown keys are errors naming the key") {
  Settings s;
  CHECK(apply(R"({"sokcet": "/x"})", s) ==
        R"(test.json: unknown key "sokcet" (known keys: data_dir, socket, log_level, )"
        R"(durability, socket_group, listen, peer))");
}

TEST_CASE("config: listen is one HOST:PORT, peer an array of them, bad addresses name the key") {
  Settings s;
  CHECK(apply(R"({"listen": "127.0.0.1:0", "peer": ["[::1]:9000", "example.org:1"]})", s) == "");
  CHECK(s.listen == "127.0.0.1:0");
  CHECK(s.peers == std::vector<std::string>{"[::1]:9000", "example.org:1"});
  CHECK(apply(R"({"listen": "127.0.0.1"})", s) ==
        R"(test.json: "listen" is not a valid HOST:PORT (expected HOST:PORT): "127.0.0.1")");
  CHECK(apply(R"({"peer": "a:1"})", s) ==
        R"(test.json: "peer" must be an array of "HOST:PORT" strings, not string)");
  CHECK(apply(R"({"peer": ["a:1", 2]})", s) == R"(test.json: "peer" must hold only strings, not number)");
  CHECK(apply(R"({"peer": ["a:1", "b:0"]})", s) ==
        R"(test.json: "peer" has an entry that is not a valid HOST:PORT (the port must be 1-65535): "b:0")");
  // Nothing applied from a bad value.
  CHECK(s.listen == "127.0.0.1:0");
  CHECK(s.peers.size() == 2);
  CHECK(apply(R"({"peer": []})", s) == "");
  CHECK(s.peers.empty());
}

TEST_CASE("config: wrong types, empty and bad values are errors naming file and key") {
  Settings s;
  CHECK(apply(R"({"socket": 7})", s) == R"(test.json: "socket" must be a string, not number)");
  CHECK(apply(R"({"data_dir": ["/d"]})", s) ==
        R"(test.json: "data_dir" must be a string, not array)");
  CHECK(apply(R"({"durability": null})", s) ==
        R"(test.json: "durability" must be a string, not null)");
  CHECK(apply(R"({"socket_group": ""})", s) == R"(test.json: "socket_group" must not be empty)");
  CHECK(apply(R"({"durability": "sometimes"})", s) ==
        R"(test.json: "durability" must be one of normal, full, not "sometimes")");
  // A value with a newline is quoted on one line.
  CHECK(apply("{\"log_level\": \"a\\nb\"}", s) ==
        R"(test.json: "log_level" must be one of trace, debug, info, warn, error, not "a\nb")");
  CHECK(s.durability == "normal");  // nothing applied from a bad value
}

TEST_CASE("config: text that is not a JSON object is an error with a position") {
  Settings s;
  CHECK(apply("", s).rfind("test.json: not valid JSON: parse error at line 1, column 1", 0) == 0);
  CHECK(apply("{\n  \"socket\": \"/x\",\n}", s)
            .rfind("test.json: not valid JSON: parse error at line 3, column 1", 0) == 0);
  CHECK(apply("{} {}", s).rfind("test.json: not valid JSON: parse error", 0) == 0);
  CHECK(apply(R"(["socket"])", s) == "test.json: must be a JSON object, not array");
  CHECK(apply("\"socket\"", s) == "test.json: must be a JSON object, not string");
  for (const char* bad : {"", "{\n,}", "{\"a\":\"\xff\"}"}) {
    CHECK(apply(bad, s).find('\n') == std::string::npos);
  }
}

TEST_CASE("config: flags are the keys with - for _") {
  CHECK(hc::daemon::flag_of("data_dir") == "--data-dir");
  CHECK(hc::daemon::flag_of("socket") == "--socket");
  CHECK(hc::daemon::flag_of("socket_group") == "--socket-group");
}

TEST_CASE("config file: read from disk, and missing, unreadable or not a file is an error") {
  TempDir dir;
  Settings s;
  dir.write(dir.path / "c.json", R"({"durability": "full"})");
  CHECK(hc::daemon::apply_config_file(dir.path / "c.json", {}, s) == "");
  CHECK(s.durability == "full");

  const auto missing = dir.path / "missing.json";
  CHECK(hc::daemon::apply_config_file(missing, {}, s) ==
        "config file " + missing.string() + ": does not exist");
  CHECK(hc::daemon::apply_config_file(dir.path, {}, s) ==
        "config file " + dir.path.string() + ": not a regular file");
  dir.write(dir.path / "bad.json", R"({"durability": 1})");
  CHECK(hc::daemon::apply_config_file(dir.path / "bad.json", {}, s) ==
        "config file " + (dir.path / "bad.json").string() +
            R"(: "durability" must be a string, not number)");
}

TEST_CASE("config file: default $CONFIGURATION_DIRECTORY/config.json, else in the data dir") {
  TempDir dir;
  const auto data = dir.path / "data";
  const auto etc = dir.path / "etc";
  ::unsetenv("CONFIGURATION_DIRECTORY");
  CHECK(hc::daemon::default_config_path(data).empty());  // none: not an error
  dir.write(data / "config.json", "{}");
  CHECK(hc::daemon::default_config_path(data) == data / "config.json");

  ::setenv("CONFIGURATION_DIRECTORY", (etc.string() + ":/elsewhere").c_str(), 1);
  CHECK(hc::daemon::default_config_path(data) == data / "config.json");  // etc has none
  dir.write(etc / "config.json", "{}");
  CHECK(hc::daemon::default_config_path(data) == etc / "config.json");
  ::unsetenv("CONFIGURATION_DIRECTORY");
  CHECK(hc::daemon::default_config_path(data) == data / "config.json");
}
