#include "wire/replication_session.hpp"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>

#include "core/memory_storage.hpp"

using namespace hc;
using namespace hc::wire;

namespace {

// The cores one side holds, found by discovery key.
struct Held : ReplicationSession::Cores {
  std::map<Hash32, core::Core*> cores;
  int pinned = 0;
  core::Core* find_by_discovery_key(const Hash32& dk) override {
    auto it = cores.find(dk);
    return it == cores.end() ? nullptr : it->second;
  }
  CoreChannel::Options options_for(const core::Core& c) override {
    CoreChannel::Options o;
    o.download = !c.writable();
    return o;
  }
  void channel_opened(core::Core&) override { pinned++; }
  void channel_closed(core::Core&) override { pinned--; }
  // feed() brackets: counted, never nested; a commit error can be injected.
  int feeding = 0, feeds = 0;
  std::error_code commit_error;
  void before_feed() override {
    CHECK(feeding == 0);
    feeding++;
  }
  Status after_feed() override {
    CHECK(feeding == 1);
    feeding--;
    feeds++;
    if (commit_error) return commit_error;
    return {};
  }
  void hold(core::Core& c) { cores[c.discovery_key()] = &c; }
};

std::unique_ptr<core::Core> writer_core(core::Storage& storage, std::uint8_t seed, int blocks) {
  core::Core::CreateOptions options;
  Hash32 s{};
  s.fill(seed);
  options.key_pair = crypto::key_pair_from_seed(s);
  auto c = std::move(core::Core::create(storage, options).value());
  for (int i = 0; i < blocks; i++) {
    const std::string text = "core " + std::to_string(seed) + " block " + std::to_string(i);
    REQUIRE(c->append(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
  }
  return c;
}

// Moves bytes both ways, in random pieces, until neither side has any.
void pump(ReplicationSession& a, ReplicationSession& b, std::mt19937& rng) {
  for (int rounds = 0; rounds < 1000000; rounds++) {
    Bytes ab = a.take_output(), ba = b.take_output();
    if (ab.empty() && ba.empty()) return;
    for (std::size_t at = 0; at < ab.size();) {
      const std::size_t n = std::min<std::size_t>(ab.size() - at, 1 + rng() % 4096);
      REQUIRE_MESSAGE(b.feed(ByteView(ab.data() + at, n)), b.error_reason());
      at += n;
    }
    for (std::size_t at = 0; at < ba.size();) {
      const std::size_t n = std::min<std::size_t>(ba.size() - at, 1 + rng() % 4096);
      REQUIRE_MESSAGE(a.feed(ByteView(ba.data() + at, n)), a.error_reason());
      at += n;
    }
  }
  FAIL("the sessions never went quiet");
}

}  // namespace

TEST_CASE("replication session: cores replicate over one connection, opened actively and passively") {
  std::mt19937 rng(7);
  core::MemoryStorage w_storage, r_storage;
  auto one = writer_core(w_storage, 1, 300);
  auto two = writer_core(w_storage, 2, 20);
  auto unknown = writer_core(w_storage, 3, 5);  // the reader does not want it
  auto r_one = std::move(core::Core::create_remote(r_storage, one->key()).value());
  auto r_two = std::move(core::Core::create_remote(r_storage, two->key()).value());

  Held writer, reader;
  writer.hold(*one);
  writer.hold(*two);
  writer.hold(*unknown);
  reader.hold(*r_one);
  reader.hold(*r_two);

  ReplicationSession w(true, crypto::key_pair_from_seed(Hash32{1}), writer);
  ReplicationSession r(false, crypto::key_pair_from_seed(Hash32{2}), reader);
  // The writer offers two cores; the reader asks for r_two itself, and the
  // writer answers that one passively.
  w.add_core(*one);
  w.add_core(*unknown);
  r.add_core(*r_two);
  pump(w, r, rng);

  CHECK(w.established());
  CHECK(r.established());
  CHECK(r.remote_public_key() == crypto::key_pair_from_seed(Hash32{1}).public_key);
  CHECK(r_one->contiguous_length() == 300);
  CHECK(r_two->contiguous_length() == 20);
  CHECK(r_one->get(299).value() == one->get(299).value());
  CHECK(w.shared_cores().size() == 2);  // `unknown` was rejected
  CHECK(writer.pinned == 2);
  CHECK(reader.pinned == 2);
  CHECK(reader.feeds > 0);
  CHECK(reader.feeding == 0);

  // Live: appends reach the reader.
  const std::string live = "live";
  REQUIRE(one->append(ByteView(reinterpret_cast<const std::uint8_t*>(live.data()), live.size())));
  w.on_local_append(*one);
  pump(w, r, rng);
  CHECK(r_one->length() == 301);
  CHECK(r_one->get(300).value() == Bytes(live.begin(), live.end()));
}

TEST_CASE("replication session: garbage from the peer is fatal, with a reason") {
  core::MemoryStorage storage;
  Held held;
  ReplicationSession s(false, crypto::key_pair_from_seed(Hash32{4}), held);
  // A whole frame, but not a Noise message 1 (32 bytes).
  Bytes junk{10, 0, 0};
  junk.resize(13, 0x41);
  CHECK_FALSE(s.feed(junk).ok());
  CHECK(s.failed());
  CHECK_FALSE(s.error_reason().empty());
  CHECK_FALSE(s.feed(junk).ok());
}

TEST_CASE("replication session: a failed commit after a feed is fatal, with a storage reason") {
  core::MemoryStorage w_storage, r_storage;
  auto one = writer_core(w_storage, 5, 10);
  auto r_one = std::move(core::Core::create_remote(r_storage, one->key()).value());
  Held writer, reader;
  writer.hold(*one);
  reader.hold(*r_one);
  ReplicationSession w(true, crypto::key_pair_from_seed(Hash32{5}), writer);
  ReplicationSession r(false, crypto::key_pair_from_seed(Hash32{6}), reader);
  w.add_core(*one);
  // The handshake and the first messages go through.
  REQUIRE(r.feed(w.take_output()));
  REQUIRE(w.feed(r.take_output()));
  reader.commit_error = std::make_error_code(std::errc::io_error);
  Status st;
  for (int i = 0; i < 10 && st.ok(); i++) {
    st = r.feed(w.take_output());
    if (st.ok()) REQUIRE(w.feed(r.take_output()));
  }
  CHECK_FALSE(st.ok());
  CHECK(r.failed());
  CHECK(r.error_reason().rfind("storage: ", 0) == 0);
  CHECK(reader.feeding == 0);
}

TEST_CASE("replication session: requests are answered a slice at a time, as the transport takes output") {
  core::MemoryStorage w_storage, r_storage;
  // Two cores of 48 blocks of 64 KiB: a read of the reader's requests asks
  // for MBs of answers.
  std::vector<std::unique_ptr<core::Core>> writers, readers;
  Held writer, reader;
  for (std::uint8_t seed = 7; seed <= 8; seed++) {
    core::Core::CreateOptions options;
    options.key_pair = crypto::key_pair_from_seed(Hash32{seed});
    writers.push_back(std::move(core::Core::create(w_storage, options).value()));
    for (int i = 0; i < 48; i++) REQUIRE(writers.back()->append(Bytes(64 * 1024, seed)));
    readers.push_back(std::move(core::Core::create_remote(r_storage, writers.back()->key()).value()));
    writer.hold(*writers.back());
    reader.hold(*readers.back());
  }
  ReplicationSession w(true, crypto::key_pair_from_seed(Hash32{9}), writer);
  ReplicationSession r(false, crypto::key_pair_from_seed(Hash32{10}), reader);
  for (auto& c : writers) w.add_core(*c);

  std::size_t largest = 0, most_waiting = 0;
  for (int round = 0; round < 10000; round++) {
    most_waiting = std::max(most_waiting, w.backlog());
    if (w.backlog() > 0) {
      CHECK(w.has_output());
      // A transport with much left to write takes only what is ready.
      const std::size_t waiting = w.backlog();
      Bytes ready = w.take_output({}, false);
      CHECK(w.backlog() == waiting);
      REQUIRE(r.feed(ready));
    }
    Bytes ab = w.take_output();
    Bytes ba = r.take_output();
    if (ab.empty() && ba.empty()) break;
    largest = std::max(largest, ab.size());
    REQUIRE_MESSAGE(r.feed(ab), r.error_reason());
    REQUIRE_MESSAGE(w.feed(ba), w.error_reason());
  }
  for (std::size_t i = 0; i < 2; i++) {
    CHECK(readers[i]->contiguous_length() == 48);
    CHECK(readers[i]->get(47).value() == writers[i]->get(47).value());
  }
  CHECK(w.backlog() == 0);
  CHECK_FALSE(w.has_output());
  // Requests did wait (the reader asks for all 96 blocks at once) and each
  // take_output held about kServeBytes of answers: at most one block more.
  CHECK(most_waiting > 0);
  CHECK(largest > ReplicationSession::kServeBytes / 2);
  CHECK(largest < ReplicationSession::kServeBytes + 64 * 1024 + 16 * 1024);
}
