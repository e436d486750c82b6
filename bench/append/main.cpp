// bench_append: C++ append/read throughput of Core on SqliteStorage, the C++
// half of bench/append (append.js is the Node half; bench/append/run runs both
// and prints the comparison). Prints one JSON object per line on stdout.
//
// Usage: bench_append '<plan JSON>'
//   { "tmp": DIR,                      parent of the per-case data directories
//     "cases": [ {"kind": "append", "size": 1024, "count": 20000, "batch": 1},
//                {"kind": "read", "size": 1024, "count": 50000}, ... ],
//     "crypto": true,                  also print BLAKE2b and ed25519 sign rates
//     "storage": "sqlite" | "memory",  memory: core::MemoryStorage (diagnostic)
//     "durability": "normal" | "full" }
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cases.hpp"

namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: bench_append '{\"tmp\": DIR, \"cases\": [{\"kind\": \"append\"|\"read\", \"size\": N, "
    "\"count\": N, \"batch\": N}], \"crypto\": bool, \"storage\": \"sqlite\"|\"memory\", "
    "\"durability\": \"normal\"|\"full\"}'\n";

void emit(const json& j) {
  std::cout << j.dump() << '\n' << std::flush;
}

int run(const json& plan) {
  hc::bench::Setup setup;
  setup.tmp = plan.at("tmp").get<std::string>();
  setup.backend = plan.value("storage", std::string("sqlite")) == "memory" ? hc::bench::Backend::memory
                                                                          : hc::bench::Backend::sqlite;
  setup.durability_full = plan.value("durability", std::string("normal")) == "full";

  if (plan.value("crypto", false)) {
    emit(hc::bench::blake2b_rate(1.0));
    emit(hc::bench::sign_rate(1.0));
  }
  for (const auto& jc : plan.value("cases", json::array())) {
    hc::bench::Case c;
    c.kind = jc.at("kind").get<std::string>();
    c.size = jc.at("size").get<std::size_t>();
    c.count = jc.at("count").get<std::uint64_t>();
    c.batch = jc.value("batch", std::size_t{1});
    if (c.kind == "append") {
      emit(hc::bench::run_append(setup, c));
    } else if (c.kind == "read") {
      emit(hc::bench::run_read(setup, c));
    } else {
      std::fprintf(stderr, "bench_append: unknown case kind '%s'\n", c.kind.c_str());
      return 2;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // stdout carries the results: libraries log to stderr, warnings and worse only.
  auto log = spdlog::stderr_color_mt("bench");
  log->set_level(spdlog::level::warn);
  spdlog::set_default_logger(log);
  if (argc != 2 || std::string_view(argv[1]) == "--help") {
    std::fputs(kUsage, argc == 2 ? stdout : stderr);
    return argc == 2 ? 0 : 2;
  }
  const json plan = json::parse(argv[1], nullptr, false);
  if (plan.is_discarded() || !plan.is_object() || !plan.contains("tmp")) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    return run(plan);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_append: %s\n", e.what());
    return 1;
  }
}
