// Writes the seed corpora of the fuzz targets: fuzz_seeds <dir> makes
// <dir>/<target>/seed-<n> for every target, deterministic inputs in each
// target's input format (see the comment at the top of each *_fuzz.cpp), so
// a short run starts from messages that decode and exchanges that get far.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "core/manifest.hpp"
#include "core/proof_codec.hpp"
#include "encoding/compact.hpp"
#include "storage/append_record.hpp"
#include "wire/frame.hpp"
#include "wire/messages.hpp"
#include "wire/messages_random.hpp"

using namespace hc;
namespace fs = std::filesystem;

namespace {

fs::path root;

void write(const std::string& target, const Bytes& bytes) {
  static std::map<std::string, int> counts;
  const fs::path dir = root / target;
  fs::create_directories(dir);
  std::ofstream(dir / ("seed-" + std::to_string(counts[target]++)), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// FuzzInput::bytes(): u8 length (0xff: u16 length follows) ‖ bytes.
void put_bytes(Bytes& out, ByteView b) {
  if (b.size() < 0xff) {
    out.push_back(static_cast<std::uint8_t>(b.size()));
  } else {
    out.push_back(0xff);
    out.push_back(static_cast<std::uint8_t>(b.size()));
    out.push_back(static_cast<std::uint8_t>(b.size() >> 8));
  }
  append(out, b);
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}

Bytes mux_open(std::uint64_t id, std::string_view protocol, ByteView key, ByteView handshake) {
  Bytes m;
  encoding::Writer w(m);
  w.u8(0);
  w.u8(1);
  w.uint(id);
  w.string(protocol);
  w.optional_buffer(key);
  w.raw(handshake);
  return m;
}

Bytes mux_message(std::uint64_t channel, std::uint64_t type, ByteView payload) {
  Bytes m;
  encoding::Writer w(m);
  w.uint(channel);
  w.uint(type);
  w.raw(payload);
  return m;
}

Bytes mux_batch(std::uint64_t channel, const std::vector<Bytes>& entries) {
  Bytes m;
  encoding::Writer w(m);
  w.u8(0);
  w.u8(0);
  w.uint(channel);
  for (const auto& e : entries) w.buffer(e);
  return m;
}

Bytes mux_control(std::uint8_t type, std::uint64_t id) {
  Bytes m;
  encoding::Writer w(m);
  w.u8(0);
  w.u8(type);
  w.uint(id);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  root = argv[1];
  wire::testing::MessageRandom rnd(1);
  const Hash32 dk = rnd.hash();
  const Bytes hs = wire::encode_handshake({true, rnd.hash()});

  // frame: u8 k, k piece sizes, the stream.
  {
    Bytes stream;
    for (std::size_t n : {0, 1, 5, 40, 300}) wire::append_frame(stream, Bytes(n, 0x61));
    write("frame", cat({{0}, stream}));
    write("frame", cat({{3, 1, 2, 7}, stream}));
    write("frame", cat({{1, 0xff}, stream, {0xff, 0xff, 0xff, 1, 2}}));
  }

  // messages: u8 type ‖ payload; codecs: u8 selector ‖ bytes.
  for (std::uint64_t t = 0; t < wire::kMessageTypeCount; t++) {
    for (int i = 0; i < 3; i++) {
      const auto type = static_cast<wire::MessageType>(t);
      write("messages", cat({{static_cast<std::uint8_t>(t)}, wire::encode(rnd.message(type))}));
    }
  }
  for (int i = 0; i < 3; i++) {
    write("codecs", cat({{0}, wire::encode_handshake(rnd.handshake())}));
    write("codecs", cat({{1}, core::encode_manifest(rnd.manifest())}));
    write("codecs", cat({{2}, core::encode_request(rnd.request())}));
    write("codecs", cat({{3}, core::encode_proof(rnd.data())}));
    write("codecs", cat({{4}, core::encode_manifest(rnd.manifest()), core::encode_manifest(rnd.manifest())}));
  }
  write("codecs", cat({{1}, core::encode_manifest(core::default_signer_manifest(rnd.hash()))}));

  // protomux: ops (see protomux_fuzz.cpp).
  {
    auto receive = [](const Bytes& m) {
      Bytes out{0};
      put_bytes(out, m);
      return out;
    };
    const Bytes open1 = mux_open(1, "hypercore/alpha", dk, hs);
    const Bytes sync = wire::encode(rnd.sync());
    // The peer opens, we answer, messages both ways, a batch, a close.
    write("protomux", cat({receive(open1), receive(mux_message(1, 0, sync)), {5, 0},
                           [&] { Bytes b; put_bytes(b, hs); return b; }(),
                           receive(mux_batch(1, {Bytes{0, 1}, Bytes{3, 9, 9}})),
                           {7, 0, 2}, [&] { Bytes b; put_bytes(b, sync); return b; }(),
                           receive(mux_control(3, 1))}));
    // We open first, then the peer's open pairs; cork/uncork around sends.
    Bytes ours{4, 0, 3};
    put_bytes(ours, hs);
    write("protomux", cat({ours, receive(mux_open(1, "hypercore/alpha", Bytes(32, 0), hs)), {9},
                           {7, 0, 1, 2, 1, 2}, {7, 0, 1, 2, 3, 4}, {10}, {8, 0}}));
    // A reject of our open, an open we reject, opens past the limits.
    write("protomux", cat({ours, receive(mux_control(2, 1)), receive(open1), {5, 1},
                           receive(mux_open(1, "x", {}, {})), receive(mux_open(2, "y", {}, {})),
                           receive(mux_message(2, 5, Bytes(600, 1))), receive(mux_message(2, 5, Bytes(600, 1)))}));
  }

  // secret_stream: u8 mode, then per mode (see secret_stream_fuzz.cpp).
  {
    Bytes msg1;
    wire::append_frame(msg1, Bytes(32, 7));
    write("secret_stream", cat({{0, 0}, msg1}));
    write("secret_stream", cat({{0, 2, 5, 1}, msg1, {0x38, 0, 0}, Bytes(56, 1)}));
    write("secret_stream", cat({{1, 0}, msg1}));
    Bytes header;
    wire::append_frame(header, Bytes(56, 3));
    write("secret_stream", cat({{2, 0}, header, {20, 0, 0}, Bytes(20, 4)}));
    Bytes records{3};
    for (const auto& m : {mux_open(1, "hypercore/alpha", dk, hs), mux_message(1, 0, wire::encode(rnd.sync())),
                          mux_batch(1, {Bytes{0, 1}, Bytes{5, 1, 2}})}) {
      records.push_back(0);
      put_bytes(records, m);
      records.push_back(7);  // piece size - 1
    }
    append(records, Bytes{3, 2, 5, 0, 1});
    put_bytes(records, Bytes{1, 2, 3});
    records.push_back(4);
    put_bytes(records, Bytes{9, 9});
    write("secret_stream", records);
  }

  // session: u8 flags, then ops (see session_fuzz.cpp).
  {
    for (std::uint8_t flags : {0x3f, 0x33, 0xbf, 0x0c, 0x01, 0x6f}) write("session", {flags});
    Bytes ops{0x33};
    for (std::uint64_t t = 0; t < wire::kMessageTypeCount; t++) {
      const auto type = static_cast<wire::MessageType>(t);
      for (std::uint8_t c = 0; c < 2; c++) {
        ops.push_back(1);
        ops.push_back(static_cast<std::uint8_t>(c | (t << 1)));
        put_bytes(ops, wire::encode(rnd.message(type)));
      }
    }
    write("session", ops);
    write("session", cat({{0x3f, 6, 5, 0, 0x10, 4, 3, 'a', 'b', 'c', 6, 40, 0, 1}}));
    Bytes raw{0x3c, 0};
    put_bytes(raw, mux_batch(1, {Bytes{0, 1, 2}, Bytes{1, 3}}));
    append(raw, Bytes{2, 1, 2, 0, 3, 7, 0, 5, 4, 0});
    put_bytes(raw, mux_control(3, 2));
    write("session", raw);
  }

  // append_record: u8 mode ‖ a whole record (mode 0), or its body alone (mode 1).
  {
    const Bytes blocks[] = {Bytes(100, 0x61), Bytes{}, Bytes(7, 0x62)};
    core::CoreUpdate u;
    u.core = 3;
    for (std::uint64_t i = 0; i < 3; i++) u.blocks.emplace_back(40 + i, blocks[i]);
    u.nodes = {{80, 100, rnd.hash()}, {81, 0, rnd.hash()}, {82, 7, rnd.hash()}};
    u.bitfield = {{0, Bytes(core::Bitfield::kPageBytes, 0x0f)}};
    core::TreeState t;
    t.length = 43;
    t.byte_length = 4000;
    t.roots = {{63, 3000, rnd.hash()}, {81, 0, rnd.hash()}};
    t.signature = Bytes(64, 0x33);
    u.tree = t;
    Bytes record;
    storage::encode_append_record(5, u, record);
    write("append_record", cat({{0}, record}));
    write("append_record", cat({{1}, Bytes(record.begin() + 8, record.end() - 32)}));
  }
  return 0;
}
