// The whole stack: a ReplicationSession (the session under test, S) holding
// a writable core A and a remote core B in MemoryStorage, against a C++ peer
// P built from the same parts (SecretStream + Protomux + CoreChannel) that
// can also inject anything. Fuzz bytes reach S as authentic encrypted
// messages: P's SecretStream::send encrypts them after a real handshake, so
// the mux, the channel state machine, the message decoders and Core::verify
// all see them.
//
// P holds W, the writer of B (same key), and a remote copy of A: with the
// `honest` flag its channels are real CoreChannels, so real downloads both
// ways run between the injected messages; without it P only injects.
//
// Input: u8 flags, then operations (u8 op and operands):
//   bit0 S.add_core(A)     bit1 S.add_core(B)   bit2 P opens A   bit3 P opens B
//   bit4 honest            bit5 P answers S's opens   bit6 P's capability wrong
//   bit7 S is the initiator
//   op 0  raw plaintext (bytes) through P's stream: any Protomux message
//   op 1  u8 (bit0: A/B, rest: type % 12), bytes: a message on P's channel
//   op 2  cork P's mux   op 3  uncork
//   op 4  A grows by one block (bytes) and S.on_local_append(A)
//   op 5  keep-alives both ways
//   op 6  u16 pos, u8 xor: corrupt the next message P's honest channels send
//   op 7  u8: close P's channel for A/B
//   op 8  raw bytes into S.feed (outside the encryption: fatal garbage)
// After every operation both sides run until quiet.
// Properties: every block B holds is W's block (nothing unverified is
// stored); B never gets longer than W; a failed session has a reason and
// refuses more input.
#include <map>
#include <memory>

#include "core/memory_storage.hpp"
#include "crypto/caps.hpp"
#include "fuzz_input.hpp"
#include "wire/core_channel.hpp"
#include "wire/replication_session.hpp"

using namespace hc;
using namespace hc::wire;

namespace {

crypto::KeyPair seeded(std::uint8_t b) {
  Hash32 s;
  s.fill(b);
  return crypto::key_pair_from_seed(s);
}

Bytes block(std::uint64_t i) {
  return Bytes(static_cast<std::size_t>(i * 37 % 200), static_cast<std::uint8_t>(i));
}

constexpr std::uint64_t kWriterBlocks = 8;

// W: the writer of B, shared by every run (only read: proofs).
core::Core& writer() {
  static core::MemoryStorage storage;
  static std::unique_ptr<core::Core> w = [] {
    core::Core::CreateOptions o;
    o.key_pair = seeded(7);
    auto c = std::move(core::Core::create(storage, o).value());
    for (std::uint64_t i = 0; i < kWriterBlocks; i += 2) {
      const Bytes a = block(i), b = block(i + 1);
      const ByteView both[] = {a, b};
      (void)c->append(both);
    }
    (void)c->signature();
    return c;
  }();
  return *w;
}

struct Held : ReplicationSession::Cores {
  std::map<Hash32, core::Core*> cores;
  core::Core* find_by_discovery_key(const Hash32& dk) override {
    auto it = cores.find(dk);
    return it == cores.end() ? nullptr : it->second;
  }
  CoreChannel::Options options_for(const core::Core& c) override {
    CoreChannel::Options o;
    o.download = !c.writable();
    o.max_inflight = 4;
    return o;
  }
};

// The peer: bytes in and out like a session, plus injection.
class Peer {
 public:
  struct Setup {
    bool initiator, honest, answers, wrong_capability;
    core::Core* cores[2];  // what P replicates on its channel for A, for B
    Hash32 keys[2];        // the keys of A and B
  };

  Peer(const Setup& setup) : setup_(setup), stream_(setup.initiator, seeded(9)) {
    for (int c = 0; c < 2; c++) dks_[c] = core_discovery_key(c);
  }

  SecretStream& stream() { return stream_; }
  Protomux& mux() { return mux_; }

  void feed(ByteView bytes) {
    for (auto& e : stream_.feed(bytes)) {
      if (auto* m = std::get_if<MessageEvent>(&e)) {
        if (mux_.destroyed()) continue;
        (void)mux_.receive(m->data);
        on_events();
      }
    }
    flush();
  }

  void open(int c) {
    if (!stream_.handshake_complete() || mux_.destroyed()) return;
    auto h = mux_.open_channel(kHypercoreProtocol, ByteView(dks_[c]), handshake(c));
    if (h) handles_[c] = *h;
    on_events();
    flush();
  }
  void send(int c, std::uint64_t type, ByteView payload) {
    if (handles_[c] == 0) return;
    (void)mux_.send(handles_[c], type, payload);
    flush();
  }
  void close(int c) {
    if (handles_[c] == 0) return;
    (void)mux_.close(handles_[c]);
    on_events();
    flush();
  }
  void corrupt_next(std::uint16_t pos, std::uint8_t x) { corrupt_ = {pos, x}; }
  void flush() {
    for (auto& m : mux_.take_output()) (void)stream_.send(m);
  }

 private:
  class Output final : public CoreChannel::Output {
   public:
    Output(Peer& peer, int c) : peer_(peer), c_(c) {}
    void send(const Message& m) override {
      Bytes bytes = encode(m);
      if (peer_.corrupt_ && !bytes.empty()) {
        bytes[peer_.corrupt_->first % bytes.size()] ^= peer_.corrupt_->second;
        peer_.corrupt_.reset();
      }
      (void)peer_.mux_.send(peer_.handles_[c_], static_cast<std::uint64_t>(type_of(m)), bytes);
    }
    void cork() override { peer_.mux_.cork(); }
    void uncork() override { peer_.mux_.uncork(); }

   private:
    Peer& peer_;
    int c_;
  };

  Hash32 core_discovery_key(int c) const {
    // P's copy has the same key, hence the same discovery key, as S's core.
    return setup_.cores[c]->discovery_key();
  }
  Bytes handshake(int c) const {
    Handshake h;
    h.capability = crypto::caps::replicate(stream_.initiator(), setup_.keys[c],
                                           ByteView(stream_.handshake().handshake_hash));
    if (setup_.wrong_capability) h.capability[0] ^= 1;
    return encode_handshake(h);
  }
  int channel_of(ChannelHandle h) const {
    for (int c = 0; c < 2; c++) {
      if (handles_[c] == h && h != 0) return c;
    }
    return -1;
  }

  void on_events() {
    for (auto events = mux_.take_events(); !events.empty(); events = mux_.take_events()) {
      for (auto& ev : events) on_event(ev);
    }
  }
  void on_event(MuxEvent& ev) {
    switch (ev.kind) {
      case MuxEvent::Kind::remote_open: {
        int c = -1;
        for (int i = 0; i < 2; i++) {
          if (ev.id && equal(*ev.id, dks_[i])) c = i;
        }
        if (c < 0 || !setup_.answers || handles_[c] != 0) {
          (void)mux_.reject_remote(ev.remote_id);
          return;
        }
        auto h = mux_.open_channel(ev.protocol, ByteView(*ev.id), handshake(c));
        if (h) handles_[c] = *h;
        return;
      }
      case MuxEvent::Kind::opened: {
        const int c = channel_of(ev.channel);
        if (c < 0 || !setup_.honest) return;
        outputs_[c] = std::make_unique<Output>(*this, c);
        CoreChannel::Options o;
        o.download = !setup_.cores[c]->writable();
        channels_[c] = std::make_unique<CoreChannel>(*setup_.cores[c], *outputs_[c], o);
        channels_[c]->on_open();
        return;
      }
      case MuxEvent::Kind::message: {
        const int c = channel_of(ev.channel);
        if (c < 0 || !channels_[c]) return;
        auto type = message_type(ev.type);
        if (!type) return;
        auto m = decode_message(*type, ev.payload);
        HC_FUZZ_CHECK(m.ok(), "the session under test sent a malformed message");
        if (!channels_[c]->on_message(*m)) channels_[c].reset();  // corrupted by us, say
        return;
      }
      case MuxEvent::Kind::closed:
      case MuxEvent::Kind::rejected: {
        const int c = channel_of(ev.channel);
        if (c < 0) return;
        handles_[c] = 0;
        channels_[c].reset();
        return;
      }
      default: return;
    }
  }

  Setup setup_;
  SecretStream stream_;
  Protomux mux_;
  Hash32 dks_[2];
  ChannelHandle handles_[2] = {0, 0};
  std::unique_ptr<Output> outputs_[2];
  std::unique_ptr<CoreChannel> channels_[2];
  std::optional<std::pair<std::uint16_t, std::uint8_t>> corrupt_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  core::Core& w = writer();
  fuzz::FuzzInput in(data, size);
  const std::uint8_t flags = in.u8();

  core::MemoryStorage s_storage, p_storage;
  core::Core::CreateOptions ao;
  ao.key_pair = seeded(5);
  auto a = std::move(core::Core::create(s_storage, ao).value());
  for (std::uint64_t i = 0; i < 3; i++) (void)a->append(block(i));
  auto b = std::move(core::Core::create_remote(s_storage, w.key()).value());
  auto a_copy = std::move(core::Core::create_remote(p_storage, a->key()).value());

  Held held;
  held.cores[a->discovery_key()] = a.get();
  held.cores[b->discovery_key()] = b.get();
  const bool s_initiator = flags & 128;
  ReplicationSession s(s_initiator, seeded(10), held);
  if (flags & 1) s.add_core(*a);
  if (flags & 2) s.add_core(*b);

  Peer::Setup setup{!s_initiator, bool(flags & 16), bool(flags & 32), bool(flags & 64),
                    {a_copy.get(), &w}, {a->key(), w.key()}};
  Peer p(setup);

  auto pump = [&] {
    for (int round = 0; round < 512; round++) {
      const Bytes to_s = p.stream().take_output();
      if (!to_s.empty() && !s.failed()) {
        const Status st = s.feed(to_s);
        HC_FUZZ_CHECK(st.ok() == !s.failed(), "feed's result and failed() disagree");
        if (!st.ok()) HC_FUZZ_CHECK(!s.error_reason().empty(), "a failure without a reason");
      }
      const Bytes to_p = s.take_output();
      if (to_s.empty() && to_p.empty()) return;
      p.feed(to_p);
    }
  };
  auto check = [&] {
    HC_FUZZ_CHECK(b->length() <= w.length(), "B is longer than its writer");
    for (std::uint64_t i = 0; i < b->length(); i++) {
      if (!b->has(i)) continue;
      auto got = b->get(i);
      HC_FUZZ_CHECK(got.ok() && *got == block(i), "B stored a block its writer never wrote");
    }
  };

  pump();  // the handshake, and S's own opens
  HC_FUZZ_CHECK(s.established(), "no handshake");
  if (flags & 4) p.open(0);
  if (flags & 8) p.open(1);
  pump();
  check();

  for (int steps = 0; !in.empty() && steps < 256 && !s.failed(); steps++) {
    switch (in.u8() % 9) {
      case 0: (void)p.stream().send(in.bytes()); break;
      case 1: {
        const std::uint8_t t = in.u8();
        p.send(t & 1, (t >> 1) % 12, in.bytes());
        break;
      }
      case 2: p.mux().cork(); break;
      case 3: p.mux().uncork(); p.flush(); break;
      case 4:
        (void)a->append(in.bytes());
        s.on_local_append(*a);
        break;
      case 5:
        s.keep_alive();
        p.stream().keep_alive();
        break;
      case 6: {
        const std::uint16_t pos = in.u16();
        p.corrupt_next(pos, in.u8());
        break;
      }
      case 7: p.close(in.u8() & 1); break;
      case 8: {
        const ByteView raw = in.bytes();
        if (s.feed(raw).ok()) HC_FUZZ_CHECK(!s.failed(), "feed ok but failed");
        break;
      }
    }
    pump();
    check();
  }
  if (s.failed()) {
    HC_FUZZ_CHECK(!s.feed(Bytes{0, 0, 0}).ok(), "a failed session took more input");
  }
  return 0;
}
