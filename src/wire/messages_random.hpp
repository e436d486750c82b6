// Test helper (header only, not part of hc_wire): random values of every
// channel message, biased to the edges of the compact uint forms, for
// messages_test.cpp and tests/interop/messages_kat_test.cpp.
#pragma once

#include <random>
#include <string>

#include "encoding/compact.hpp"
#include "wire/messages.hpp"

namespace hc::wire::testing {

class MessageRandom {
 public:
  explicit MessageRandom(std::uint64_t seed) : rng_(seed) {}

  std::mt19937_64& rng() { return rng_; }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool coin() { return (rng_() & 1) != 0; }

  // 0..2^53-1, mostly at the boundaries of the 1/3/5/9-byte forms.
  std::uint64_t uint() {
    static constexpr std::uint64_t kEdges[] = {0,       1,          2,           0xfc,
                                               0xfd,    0xfe,       0xff,        0x100,
                                               0xffff,  0x10000,    0xffffffff,  0x100000000,
                                               1 << 21, 0x7fffffff, encoding::kMaxSafeInteger,
                                               encoding::kMaxSafeInteger - 1};
    switch (below(5)) {
      case 0: return kEdges[below(std::size(kEdges))];
      case 1: return below(0xfd);
      case 2: return below(0x10000);
      case 3: return below(0x100000000);
      default: return below(encoding::kMaxSafeInteger + 1);
    }
  }
  std::uint64_t small() { return below(8); }

  Bytes bytes(std::size_t max) {
    std::size_t n = below(4) == 0 ? 0 : below(max + 1);
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng_());
    return b;
  }
  Hash32 hash() {
    Hash32 h;
    for (auto& x : h) x = static_cast<std::uint8_t>(rng_());
    return h;
  }
  // Valid UTF-8 (ASCII and some multi-byte characters), so that Node's
  // string decoding keeps the bytes.
  std::string name() {
    static const char* kParts[] = {"a", "hypercore", "ext/1", "é", "€", "🙂", "_", "-", "z", "0"};
    std::string s;
    std::size_t n = below(4) == 0 ? 0 : below(12);
    for (std::size_t i = 0; i < n; i++) s += kParts[below(std::size(kParts))];
    return s;
  }

  std::vector<core::TreeNode> nodes() {
    std::vector<core::TreeNode> v(below(4) == 0 ? 0 : below(6));
    for (auto& n : v) n = {uint(), uint(), hash()};
    return v;
  }

  core::Manifest manifest() {
    core::Manifest m;
    m.version = below(4);
    m.allow_patch = coin();
    m.quorum = small();
    m.signers.resize(below(4));
    for (auto& s : m.signers) s = {hash(), hash()};
    if (m.version == 0) {
      // The three shapes of a v0 manifest, as Node decodes them.
      switch (below(3)) {
        case 0:
          m.allow_patch = false, m.quorum = 0, m.signers.clear();
          m.prologue = core::Prologue{hash(), 0};
          break;
        case 1:
          m.allow_patch = false, m.quorum = 1, m.signers.resize(1);
          break;
        default:
          if (m.quorum == 1 && m.signers.size() == 1 && !m.allow_patch) m.quorum = 2;
          break;
      }
      return m;
    }
    if (coin()) m.prologue = core::Prologue{hash(), uint()};
    if (coin()) {
      m.linked.emplace(below(3));
      for (auto& h : *m.linked) h = hash();
    }
    if (coin()) m.user_data = bytes(40);
    return m;
  }

  Sync sync() {
    return {uint(), uint(), uint(), coin(), coin(), coin(), coin(), coin()};
  }
  Request request() {
    Request m;
    m.id = uint();
    m.fork = uint();
    if (coin()) m.block = Request::Indexed{uint(), uint()};
    if (coin()) m.hash = Request::Indexed{uint(), uint()};
    if (coin()) m.seek = Request::Seek{uint(), uint()};
    if (coin()) m.upgrade = Request::Upgrade{uint(), uint()};
    m.manifest = coin();
    m.priority = coin() ? 0 : uint();
    return m;
  }
  Cancel cancel() { return {uint()}; }
  Data data() {
    Data m;
    m.request = uint();
    m.fork = uint();
    if (coin()) m.block = Data::Block{uint(), bytes(300), nodes()};
    if (coin()) m.hash = Data::Hash{uint(), nodes()};
    if (coin()) m.seek = Data::Seek{uint(), nodes()};
    if (coin()) {
      Bytes sig = coin() ? bytes(64) : Bytes(64, 0x5a);
      m.upgrade = Data::Upgrade{uint(), uint(), nodes(), nodes(), sig};
    }
    if (coin()) m.manifest = manifest();
    return m;
  }
  NoData no_data() { return {uint(), below(3) == 0 ? 0 : below(2) == 0 ? 1 + below(2) : uint()}; }
  Want want() { return {uint(), uint(), coin()}; }
  Unwant unwant() { return {uint(), uint(), coin()}; }
  Bitfield bitfield() {
    static constexpr std::size_t kSizes[] = {0, 1, 2, 3, 8, 32, 256, 1024};
    Bitfield m{coin() ? 32 * below(1u << 20) : uint(), {}};
    m.bitfield.resize(kSizes[below(std::size(kSizes))]);
    for (auto& w : m.bitfield) w = static_cast<std::uint32_t>(coin() ? rng_() : below(2) * 0xffffffffu);
    return m;
  }
  Range range() {
    std::uint64_t len = below(3) == 0 ? 1 : coin() ? below(3) : uint();
    return {coin(), uint(), len};
  }
  Extension extension() {
    Bytes msg = below(8) == 0 ? bytes(70000) : bytes(100);
    return {name(), msg};
  }
  Handshake handshake() { return {coin(), hash()}; }

  Message message(MessageType t) {
    switch (t) {
      case MessageType::sync: return sync();
      case MessageType::request: return request();
      case MessageType::cancel: return cancel();
      case MessageType::data: return data();
      case MessageType::no_data: return no_data();
      case MessageType::want: return want();
      case MessageType::unwant: return unwant();
      case MessageType::bitfield: return bitfield();
      case MessageType::range: return range();
      case MessageType::extension: return extension();
    }
    return sync();
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace hc::wire::testing
