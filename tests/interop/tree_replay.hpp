// Replays append/truncate operations on a C++ Core (over MemoryStorage) and on
// a real Node Hypercore (tree_replay.js), and compares the two trees after
// every operation: length, byte length, fork, tree hash, signature, roots and,
// when asked, every node storage holds below 2 * length (null where none).
// Shared by tree_kat_test.cpp and random_ops_test.cpp; header-only because
// tests/interop builds only *_test.cpp and node_runner.cpp.
#pragma once

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "core/errors.hpp"
#include "core/memory_storage.hpp"
#include "crypto/sign.hpp"
#include "encoding/key_id.hpp"
#include "node_runner.hpp"

namespace hc::interop {

struct TreeOp {
  std::vector<Bytes> append;           // blocks appended in one batch; empty: a truncate
  std::uint64_t truncate = 0;
  std::optional<std::uint64_t> fork;   // truncate to this fork instead of fork + 1

  static TreeOp appending(std::vector<Bytes> blocks) {
    TreeOp op;
    op.append = std::move(blocks);
    return op;
  }
  static TreeOp truncating(std::uint64_t length, std::optional<std::uint64_t> fork = {}) {
    TreeOp op;
    op.truncate = length;
    op.fork = fork;
    return op;
  }
  bool is_append() const { return !append.empty(); }
};

// Which states list the stored nodes.
enum class NodeDump { every, last, none };

struct TreeCase {
  std::string label;  // printed on failure, with the operation that diverged
  Hash32 seed{};      // the key pair's seed
  bool compat = false;
  NodeDump nodes = NodeDump::every;
  std::vector<TreeOp> ops;
};

namespace tree_replay_detail {

// Not node_runner's hex(): a Hash32 converts to both of its overloads.
using encoding::to_hex;

inline nlohmann::json node_json(const core::TreeNode& n) {
  return nlohmann::json::array({n.index, n.size, to_hex(n.hash)});
}

inline nlohmann::json state_json(core::Core& c, bool with_nodes) {
  nlohmann::json s;
  s["length"] = c.length();
  s["byteLength"] = c.byte_length();
  s["fork"] = c.fork();
  s["treeHash"] = to_hex(c.tree_hash());
  s["signature"] = c.signature().empty() ? nlohmann::json() : nlohmann::json(to_hex(c.signature()));
  s["roots"] = nlohmann::json::array();
  for (const auto& r : c.tree().roots) s["roots"].push_back(node_json(r));
  if (with_nodes) {
    auto& nodes = s["nodes"] = nlohmann::json::array();
    for (std::uint64_t i = 0; i < 2 * c.length(); i++) {
      auto n = c.get_node(i);
      if (n) {
        nodes.push_back(node_json(*n));
      } else {
        REQUIRE(n.error() == core::Errc::block_not_available);
        nodes.push_back(nullptr);
      }
    }
  }
  return s;
}

inline std::string describe(const TreeOp& op) {
  std::ostringstream os;
  if (op.is_append()) {
    os << "append " << op.append.size() << " block(s) of sizes";
    for (const auto& b : op.append) os << ' ' << b.size();
  } else {
    os << "truncate(" << op.truncate;
    if (op.fork) os << ", fork " << *op.fork;
    os << ')';
  }
  return os.str();
}

// The first few differences, each with both values (JSON patch paths).
inline std::string differences(const nlohmann::json& node, const nlohmann::json& cpp) {
  std::ostringstream os;
  const auto patch = nlohmann::json::diff(node, cpp);
  std::size_t shown = 0;
  for (const auto& p : patch) {
    if (shown++ == 6) {
      os << "\n  ... " << patch.size() - 6 << " more";
      break;
    }
    const auto ptr = nlohmann::json::json_pointer(p["path"].get<std::string>());
    os << "\n  " << p["path"].get<std::string>() << ": node "
       << (node.contains(ptr) ? node.at(ptr).dump() : "(absent)") << ", c++ "
       << (cpp.contains(ptr) ? cpp.at(ptr).dump() : "(absent)");
  }
  return os.str();
}

}  // namespace tree_replay_detail

// The input of tree_replay.js.
inline nlohmann::json tree_replay_input(const std::vector<TreeCase>& cases) {
  using encoding::to_hex;
  nlohmann::json in;
  auto& out = in["cases"] = nlohmann::json::array();
  for (const auto& c : cases) {
    nlohmann::json j;
    j["seed"] = to_hex(c.seed);
    j["compat"] = c.compat;
    j["nodes"] = c.nodes == NodeDump::every ? "every" : c.nodes == NodeDump::last ? "last" : "none";
    auto& ops = j["ops"] = nlohmann::json::array();
    for (const auto& op : c.ops) {
      nlohmann::json o;
      if (op.is_append()) {
        auto& blocks = o["append"] = nlohmann::json::array();
        for (const auto& b : op.append) blocks.push_back(to_hex(b));
      } else {
        o["truncate"] = op.truncate;
        if (op.fork) o["fork"] = *op.fork;
      }
      ops.push_back(std::move(o));
    }
    out.push_back(std::move(j));
  }
  return in;
}

// Replays one case on a C++ Core and prints it as tree_replay.js does.
inline nlohmann::json replay_cpp(const TreeCase& tc) {
  using encoding::to_hex;
  using tree_replay_detail::state_json;
  core::MemoryStorage storage;
  core::Core::CreateOptions opts;
  opts.key_pair = crypto::key_pair_from_seed(tc.seed);
  opts.compat = tc.compat;
  auto created = core::Core::create(storage, opts);
  REQUIRE(created.ok());
  core::Core& c = **created;

  nlohmann::json out;
  out["key"] = to_hex(c.key());
  out["discoveryKey"] = to_hex(c.discovery_key());
  REQUIRE(c.manifest().has_value());
  out["manifest"] = to_hex(core::encode_manifest(*c.manifest()));
  auto& states = out["states"] = nlohmann::json::array();
  auto wants = [&](std::size_t i) {  // i: operations done
    return tc.nodes == NodeDump::every || (tc.nodes == NodeDump::last && i == tc.ops.size());
  };
  states.push_back(state_json(c, wants(0)));
  for (std::size_t i = 0; i < tc.ops.size(); i++) {
    const TreeOp& op = tc.ops[i];
    if (op.is_append()) {
      std::vector<ByteView> views(op.append.begin(), op.append.end());
      auto r = c.append(views);
      INFO(tc.label << ": op " << i << " " << tree_replay_detail::describe(op));
      REQUIRE(r.ok());
    } else {
      auto r = c.truncate(op.truncate, op.fork);
      INFO(tc.label << ": op " << i << " " << tree_replay_detail::describe(op));
      REQUIRE(r.ok());
    }
    states.push_back(state_json(c, wants(i + 1)));
  }
  return out;
}

// Runs every case through Node (one process) and C++, and fails on the first
// state of each case where they differ. Returns the number of states compared.
inline std::size_t check_tree_cases(const std::vector<TreeCase>& cases, int timeout_seconds = 120) {
  using namespace tree_replay_detail;
  // Not const: operator[] then gives null for a missing field instead of UB.
  nlohmann::json node = run_node("tree_replay.js", {}, tree_replay_input(cases), timeout_seconds);
  REQUIRE(node["cases"].size() == cases.size());
  std::size_t compared = 0;
  for (std::size_t ci = 0; ci < cases.size(); ci++) {
    const TreeCase& tc = cases[ci];
    nlohmann::json& n = node["cases"][ci];
    nlohmann::json cpp = replay_cpp(tc);
    const std::string name = "case " + std::to_string(ci) + ": " + tc.label +
                             (tc.compat ? " (compat)" : " (manifest)");
    INFO(name);
    CHECK_MESSAGE(n["key"] == cpp["key"], differences(n["key"], cpp["key"]));
    CHECK_MESSAGE(n["discoveryKey"] == cpp["discoveryKey"],
                  differences(n["discoveryKey"], cpp["discoveryKey"]));
    CHECK_MESSAGE(n["manifest"] == cpp["manifest"], differences(n["manifest"], cpp["manifest"]));
    auto& ns = n["states"];
    auto& cs = cpp["states"];
    REQUIRE(ns.size() == tc.ops.size() + 1);
    REQUIRE(cs.size() == ns.size());
    for (std::size_t si = 0; si < ns.size(); si++) {
      // Node's answer must not be vacuous: every state lists its roots, and
      // its nodes when asked.
      REQUIRE(ns[si]["roots"].is_array());
      if (cs[si].contains("nodes")) {
        REQUIRE(ns[si].contains("nodes"));
        REQUIRE(ns[si]["nodes"].size() == 2 * ns[si]["length"].get<std::uint64_t>());
      }
      compared++;
      if (ns[si] == cs[si]) continue;
      FAIL_CHECK("first difference after "
                 << (si == 0 ? std::string("opening")
                             : "op " + std::to_string(si - 1) + " " + describe(tc.ops[si - 1]))
                 << differences(ns[si], cs[si]));
      break;
    }
  }
  return compared;
}

}  // namespace hc::interop
