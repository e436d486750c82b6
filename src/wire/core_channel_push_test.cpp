// Pushes (hypercore's allowPush): a writer sends each new head to a caught-up
// reader that allows pushes, and the reader takes only that kind of push.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "wire/core_channel.hpp"
#include "wire/core_channel_test_support.hpp"

using namespace hc;
using namespace hc::wire;
using namespace hc::wire::test;

namespace {

std::size_t count_requests(const std::vector<Message>& log) {
  return std::count_if(log.begin(), log.end(),
                       [](const Message& m) { return std::holds_alternative<Request>(m); });
}

// Delivers what the writer sent to the reader in one read (held).
void deliver_held(CoreChannel& to, std::vector<Message> messages) {
  to.hold();
  for (auto& m : messages) REQUIRE(to.on_message(m));
  to.release();
}

// The writer's push among `sent` (data with request id 0).
Data push_in(const std::vector<Message>& sent) {
  for (const auto& m : sent) {
    if (const auto* d = std::get_if<Data>(&m); d && d->request == 0) return *d;
  }
  FAIL("no push");
  return {};
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("core channel: a reader that allows pushes gets each new head in one trip, asking nothing") {
  Writer w(10);
  RemoteReader reader(w);
  Link link(*w.core, *reader, {}, {true, 32});
  link.open();
  REQUIRE(reader->contiguous_length() == 10);
  // The reader says it allows pushes; the writer, not downloading, does not.
  for (const auto& m : link.b_out.log) {
    if (const auto* s = std::get_if<Sync>(&m)) CHECK(s->allow_push);
  }
  for (const auto& m : link.a_out.log) {
    if (const auto* s = std::get_if<Sync>(&m)) CHECK_FALSE(s->allow_push);
  }
  const std::size_t requests_before = count_requests(link.b_out.log);

  w.append("live");
  link.a.on_local_append();
  auto to_b = link.a_out.take();
  // The sync of the new length first (a reader never gets a proof past the
  // length it was told), then the push.
  REQUIRE(to_b.size() == 3);
  CHECK(std::get<Sync>(to_b[0]).length == 11);
  const Data push = std::get<Data>(to_b[2]);
  CHECK(push.request == 0);
  REQUIRE(push.block);
  CHECK(push.block->index == 10);
  REQUIRE(push.upgrade);
  CHECK(push.upgrade->start == 10);
  CHECK(push.upgrade->length == 1);
  deliver_held(link.b, to_b);
  CHECK(reader->length() == 11);
  CHECK(reader->contiguous_length() == 11);
  CHECK(reader->get(10).value() == text("live"));
  CHECK(count_requests(link.b_out.log) == requests_before);
  link.pump();

  // Two appends before the reader's news of the first arrives: the second
  // push goes on from where the first took the reader.
  w.append("burst 1");
  link.a.on_local_append();
  w.append("burst 2");
  link.a.on_local_append();
  to_b = link.a_out.take();
  std::vector<Data> pushes;
  for (const auto& m : to_b) {
    if (const auto* d = std::get_if<Data>(&m)) pushes.push_back(*d);
  }
  REQUIRE(pushes.size() == 2);
  CHECK(pushes[1].upgrade->start == 12);
  deliver_held(link.b, to_b);
  CHECK(reader->contiguous_length() == 13);
  CHECK(reader->get(12).value() == text("burst 2"));
  CHECK(count_requests(link.b_out.log) == requests_before);
  link.pump();
  CHECK(link.a.remote_length() == 13);
}

TEST_CASE("core channel: no push when the transport has no room, the reader asks instead") {
  Writer w(10);
  RemoteReader reader(w);
  Link link(*w.core, *reader, {}, {true, 32});
  link.open();
  w.append("live");
  link.a.on_local_append(false);
  for (const auto& m : link.a_out.log) {
    if (const auto* d = std::get_if<Data>(&m)) CHECK(d->request != 0);
  }
  const std::size_t requests_before = count_requests(link.b_out.log);
  link.pump();
  CHECK(reader->contiguous_length() == 11);
  CHECK(count_requests(link.b_out.log) > requests_before);
}

TEST_CASE("core channel: only a push of the head from the reader's length is taken, a forged one is an error") {
  Writer w(10);
  RemoteReader pushed_to(w), not_allowing(w);
  Link link(*w.core, *pushed_to, {}, {true, 32});
  CoreChannel::Options no_push{true, 32};
  no_push.allow_push = false;
  Link plain(*w.core, *not_allowing, {}, no_push);
  link.open();
  plain.open();

  w.append("live");
  link.a.on_local_append();
  plain.a.on_local_append();
  const Data push = push_in(link.a_out.take());
  // The writer pushes nothing to a reader that does not allow it...
  for (const auto& m : plain.a_out.log) {
    if (const auto* d = std::get_if<Data>(&m)) CHECK(d->request != 0);
  }
  // ... and such a reader ignores a push.
  REQUIRE(plain.b.on_message(push));
  CHECK(not_allowing->length() == 10);
  plain.pump();
  CHECK(not_allowing->contiguous_length() == 11);  // asked for, the usual way

  SUBCASE("a block without an upgrade is ignored") {
    Data block_only = push;
    block_only.upgrade.reset();
    REQUIRE(link.b.on_message(block_only));
    CHECK_FALSE(pushed_to->has(10));
  }
  SUBCASE("an upgrade from another length is ignored") {
    Data moved = push;
    moved.upgrade->start = 9;
    moved.upgrade->length = 2;
    REQUIRE(link.b.on_message(moved));
    CHECK(pushed_to->length() == 10);
  }
  SUBCASE("a forged signature is an error and stores nothing") {
    Data forged = push;
    forged.upgrade->signature[0] ^= 1;
    CHECK_FALSE(link.b.on_message(forged).ok());
    CHECK(pushed_to->length() == 10);
    CHECK_FALSE(pushed_to->has(10));
  }
  SUBCASE("the genuine push is taken, and the same again ignored") {
    REQUIRE(link.b.on_message(push));
    CHECK(pushed_to->length() == 11);
    CHECK(pushed_to->get(10).value() == text("live"));
    REQUIRE(link.b.on_message(push));
    CHECK(pushed_to->length() == 11);
  }
}

TEST_CASE("core channel: an upgrade proven from another start than asked is asked again, once per sync") {
  // A Node uploader whose remote allows pushes proves upgrades from as far
  // as it pushed on this connection: from 0 on a new one. The reader here
  // has 10 blocks from an earlier connection; the writer now has 12.
  Writer w(10);
  RemoteReader reader(w);
  {
    Link first(*w.core, *reader, {}, {true, 32});
    first.open();
    REQUIRE(reader->contiguous_length() == 10);
  }
  w.append("new 1");
  w.append("new 2");
  Link link(*w.core, *reader, {}, {true, 32});
  int moved = 0;
  int limit = 1;
  // Rewrites the reader's upgrade requests as such a writer would answer
  // them (the first `limit` of them).
  auto run = [&] {
    link.a.on_open();
    link.b.on_open();
    for (int rounds = 0; rounds < 1000; rounds++) {
      auto to_b = link.a_out.take();
      auto to_a = link.b_out.take();
      if (to_b.empty() && to_a.empty()) return;
      for (auto& m : to_b) REQUIRE(link.b.on_message(m));
      for (auto& m : to_a) {
        if (auto* r = std::get_if<Request>(&m); r && r->upgrade && moved < limit) {
          r->upgrade->length += r->upgrade->start;
          r->upgrade->start = 0;
          moved++;
        }
        REQUIRE(link.a.on_message(m));
      }
    }
    FAIL("the channels never went quiet");
  };

  SUBCASE("asked again, it is answered from the reader's length") {
    run();
    CHECK(moved == 1);
    CHECK(reader->length() == 12);
    CHECK(reader->contiguous_length() == 12);
    CHECK(reader->get(11).value() == text("new 2"));
  }
  SUBCASE("moved again: not asked again until the writer syncs again") {
    limit = 2;
    run();
    CHECK(moved == 2);
    CHECK(reader->length() == 10);
    CHECK(link.b.inflight() == 0);
    w.append("new 3");
    link.a.on_local_append();
    link.pump();
    CHECK(reader->contiguous_length() == 13);
  }
}
