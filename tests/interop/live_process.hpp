// A live Node script of tests/interop that talks in lines: JSON objects on
// its stdout, commands on its stdin. For tests that must act while Node runs
// (replication over TCP), which node_runner's run-to-completion cannot do.
// The child is ended in the destructor (node_child.hpp); the scripts also
// end themselves after 60 s.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "node_child.hpp"
#include <optional>
#include <string>
#include <vector>

namespace hc::interop {

class LiveProcess {
 public:
  LiveProcess(const std::string& script, const std::vector<std::string>& args)
      : child_(spawn_node(script, args)) {
    ::fcntl(child_.from, F_SETFL, ::fcntl(child_.from, F_GETFL) | O_NONBLOCK);
  }
  ~LiveProcess() { end_node(child_); }
  LiveProcess(const LiveProcess&) = delete;
  LiveProcess& operator=(const LiveProcess&) = delete;

  int stdout_fd() const { return child_.from; }

  void write_line(const std::string& line) {
    const std::string l = line + "\n";
    REQUIRE(::write(child_.to, l.data(), l.size()) == static_cast<ssize_t>(l.size()));
  }

  // Reads what is available; complete lines go to lines(). Call when
  // stdout_fd() is readable.
  void read_available() {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(child_.from, buf, sizeof buf);
      if (n <= 0) break;
      partial_.append(buf, static_cast<std::size_t>(n));
    }
    for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n')) {
      auto j = nlohmann::json::parse(partial_.substr(0, nl), nullptr, false);
      REQUIRE_MESSAGE(!j.is_discarded(), "node printed: " << partial_.substr(0, nl));
      REQUIRE_MESSAGE(!j.contains("error"), "node: " << j.dump());
      lines_.push_back(std::move(j));
      partial_.erase(0, nl + 1);
    }
  }
  // The next unread line, if one came.
  std::optional<nlohmann::json> next_line() {
    if (read_ >= lines_.size()) return std::nullopt;
    return lines_[read_++];
  }

 private:
  NodeChild child_;
  std::string partial_;
  std::vector<nlohmann::json> lines_;
  std::size_t read_ = 0;
};

}  // namespace hc::interop
