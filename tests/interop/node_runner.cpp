#include "node_runner.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "encoding/key_id.hpp"

namespace hc::interop {
namespace {

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

nlohmann::json run_node(const std::string& script, const std::vector<std::string>& args,
                        const nlohmann::json& input, int timeout_seconds) {
  int in_pipe[2], out_pipe[2];
  REQUIRE(::pipe(in_pipe) == 0);
  REQUIRE(::pipe(out_pipe) == 0);
  const std::string dir = HC_INTEROP_DIR;
  const std::string path = dir + "/" + script;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    if (::chdir(dir.c_str()) != 0) ::_exit(127);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("node"));
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp("node", argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  signal(SIGPIPE, SIG_IGN);
  write_all(in_pipe[1], input.is_null() ? std::string() : input.dump());
  ::close(in_pipe[1]);

  std::string out;
  char buf[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out_pipe[0], POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r <= 0) continue;
    ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out_pipe[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  INFO("node " << script << " printed: " << out.substr(0, 2000));
  REQUIRE_MESSAGE(!timed_out, "node script timed out");
  REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "node script failed");
  auto j = nlohmann::json::parse(out, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), "node script printed no JSON");
  return j;
}

Bytes hex(const nlohmann::json& j) {
  auto b = encoding::from_hex(j.get<std::string>());
  REQUIRE(b.ok());
  return *b;
}

Hash32 hex32(const nlohmann::json& j) {
  Bytes b = hex(j);
  REQUIRE(b.size() == 32);
  Hash32 h;
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

}  // namespace hc::interop
