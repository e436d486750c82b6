// Test helpers for CoreChannel: a recording Output, a writer and a remote
// reader on memory storage, and two channels wired back to back.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/memory_storage.hpp"
#include "crypto/sign.hpp"
#include "wire/core_channel.hpp"

namespace hc::wire::test {

struct Recorder : CoreChannel::Output {
  std::vector<Message> sent;
  std::vector<Message> log;  // everything ever sent
  int corks = 0;
  void send(const Message& m) override {
    // Every message must survive its wire encoding.
    auto back = decode_message(type_of(m), encode(m));
    REQUIRE(back);
    sent.push_back(*back);
    log.push_back(*back);
  }
  void cork() override { corks++; }
  void uncork() override { corks--; }
  std::vector<Message> take() { return std::exchange(sent, {}); }
};

// The one message sent, of type T (a copy: callers pass out.take()).
template <class T>
T only(std::vector<Message> sent) {
  REQUIRE(sent.size() == 1);
  REQUIRE(std::holds_alternative<T>(sent[0]));
  return std::get<T>(std::move(sent[0]));
}

struct Writer {
  core::MemoryStorage storage;
  std::unique_ptr<core::Core> core;
  explicit Writer(int blocks) {
    core::Core::CreateOptions options;
    options.key_pair = crypto::key_pair_from_seed(Hash32{1});
    core = std::move(core::Core::create(storage, options).value());
    for (int i = 0; i < blocks; i++) append("block " + std::to_string(i));
  }
  void append(const std::string& s) {
    const Bytes b(s.begin(), s.end());
    REQUIRE(core->append(ByteView(b)));
  }
};

// A new remote core of a writer's key on a storage of its own, used as a
// pointer to it.
struct RemoteReader {
  core::MemoryStorage storage;
  std::unique_ptr<core::Core> core;
  explicit RemoteReader(const Writer& w)
      : core(std::move(core::Core::create_remote(storage, w.core->key()).value())) {}
  core::Core* operator->() const { return core.get(); }
  core::Core& operator*() const { return *core; }
};


// Two channels wired back to back: what one sends, the other receives.
struct Link {
  Recorder a_out, b_out;
  CoreChannel a, b;
  Link(core::Core& a_core, core::Core& b_core, CoreChannel::Options a_opts,
       CoreChannel::Options b_opts)
      : a(a_core, a_out, a_opts), b(b_core, b_out, b_opts) {}
  // Both open (the writer first), then pump().
  void open() {
    a.on_open();
    b.on_open();
    pump();
  }
  // Delivers until nothing is left in flight; returns the messages moved.
  std::size_t pump(std::function<void(Message&)> tamper_to_b = nullptr) {
    std::size_t moved = 0;
    for (int rounds = 0; rounds < 100000; rounds++) {
      auto to_b = a_out.take();
      auto to_a = b_out.take();
      if (to_b.empty() && to_a.empty()) return moved;
      for (auto& m : to_b) {
        if (tamper_to_b) tamper_to_b(m);
        REQUIRE(b.on_message(m));
      }
      for (auto& m : to_a) REQUIRE(a.on_message(m));
      moved += to_b.size() + to_a.size();
    }
    FAIL("the channels never went quiet");
    return moved;
  }
};

}  // namespace hc::wire::test
