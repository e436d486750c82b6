// Shared by the proof_*_test.cpp agreement tests: the cores both sides build
// (deterministic key pairs and blocks), the proof requests the Node reference
// answered for them (proof_cases.js, run once per test binary), and readers
// put into the state a request describes.
//
// Header-only so the interop CMake glob needs no extra source; everything is
// inline and the Node answers are cached in one function-local static.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core/errors.hpp"
#include "core/memory_storage.hpp"
#include "core/proof_codec.hpp"
#include "crypto/sign.hpp"
#include "encoding/key_id.hpp"
#include "encoding/compact.hpp"
#include "node_runner.hpp"

namespace hc::interop::proofs {

inline std::string hex_of(ByteView b) { return encoding::to_hex(b); }

struct CoreSpec {
  std::string name;
  Hash32 seed{};
  bool compat = false;
  std::vector<std::size_t> sizes;
  int salt = 0;
};

// Block i, byte j: (salt + 131 i + 7 j + (i >> 8)) & 0xff, as proof_cases.js.
inline Bytes make_block(int salt, std::uint64_t i, std::size_t size) {
  Bytes b(size);
  for (std::size_t j = 0; j < size; j++) {
    b[j] = static_cast<std::uint8_t>((salt + 131 * i + 7 * j + (i >> 8)) & 0xff);
  }
  return b;
}

// Tree sizes 0..1000, manifest (default) and compat cores; block sizes cycle
// through empty, small and medium, and each core of 1+ blocks but the
// smallest manifest one has a block of 64 KiB or more.
inline const std::vector<CoreSpec>& core_specs() {
  static const std::vector<CoreSpec> specs = [] {
    const std::size_t cycle[] = {0, 1, 5, 32, 100, 1000, 3, 64, 7, 250, 4096, 2, 9, 33};
    struct Big {
      std::size_t length, index, size;
    };
    const Big bigs[] = {{1, 0, 70000},    {2, 1, 65537},    {3, 0, 65536},
                        {5, 2, 66000},    {8, 7, 100000},   {13, 4, 66000},
                        {100, 63, 65600}, {1000, 1, 70000}, {1000, 500, 70000}};
    std::vector<CoreSpec> out;
    int n = 0;
    for (std::size_t length : {0, 1, 2, 3, 5, 8, 13, 100, 1000}) {
      for (bool compat : {false, true}) {
        CoreSpec s;
        s.name = (compat ? "compat-" : "manifest-") + std::to_string(length);
        s.compat = compat;
        s.salt = 3 * n + 1;
        for (std::size_t j = 0; j < 32; j++)
          s.seed[j] = static_cast<std::uint8_t>(0x10 * (n + 1) + j);
        for (std::size_t i = 0; i < length; i++) {
          s.sizes.push_back(cycle[(i * 5 + length + (compat ? 1 : 0)) % 14]);
        }
        for (const auto& b : bigs) {
          // The one-block manifest core keeps its (empty) block.
          if (b.length == length && !(length == 1 && !compat)) s.sizes[b.index] = b.size;
        }
        out.push_back(std::move(s));
        n++;
      }
    }
    return out;
  }();
  return specs;
}

// The Node reference's answers for every core of core_specs().
inline const nlohmann::json& node_cases() {
  static const nlohmann::json cases = [] {
    nlohmann::json input;
    input["cores"] = nlohmann::json::array();
    for (const auto& s : core_specs()) {
      nlohmann::json j;
      j["name"] = s.name;
      j["seed"] = hex_of(s.seed);
      j["compat"] = s.compat;
      j["sizes"] = s.sizes;
      j["salt"] = s.salt;
      input["cores"].push_back(std::move(j));
    }
    return run_node("proof_cases.js", {}, input, 300);
  }();
  return cases;
}

inline const CoreSpec& spec_of(const nlohmann::json& core) {
  for (const auto& s : core_specs()) {
    if (s.name == core["name"]) return s;
  }
  FAIL("no spec for " << core["name"]);
  return core_specs().front();
}

// A Storage that counts writes: a rejected proof must cause none.
class CountingStorage final : public core::Storage {
 public:
  Result<core::CoreId> create_core(const core::CoreRecord& r) override { return s_.create_core(r); }
  Result<std::optional<core::CoreRecord>> find_core(const Hash32& key) override {
    return s_.find_core(key);
  }
  Result<std::optional<core::CoreRecord>> find_named_core(std::string_view name) override {
    return s_.find_named_core(name);
  }
  Result<std::vector<core::CoreRecord>> list_cores() override { return s_.list_cores(); }
  Result<std::uint64_t> count_cores() override { return s_.count_cores(); }
  Result<std::optional<core::TreeNode>> get_node(core::CoreId c, std::uint64_t i) override {
    return s_.get_node(c, i);
  }
  Result<std::optional<Bytes>> get_block(core::CoreId c, std::uint64_t i) override {
    return s_.get_block(c, i);
  }
  Result<std::vector<core::BitfieldPage>> load_bitfield(core::CoreId c) override {
    return s_.load_bitfield(c);
  }
  Status write(std::span<const core::CoreUpdate> updates) override {
    writes_++;
    return s_.write(updates);
  }
  int writes() const { return writes_; }

 private:
  core::MemoryStorage s_;
  int writes_ = 0;
};

// A writable C++ core with the spec's key pair and blocks.
struct Writer {
  const CoreSpec* spec = nullptr;
  core::MemoryStorage storage;
  std::unique_ptr<core::Core> core;

  // Appends the next blocks up to `length` in one batch, as proof_cases.js.
  void grow_to(std::uint64_t length) {
    std::vector<Bytes> blocks;
    for (std::uint64_t i = core->length(); i < length; i++) {
      blocks.push_back(make_block(spec->salt, i, spec->sizes[i]));
    }
    std::vector<ByteView> views(blocks.begin(), blocks.end());
    if (!views.empty()) REQUIRE(core->append(views).ok());
  }
};

inline std::unique_ptr<Writer> make_writer(const CoreSpec& spec, std::uint64_t length) {
  auto w = std::make_unique<Writer>();
  w->spec = &spec;
  core::Core::CreateOptions opts;
  opts.key_pair = crypto::key_pair_from_seed(spec.seed);
  opts.compat = spec.compat;
  auto c = core::Core::create(w->storage, opts);
  REQUIRE(c.ok());
  w->core = std::move(*c);
  w->grow_to(length);
  return w;
}

// A reader known only by the key: the peer that sent the request.
struct Reader {
  CountingStorage storage;
  std::unique_ptr<core::Core> core;
};

inline Result<core::Core::VerifyResult> apply_proof(Reader& r, ByteView bytes) {
  auto proof = core::decode_proof(bytes);
  if (!proof) return proof.error();
  return r.core->verify(*proof);
}

// A fresh reader that applied the proofs of the setup cases (each must verify).
inline std::unique_ptr<Reader> make_reader(const nlohmann::json& core, const nlohmann::json& c) {
  auto r = std::make_unique<Reader>();
  auto created = core::Core::create_remote(r->storage, hex32(core["key"]));
  REQUIRE(created.ok());
  r->core = std::move(*created);
  for (const auto& id : c["setup"]) {
    const auto& setup = core["cases"][id.get<std::size_t>()];
    INFO("setup case " << setup["id"] << " " << setup["kind"] << " " << setup["msg"].dump());
    REQUIRE(setup["proof"].is_string());
    auto res = apply_proof(*r, hex(setup["proof"]));
    REQUIRE_MESSAGE(res.ok(), res.error().message());
  }
  return r;
}

// What a reader shows of its state; a rejected proof must leave it unchanged.
struct ReaderState {
  std::uint64_t length, byte_length, fork, contiguous;
  Hash32 tree_hash;
  Bytes signature;
  bool has_manifest;
  int writes;
  bool operator==(const ReaderState&) const = default;
};

inline ReaderState state_of(const Reader& r) {
  const auto& c = *r.core;
  return {c.length(),
          c.byte_length(),
          c.fork(),
          c.contiguous_length(),
          c.tree_hash(),
          c.signature(),
          c.manifest().has_value(),
          r.storage.writes()};
}

inline std::string describe(const nlohmann::json& core, const nlohmann::json& c) {
  return core["name"].get<std::string>() + " case " + c["id"].dump() + " (" +
         c["kind"].get<std::string>() + ", expect " + c["expect"].get<std::string>() + ") " +
         c["msg"].dump();
}

}  // namespace hc::interop::proofs
