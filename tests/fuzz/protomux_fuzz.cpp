// Protomux::receive, with the local side also acting as directed by the
// input, so that opens pair both ways, get rejected, closed, batched and
// buffered. Small limits make the pause / hard-limit / channel-count paths
// reachable with small inputs.
//
// Input: a sequence of operations, each u8 op then its operands:
//   0..3  receive(bytes)                     a message from the peer
//   4     open_channel(protocol u8, id u8, handshake bytes)
//   5     answer the oldest remote_open (open_channel with its key; u8 odd:
//         reject_remote instead)
//   6     reject_remote(u8 remote id)
//   7     send(handle u8, type u8, payload bytes)
//   8     close(handle u8)
//   9     cork, 10 uncork, 11 destroy
// Output messages are fed to a second mux (a peer with no state of its own)
// so that our encoder's batches and opens go through a decoder too.
// Properties: receive() fails only with the mux destroyed afterwards; every
// call after destruction fails with `destroyed`; handles are never reused.
#include <deque>
#include <set>
#include <string>

#include "fuzz_input.hpp"
#include "wire/protomux.hpp"

using namespace hc;
using wire::MuxErrc;
using wire::MuxEvent;

namespace {

const char* const kProtocols[] = {"hypercore/alpha", "", "x", "hypercore/alpha\x00z"};

std::optional<ByteView> pick_id(std::uint8_t b, Bytes& storage) {
  if (b % 4 == 0) return std::nullopt;
  storage.assign(b % 4 == 3 ? 32 : b % 4, static_cast<std::uint8_t>(b >> 2));
  return ByteView(storage);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput in(data, size);
  wire::Protomux::Options options;
  options.max_buffered = 2048;
  options.max_buffered_hard = 16384;
  options.max_remote_channels = 32;
  options.max_batch = 512;
  wire::Protomux mux(options), peer(options);

  std::deque<MuxEvent> remote_opens;
  std::vector<wire::ChannelHandle> handles;  // every handle we were given, in order
  std::set<wire::ChannelHandle> seen;
  int corked = 0;

  auto drain = [&] {
    for (auto& ev : mux.take_events()) {
      if (ev.kind == MuxEvent::Kind::remote_open) remote_opens.push_back(std::move(ev));
    }
    for (auto& msg : mux.take_output()) {
      HC_FUZZ_CHECK(!msg.empty(), "empty output message");
      (void)peer.receive(msg);
      (void)peer.take_events();
      (void)peer.take_output();
    }
  };
  auto remember = [&](const Result<wire::ChannelHandle>& h) {
    if (!h) return;
    HC_FUZZ_CHECK(*h != 0 && seen.insert(*h).second, "a handle was reused");
    handles.push_back(*h);
  };
  auto handle = [&](std::uint8_t b) -> wire::ChannelHandle {
    if (handles.empty() || b == 0xff) return b;  // also stale / invalid handles
    return handles[b % handles.size()];
  };

  for (int steps = 0; !in.empty() && steps < 4096; steps++) {
    const bool was_destroyed = mux.destroyed();
    const std::uint8_t op = in.u8() % 12;
    Status st;
    bool called = true;  // st is the result of a mux call
    switch (op) {
      case 0: case 1: case 2: case 3: {
        st = mux.receive(in.bytes());
        if (!st) HC_FUZZ_CHECK(mux.destroyed(), "receive failed but the mux lives on");
        break;
      }
      case 4: {
        const char* protocol = kProtocols[in.u8() % 4];
        Bytes id_bytes;
        auto id = pick_id(in.u8(), id_bytes);
        auto h = mux.open_channel(protocol, id, in.bytes());
        remember(h);
        st = h ? Status() : Status(h.error());
        break;
      }
      case 5: {
        const std::uint8_t how = in.u8();
        if (remote_opens.empty()) {
          called = false;
          break;
        }
        MuxEvent ev = std::move(remote_opens.front());
        remote_opens.pop_front();
        if (how & 1) {
          st = mux.reject_remote(ev.remote_id);
        } else {
          std::optional<ByteView> id;
          if (ev.id) id = ByteView(*ev.id);
          auto h = mux.open_channel(ev.protocol, id, in.bytes());
          remember(h);
          st = h ? Status() : Status(h.error());
        }
        break;
      }
      case 6: st = mux.reject_remote(in.u8()); break;
      case 7: {
        const auto h = handle(in.u8());
        const std::uint64_t type = in.u8();
        st = mux.send(h, type, in.bytes());
        break;
      }
      case 8: st = mux.close(handle(in.u8())); break;
      case 9: mux.cork(); corked++; called = false; break;
      case 10: mux.uncork(); if (corked > 0) corked--; called = false; break;
      case 11: mux.destroy(); called = false; break;
    }
    if (was_destroyed && called) {
      HC_FUZZ_CHECK(st.error() == MuxErrc::destroyed, "a call on a destroyed mux did not fail");
    }
    drain();
  }
  while (corked-- > 0) mux.uncork();
  drain();
  mux.destroy();
  drain();
  HC_FUZZ_CHECK(mux.channel_count() == 0, "channels left after destroy");
  return 0;
}
