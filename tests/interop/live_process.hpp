// A live Node script of tests/interop that talks in lines: JSON objects on
// its stdout, commands on its stdin. For tests that must act while Node runs
// (replication over TCP), which node_runner's run-to-completion cannot do.
// The child is reaped in the destructor (stdin closed first, then SIGKILL
// after 2 s); the scripts also end themselves after 60 s.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hc::interop {

class LiveProcess {
 public:
  LiveProcess(const std::string& script, const std::vector<std::string>& args) {
    int in_pipe[2], out_pipe[2];
    REQUIRE(::pipe(in_pipe) == 0);
    REQUIRE(::pipe(out_pipe) == 0);
    const std::string dir = HC_INTEROP_DIR;
    const std::string path = dir + "/" + script;
    std::vector<std::string> argv_s{"node", path};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(in_pipe[0], 0);
      ::dup2(out_pipe[1], 1);
      ::close(in_pipe[1]);
      ::close(out_pipe[0]);
      if (::chdir(dir.c_str()) != 0) ::_exit(127);
      std::vector<char*> argv;
      for (auto& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("node", argv.data());
      ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    to_ = in_pipe[1];
    from_ = out_pipe[0];
    ::fcntl(from_, F_SETFL, ::fcntl(from_, F_GETFL) | O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
  }
  ~LiveProcess() {
    if (to_ >= 0) ::close(to_);
    for (int i = 0; i < 100 && pid_ > 0; i++) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
      else ::usleep(20000);
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(from_);
  }
  LiveProcess(const LiveProcess&) = delete;
  LiveProcess& operator=(const LiveProcess&) = delete;

  int stdout_fd() const { return from_; }

  void write_line(const std::string& line) {
    const std::string l = line + "\n";
    REQUIRE(::write(to_, l.data(), l.size()) == static_cast<ssize_t>(l.size()));
  }

  // Reads what is available; complete lines go to lines(). Call when
  // stdout_fd() is readable.
  void read_available() {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(from_, buf, sizeof buf);
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
  pid_t pid_ = -1;
  int to_ = -1;
  int from_ = -1;
  std::string partial_;
  std::vector<nlohmann::json> lines_;
  std::size_t read_ = 0;
};

}  // namespace hc::interop
