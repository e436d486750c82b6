// A live Node protomux peer (protomux_peer.js) wired to a C++ Protomux, for
// the protomux interop tests. Frames both ways are u32le(len) ‖ tag ‖ body
// (see protomux_peer.js). The C++ side is driven by pump_until(): it forwards
// the mux's output to Node, feeds Node's messages to the mux, and records
// both sides' events until a condition holds or 10 s pass (then FAIL).
// The child is killed and reaped in the destructor; it also exits on its own
// when its stdin closes, and after 60 s regardless.
#pragma once

#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "encoding/key_id.hpp"
#include "node_child.hpp"
#include "wire/protomux.hpp"

namespace hc::interop {

class NodeMuxPeer {
 public:
  NodeMuxPeer() : child_(spawn_node("protomux_peer.js")) {}
  ~NodeMuxPeer() { end_node(child_); }
  NodeMuxPeer(const NodeMuxPeer&) = delete;
  NodeMuxPeer& operator=(const NodeMuxPeer&) = delete;

  wire::Protomux mux;
  std::vector<wire::MuxEvent> events;  // C++ mux events, in order
  std::vector<nlohmann::json> node;    // Node reports, in order
  std::vector<Bytes> from_node_raw;    // every protomux message Node sent
  std::vector<Status> receive_results;
  // Called for each C++ mux event as it is collected (e.g. to answer remote opens).
  std::function<void(const wire::MuxEvent&)> on_event;

  void command(const nlohmann::json& cmd) { write_frame('C', as_bytes(cmd.dump())); }
  void send_raw(ByteView message) { write_frame('M', message); }

  // Flushes our output and handles Node's frames until done() or timeout.
  void pump_until(const std::function<bool()>& done, int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      flush();
      collect();
      if (done()) return;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) {
        std::string last;
        for (const auto& j : node) last += j.dump() + "\n";
        FAIL("timed out waiting; Node reported:\n" << last);
        return;
      }
      pollfd p{child_.from, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::min<long>(left, 100))) <= 0) continue;
      std::uint8_t buf[65536];
      ssize_t n = ::read(child_.from, buf, sizeof buf);
      if (n <= 0) {
        eof_ = true;
        collect();
        if (!done()) FAIL("node exited early");
        return;
      }
      input_.insert(input_.end(), buf, buf + n);
      parse();
    }
  }

  // Everything Node had to say up to now (its ticks and microtasks included).
  void sync() {
    const int n = ++sync_n_;
    command({{"op", "sync"}, {"n", n}});
    pump_until([&] { return find_node("sync", [&](const nlohmann::json& j) { return j["n"] == n; }); });
  }

  const nlohmann::json* find_node(const std::string& ev,
                                  const std::function<bool(const nlohmann::json&)>& pred =
                                      [](const nlohmann::json&) { return true; }) const {
    for (const auto& j : node) {
      if (j["ev"] == ev && pred(j)) return &j;
    }
    return nullptr;
  }
  std::size_t count_node(const std::string& ev) const {
    std::size_t n = 0;
    for (const auto& j : node) n += j["ev"] == ev;
    return n;
  }
  std::size_t count(wire::MuxEvent::Kind k) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.kind == k;
    return n;
  }
  nlohmann::json state() {
    node.erase(std::remove_if(node.begin(), node.end(),
                              [](const nlohmann::json& j) { return j["ev"] == "state"; }),
               node.end());
    command({{"op", "state"}});
    pump_until([&] { return find_node("state") != nullptr; });
    return *find_node("state");
  }

 private:
  void write_frame(char tag, ByteView body) {
    Bytes f;
    const auto len = static_cast<std::uint32_t>(body.size() + 1);
    for (int i = 0; i < 4; i++) f.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
    f.push_back(static_cast<std::uint8_t>(tag));
    append(f, body);
    std::size_t off = 0;
    while (off < f.size()) {
      ssize_t n = ::write(child_.to, f.data() + off, f.size() - off);
      REQUIRE(n > 0);
      off += static_cast<std::size_t>(n);
    }
  }
  void flush() {
    for (auto& m : mux.take_output()) write_frame('M', m);
  }
  void collect() {
    for (auto& e : mux.take_events()) {
      events.push_back(std::move(e));
      if (on_event) on_event(events.back());
    }
  }
  void parse() {
    std::size_t off = 0;
    while (input_.size() - off >= 4) {
      std::uint32_t len = input_[off] | (input_[off + 1] << 8) | (input_[off + 2] << 16) |
                          (std::uint32_t{input_[off + 3]} << 24);
      if (input_.size() - off - 4 < len) break;
      REQUIRE(len >= 1);
      const char tag = static_cast<char>(input_[off + 4]);
      ByteView body(input_.data() + off + 5, len - 1);
      if (tag == 'M') {
        from_node_raw.push_back(to_bytes(body));
        receive_results.push_back(mux.receive(body));
      } else if (tag == 'J') {
        auto j = nlohmann::json::parse(as_chars(body), nullptr, false);
        REQUIRE(!j.is_discarded());
        node.push_back(std::move(j));
      }
      off += 4 + len;
    }
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(off));
  }

  NodeChild child_;
  bool eof_ = false;
  int sync_n_ = 0;
  Bytes input_;
};

}  // namespace hc::interop
