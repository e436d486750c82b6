#include "wire/core_channel.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "wire/core_channel_test_support.hpp"

using namespace hc;
using namespace hc::wire;
using namespace hc::wire::test;

TEST_CASE("core channel: a reader learns the tree and every block through sync, request and data") {
  Writer w(5);
  Recorder out;
  CoreChannel channel(*w.core, out);

  channel.on_open();
  CHECK(out.corks == 0);
  auto opened = out.take();
  REQUIRE(opened.size() == 2);
  const auto first = std::get<Sync>(opened[0]);
  CHECK(first.length == 5);
  CHECK(first.can_upgrade);
  CHECK(first.uploading);
  CHECK(first.has_manifest);
  CHECK(std::get<Range>(opened[1]).start == 0);
  CHECK(std::get<Range>(opened[1]).length == 5);

  // The reader's sync (length 0): the writer answers with canUpgrade and
  // echoes the reader's length.
  REQUIRE(channel.on_message(Sync{0, 0, 0, true, true, true, false, false}));
  const auto sync = only<Sync>(out.take());
  CHECK(sync.remote_length == 0);
  CHECK(sync.can_upgrade);

  RemoteReader reader(w);
  Request upgrade;
  upgrade.id = 1;
  upgrade.upgrade = core::ProofRequest::Upgrade{0, 5};
  upgrade.manifest = true;
  REQUIRE(channel.on_message(upgrade));
  const auto data = only<Data>(out.take());
  CHECK(data.request == 1);
  REQUIRE(data.manifest);
  auto verified = reader->verify(data);
  REQUIRE(verified);
  CHECK(verified->upgraded);
  CHECK(reader->length() == 5);

  for (std::uint64_t i = 0; i < 5; i++) {
    Request r;
    r.id = 2 + i;
    r.block = core::ProofRequest::Indexed{i, reader->missing_nodes(2 * i).value()};
    REQUIRE(channel.on_message(r));
    const auto d = only<Data>(out.take());
    CHECK(d.request == r.id);
    REQUIRE(reader->verify(d));
  }
  CHECK(reader->contiguous_length() == 5);
  const std::string want = "block 3";
  CHECK(reader->get(3).value() == Bytes(want.begin(), want.end()));

  // The reader's new sync says it caught up: lengths equal, no upgrade to offer.
  REQUIRE(channel.on_message(Sync{0, 5, 5, false, true, true, false, false}));
  CHECK(out.take().empty());

  // A live append: sync (with canUpgrade from 5) and range, and the reader
  // can verify block 5 with an upgrade from 5.
  w.append("live");
  channel.on_local_append();
  auto live = out.take();
  REQUIRE(live.size() == 2);
  CHECK(std::get<Sync>(live[0]).length == 6);
  CHECK(std::get<Sync>(live[0]).remote_length == 5);
  CHECK(std::get<Sync>(live[0]).can_upgrade);
  CHECK(std::get<Range>(live[1]).length == 6);
  Request next;
  next.id = 9;
  next.block = core::ProofRequest::Indexed{5, 0};
  next.upgrade = core::ProofRequest::Upgrade{5, 1};
  REQUIRE(channel.on_message(next));
  REQUIRE(reader->verify(only<Data>(out.take())));
  CHECK(reader->length() == 6);
  CHECK(reader->has(5));
}

TEST_CASE("core channel: what cannot be answered gets noData, a manifest request still gets the manifest") {
  Writer w(3);
  Recorder out;
  CoreChannel channel(*w.core, out);
  channel.on_open();
  out.take();

  Request missing;
  missing.id = 4;
  missing.block = core::ProofRequest::Indexed{7, 0};
  REQUIRE(channel.on_message(missing));
  CHECK(only<NoData>(out.take()).request == 4);

  Request other_fork;
  other_fork.id = 5;
  other_fork.fork = 3;
  other_fork.block = core::ProofRequest::Indexed{0, 0};
  other_fork.manifest = true;
  REQUIRE(channel.on_message(other_fork));
  const auto d = only<Data>(out.take());
  CHECK(d.request == 5);
  CHECK(d.manifest == w.core->manifest());
  CHECK_FALSE(d.block);

  // Requests that do not fit the tree are invalid; too many end the channel.
  Status last;
  for (std::uint64_t i = 0; i < CoreChannel::kMaxInvalidRequests && last.ok(); i++) {
    Request bad;
    bad.id = 100 + i;
    bad.upgrade = core::ProofRequest::Upgrade{2, 5};  // past the end
    last = channel.on_message(bad);
    const auto nd = only<NoData>(out.take());
    CHECK(nd.request == bad.id);
  }
  CHECK_FALSE(last.ok());
  CHECK(channel.invalid_requests() == CoreChannel::kMaxInvalidRequests);
}

TEST_CASE("core channel: queued requests wait for answer_queued, in order, a cancel drops one") {
  Writer w(8);
  Recorder out;
  CoreChannel::Options options;
  options.queue_requests = true;
  CoreChannel channel(*w.core, out, options);
  channel.on_open();
  out.take();

  RemoteReader reader(w);
  Request upgrade;
  upgrade.id = 9;
  upgrade.upgrade = core::ProofRequest::Upgrade{0, 8};
  upgrade.manifest = true;
  REQUIRE(channel.on_message(upgrade));
  CHECK(out.take().empty());  // not answered yet
  CHECK(channel.queued_requests() == 1);
  REQUIRE(channel.answer_queued());
  REQUIRE(reader->verify(only<Data>(out.take())));
  CHECK(reader->length() == 8);

  for (std::uint64_t i = 0; i < 4; i++) {
    Request r;
    r.id = 10 + i;
    r.block = core::ProofRequest::Indexed{i, reader->missing_nodes(2 * i).value()};
    REQUIRE(channel.on_message(r));
  }
  CHECK(out.take().empty());
  CHECK(channel.queued_requests() == 4);
  REQUIRE(channel.on_message(Cancel{12}));
  REQUIRE(channel.on_message(Cancel{99}));  // not queued: nothing to drop
  CHECK(channel.queued_requests() == 3);

  std::vector<std::uint64_t> answered;
  while (channel.queued_requests() > 0) {
    auto bytes = channel.answer_queued();
    REQUIRE(bytes);
    const auto d = only<Data>(out.take());
    CHECK(*bytes >= d.block->value.size());
    answered.push_back(d.request);
    REQUIRE(reader->verify(d));
  }
  CHECK(answered == std::vector<std::uint64_t>{10, 11, 13});
  CHECK(reader->has(3));
  CHECK_FALSE(reader->has(2));

  // A queued request that cannot be answered fails when answered, as
  // on_message does without the queue.
  for (std::uint64_t i = 0; i < CoreChannel::kMaxInvalidRequests; i++) {
    Request bad;
    bad.id = 100 + i;
    bad.upgrade = core::ProofRequest::Upgrade{2, 50};  // past the end
    REQUIRE(channel.on_message(bad));
  }
  Status last;
  while (channel.queued_requests() > 0 && last.ok()) {
    auto bytes = channel.answer_queued();
    last = bytes ? Status{} : Status{bytes.error()};
    only<NoData>(out.take());
  }
  CHECK_FALSE(last.ok());
}

TEST_CASE("core channel: wants get range when contiguous, remote ranges are tracked") {
  Writer w(40);
  Recorder out;
  CoreChannel channel(*w.core, out);
  channel.on_open();
  out.take();

  REQUIRE(channel.on_message(Want{0, 1 << 21, false}));
  const auto r = only<Range>(out.take());
  CHECK(r.start == 0);
  CHECK(r.length == 40);

  // Wants longer than Node's batch are ignored.
  REQUIRE(channel.on_message(Want{0, (1 << 21) + 1, false}));
  CHECK(out.take().empty());

  REQUIRE(channel.on_message(Range{false, 0, 10}));
  CHECK(channel.remote_contiguous_length() == 10);
  REQUIRE(channel.on_message(Range{false, 10, 5}));
  CHECK(channel.remote_contiguous_length() == 15);
  REQUIRE(channel.on_message(Range{false, 30, 5}));
  CHECK(channel.remote_contiguous_length() == 15);
  REQUIRE(channel.on_message(Range{true, 3, 1}));
  CHECK(channel.remote_contiguous_length() == 3);
}

TEST_CASE("core channel: a downloading reader gets every block from a writer, then live appends") {
  Writer w(1000);
  RemoteReader reader(w);
  Link link(*w.core, *reader, {}, {true, 32});
  link.open();
  CHECK(reader->length() == 1000);
  CHECK(reader->contiguous_length() == 1000);
  CHECK(link.b.inflight() == 0);
  CHECK(reader->manifest() == w.core->manifest());
  for (std::uint64_t i : {0u, 499u, 999u}) CHECK(reader->get(i).value() == w.core->get(i).value());
  // The writer learned that the reader holds everything.
  CHECK(link.a.remote_length() == 1000);
  CHECK(link.a.remote_contiguous_length() == 1000);

  for (int k = 0; k < 3; k++) {
    w.append("live " + std::to_string(k));
    link.a.on_local_append();
    link.pump();
    CHECK(reader->length() == 1001 + k);
    CHECK(reader->contiguous_length() == 1001 + k);
  }
  const std::string last = "live 2";
  CHECK(reader->get(1002).value() == Bytes(last.begin(), last.end()));
}

TEST_CASE("core channel: requests in flight together rely on one another's tree nodes") {
  Writer w(1000);
  RemoteReader reader(w);
  Link link(*w.core, *reader, {}, {true, 64});
  std::uint64_t requests = 0, nodes = 0, again = 0;
  std::set<std::uint64_t> asked;
  auto count = [&](const std::vector<Message>& sent) {
    for (const auto& m : sent) {
      const auto* r = std::get_if<Request>(&m);
      if (r && r->block && !r->upgrade) {
        requests++;
        nodes += r->block->nodes;
        if (!asked.insert(r->block->index).second) again++;
      }
    }
  };

  // Delivers until both go quiet, the writer's answers of each round in
  // reverse order if `reverse`.
  auto run = [&](bool reverse) {
    link.a.on_open();
    link.b.on_open();
    for (int rounds = 0; rounds < 10000; rounds++) {
      auto to_b = link.a_out.take();
      auto to_a = link.b_out.take();
      if (to_b.empty() && to_a.empty()) return;
      count(to_a);
      if (reverse) std::reverse(to_b.begin(), to_b.end());
      for (auto& m : to_b) REQUIRE(link.b.on_message(m));
      for (auto& m : to_a) REQUIRE(link.a.on_message(m));
    }
    FAIL("the channels never went quiet");
  };

  SUBCASE("answered in order, each asks for about one node") {
    run(false);
    CHECK(again == 0);
    // Each asking for its whole missing path: about 6 (64 in flight).
    INFO("nodes asked for: ", nodes);
    CHECK(nodes <= requests * 3 / 2);
  }
  SUBCASE("answered in reverse, those that come first are asked again in full") {
    run(true);
    CHECK(again > 0);
  }
  CHECK(reader->contiguous_length() == 1000);
  CHECK(link.b.inflight() == 0);
  for (std::uint64_t i : {1u, 500u, 999u}) CHECK(reader->get(i).value() == w.core->get(i).value());
}

TEST_CASE("core channel: held over a read, a live reader asks for the new block with its upgrade") {
  Writer w(10);
  RemoteReader reader(w);
  // A reader that does not allow pushes (as Node by default): the writer
  // only tells it of the new length.
  CoreChannel::Options no_push{true, 32};
  no_push.allow_push = false;
  Link link(*w.core, *reader, {}, no_push);
  link.open();
  REQUIRE(reader->contiguous_length() == 10);

  w.append("live");
  link.a.on_local_append();
  // What the writer sends for it (sync, then range) arrives in one read.
  auto to_b = link.a_out.take();
  REQUIRE(to_b.size() == 2);
  link.b.hold();
  for (auto& m : to_b) REQUIRE(link.b.on_message(m));
  CHECK(link.b_out.take().empty());  // decided at release, with everything seen
  link.b.release();
  const auto request = only<Request>(link.b_out.take());
  REQUIRE(request.upgrade);
  CHECK(request.upgrade->start == 10);
  CHECK(request.upgrade->length == 1);
  REQUIRE(request.block);
  CHECK(request.block->index == 10);
  CHECK(request.block->nodes == 0);

  // One answer carries both: the block is there after one round trip.
  REQUIRE(link.a.on_message(request));
  const auto data = only<Data>(link.a_out.take());
  CHECK(data.upgrade);
  CHECK(data.block);
  REQUIRE(link.b.on_message(data));
  CHECK(reader->length() == 11);
  CHECK(reader->contiguous_length() == 11);
  CHECK(link.b.inflight() == 0);
  const std::string live = "live";
  CHECK(reader->get(10).value() == Bytes(live.begin(), live.end()));
  // No request follows: only the reader's news for the writer.
  for (const auto& m : link.b_out.take()) {
    CHECK_FALSE(std::holds_alternative<Request>(m));
    REQUIRE(link.a.on_message(m));
  }
  REQUIRE(link.a_out.take().empty());

  // An answer with the upgrade but not the block is no answer: nothing stored.
  w.append("live 2");
  link.a.on_local_append();
  to_b = link.a_out.take();
  link.b.hold();
  for (auto& m : to_b) REQUIRE(link.b.on_message(m));
  link.b.release();
  const auto second = only<Request>(link.b_out.take());
  REQUIRE(second.block);
  REQUIRE(link.a.on_message(second));
  auto partial = only<Data>(link.a_out.take());
  partial.block.reset();
  REQUIRE(link.b.on_message(partial));
  CHECK(reader->length() == 11);
  CHECK(link.b.inflight() == 0);
}

TEST_CASE("core channel: data that does not verify is an error and stores nothing") {
  Writer w(10);
  RemoteReader reader(w);
  Link link(*w.core, *reader, {}, {true, 4});
  link.a.on_open();
  link.b.on_open();
  // Deliver until the upgrade is in, then flip a byte of the first block.
  for (int rounds = 0; rounds < 20 && reader->length() == 0; rounds++) {
    for (auto& m : link.a_out.take()) REQUIRE(link.b.on_message(m));
    for (auto& m : link.b_out.take()) REQUIRE(link.a.on_message(m));
  }
  REQUIRE(reader->length() == 10);
  bool tampered = false;
  for (int rounds = 0; rounds < 20 && !tampered; rounds++) {
    for (auto& m : link.a_out.take()) {
      if (auto* d = std::get_if<Data>(&m); d && d->block && !tampered) {
        d->block->value.push_back('!');
        CHECK_FALSE(link.b.on_message(m).ok());
        CHECK_FALSE(reader->has(d->block->index));
        tampered = true;
        continue;
      }
      REQUIRE(link.b.on_message(m));
    }
    for (auto& m : link.b_out.take()) REQUIRE(link.a.on_message(m));
  }
  CHECK(tampered);
}

namespace {

// Truncates the writer to `length` and appends `count` blocks no earlier fork had.
void fork_writer(Writer& w, std::uint64_t length, int count) {
  REQUIRE(w.core->truncate(length).ok());
  for (int i = 0; i < count; i++) {
    w.append("fork " + std::to_string(w.core->fork()) + " block " + std::to_string(i));
  }
}

void check_same(core::Core& reader, core::Core& writer) {
  CHECK(reader.fork() == writer.fork());
  CHECK(reader.length() == writer.length());
  CHECK(reader.tree_hash() == writer.tree_hash());
  CHECK(reader.contiguous_length() == writer.length());
  for (std::uint64_t i = 0; i < writer.length(); i++) {
    if (reader.get(i).value() != writer.get(i).value()) {
      FAIL("block ", i, " differs");
      return;
    }
  }
}

}  // namespace

TEST_CASE("core channel: a live reader follows the writer's truncate and append to the new fork") {
  Writer w(700);
  RemoteReader reader(w);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> truncated;
  reader->events().on_truncate = [&](std::uint64_t n, std::uint64_t f) { truncated.emplace_back(n, f); };
  Link link(*w.core, *reader, {}, {true, 16});
  link.open();
  REQUIRE(reader->length() == 700);

  fork_writer(w, 613, 40);
  link.a.on_local_append();
  // The writer tells what it dropped, then its new fork.
  auto told = link.a_out.sent;
  REQUIRE(told.size() >= 2);
  REQUIRE(std::holds_alternative<Range>(told[0]));
  CHECK(std::get<Range>(told[0]) == Range{true, 613, 87});
  REQUIRE(std::holds_alternative<Sync>(told[1]));
  CHECK(std::get<Sync>(told[1]).fork == 1);
  CHECK(std::get<Sync>(told[1]).length == 653);

  // The reader asks for the fork proof, then hash proofs, then the new blocks.
  link.b_out.log.clear();
  link.pump();
  bool asked_fork_proof = false, asked_hash = false;
  for (const auto& m : link.b_out.log) {
    if (auto* r = std::get_if<Request>(&m)) {
      if (r->upgrade && r->upgrade->start == 0 && r->fork == 1) asked_fork_proof = true;
      if (r->hash && r->fork == 1) asked_hash = true;
    }
  }
  CHECK(asked_fork_proof);
  CHECK(asked_hash);
  REQUIRE(truncated.size() == 1);
  CHECK(truncated[0] == std::pair<std::uint64_t, std::uint64_t>{613, 1});
  check_same(*reader, *w.core);
  // Each side knows the other's new fork.
  CHECK(link.a.remote_fork() == 1);
  CHECK(link.a.remote_length() == 653);
  CHECK(link.b.inflight() == 0);

  // And it stays live on the new fork.
  w.append("after");
  link.a.on_local_append();
  link.pump();
  check_same(*reader, *w.core);
}

TEST_CASE("core channel: a reader that held an old fork follows a newer one on open, twice") {
  Writer w(300);
  RemoteReader reader(w);
  {
    Link link(*w.core, *reader, {}, {true, 8});
    link.open();
    REQUIRE(reader->length() == 300);
  }
  // Two forks while apart: a shorter core, then a longer one.
  fork_writer(w, 120, 10);
  fork_writer(w, 125, 400);
  REQUIRE(w.core->fork() == 2);
  {
    Link link(*w.core, *reader, {}, {true, 8});
    link.b.on_open();
    link.a.on_open();
    link.pump();
    check_same(*reader, *w.core);
  }
  // A truncation to 0 and nothing appended yet: the reader empties too.
  fork_writer(w, 0, 0);
  {
    Link link(*w.core, *reader, {}, {true, 8});
    link.open();
    // Nothing to prove at length 0 until the writer appends.
    w.append("fresh");
    link.a.on_local_append();
    link.pump();
    check_same(*reader, *w.core);
    CHECK(reader->fork() == 3);
  }
}

TEST_CASE("core channel: a forged fork proof is an error and the reader keeps its fork") {
  Writer w(50);
  RemoteReader reader(w);
  Link link(*w.core, *reader, {}, {true, 8});
  link.open();
  const Hash32 before = reader->tree_hash();
  fork_writer(w, 20, 5);
  link.a.on_local_append();
  bool forged = false;
  for (int rounds = 0; rounds < 20 && !forged; rounds++) {
    for (auto& m : link.a_out.take()) {
      if (auto* d = std::get_if<Data>(&m); d && d->upgrade && d->fork == 1) {
        d->upgrade->signature.back() ^= 1;
        CHECK_FALSE(link.b.on_message(m).ok());
        forged = true;
        break;
      }
      REQUIRE(link.b.on_message(m));
    }
    for (auto& m : link.b_out.take()) REQUIRE(link.a.on_message(m));
  }
  CHECK(forged);
  CHECK(reader->fork() == 0);
  CHECK(reader->tree_hash() == before);
  CHECK(reader->length() == 50);
}

TEST_CASE("core channel: an upgrade proof never takes the remote past the length of our last sync") {
  // The daemon tells a channel of an append one loop turn later
  // (on_local_append, posted), so a request can come in between. A Node
  // reader that an upgrade takes past the length we announced may never sync
  // its new length back (replicator.js _updateCanUpgradeAndSync gives up when
  // a sync of ours crosses it), and then never asks for an upgrade again:
  // our syncs echo a length it no longer has.
  Writer w(5);
  Recorder out;
  CoreChannel channel(*w.core, out);
  channel.on_open();
  out.take();
  RemoteReader reader(w);
  REQUIRE(channel.on_message(Sync{0, 0, 0, true, true, true, false, false}));
  CHECK(only<Sync>(out.take()).length == 5);

  // Block 5 is appended; its on_local_append has not run when the reader's
  // upgrade request (for what we announced: 0 to 5) arrives.
  w.append("block 5");
  Request upgrade;
  upgrade.id = 1;
  upgrade.upgrade = core::ProofRequest::Upgrade{0, 5};
  upgrade.manifest = true;
  REQUIRE(channel.on_message(upgrade));
  CHECK(out.corks == 0);
  auto answer = out.take();
  REQUIRE(answer.size() >= 2);
  // Sync of length 6 (echoing the reader's 0, canUpgrade), then the proof,
  // which takes the reader to 6.
  REQUIRE(std::holds_alternative<Sync>(answer.front()));
  const auto sync = std::get<Sync>(answer.front());
  CHECK(sync.length == 6);
  CHECK(sync.remote_length == 0);
  CHECK(sync.can_upgrade);
  REQUIRE(std::holds_alternative<Data>(answer.back()));
  REQUIRE(reader->verify(std::get<Data>(answer.back())));
  CHECK(reader->length() == 6);
  for (std::size_t i = 1; i + 1 < answer.size(); i++) CHECK(std::holds_alternative<Range>(answer[i]));

  // The posted on_local_append: the length is told already, no second sync.
  channel.on_local_append();
  for (const auto& m : out.take()) CHECK_FALSE(std::holds_alternative<Sync>(m));

  // The reader syncs its new length; lengths are equal, nothing to say. The
  // next append's sync echoes 6, so that the reader asks for 6 to 7.
  REQUIRE(channel.on_message(Sync{0, 6, 6, false, true, true, false, false}));
  CHECK(out.take().empty());
  w.append("block 6");
  channel.on_local_append();
  auto live = out.take();
  REQUIRE(!live.empty());
  const auto next = std::get<Sync>(live.front());
  CHECK(next.length == 7);
  CHECK(next.remote_length == 6);
  CHECK(next.can_upgrade);

  // Requests that do not upgrade (a block below the announced length) send
  // no sync even when the core grew meanwhile.
  w.append("block 7");
  Request block;
  block.id = 2;
  block.block = core::ProofRequest::Indexed{3, reader->missing_nodes(6).value()};
  REQUIRE(channel.on_message(block));
  const auto d = only<Data>(out.take());
  REQUIRE(reader->verify(d));
  CHECK(reader->has(3));
}
