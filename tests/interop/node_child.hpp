// A Node script of tests/interop started as a child with pipes on its stdin
// and stdout (live_process.hpp, protomux_bridge.hpp), and its end: stdin
// closed first so that it can exit by itself, SIGKILL 2 s later if not.
#pragma once

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace hc::interop {

struct NodeChild {
  pid_t pid = -1;
  int to = -1;    // its stdin
  int from = -1;  // its stdout
};

inline NodeChild spawn_node(const std::string& script, const std::vector<std::string>& args = {}) {
  int in_pipe[2], out_pipe[2];
  REQUIRE(::pipe(in_pipe) == 0);
  REQUIRE(::pipe(out_pipe) == 0);
  const std::string dir = HC_INTEROP_DIR;
  std::vector<std::string> argv_s{"node", dir + "/" + script};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  NodeChild child;
  child.pid = ::fork();
  REQUIRE(child.pid >= 0);
  if (child.pid == 0) {
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
  child.to = in_pipe[1];
  child.from = out_pipe[0];
  signal(SIGPIPE, SIG_IGN);  // a child that died must fail a write, not kill us
  return child;
}

inline void end_node(NodeChild& child) {
  if (child.to >= 0) ::close(child.to);
  for (int i = 0; i < 100 && child.pid > 0; i++) {
    if (::waitpid(child.pid, nullptr, WNOHANG) == child.pid) child.pid = -1;
    else ::usleep(20000);
  }
  if (child.pid > 0) {
    ::kill(child.pid, SIGKILL);
    ::waitpid(child.pid, nullptr, 0);
  }
  if (child.from >= 0) ::close(child.from);
  child = NodeChild{};
}

}  // namespace hc::interop
