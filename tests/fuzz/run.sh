#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own build directory and
# runs each for a bounded time on its seed corpus; exits non-zero if any
# target crashes, trips a sanitizer or a property check, leaks, times out or
# runs out of memory. Crash inputs are kept in <build dir>/artifacts/.
#   tests/fuzz/run.sh [BUILD_DIR [SECONDS [TARGET...]]]
#   defaults: build-fuzz in the source tree, 10 seconds, every target
# Longer local runs: tests/fuzz/run.sh build-fuzz 600 session
# Reproduce a crash: build-fuzz/tests/fuzz/<target>_fuzz build-fuzz/artifacts/<target>-crash-…
# Inputs worth keeping (regressions, hand-made seeds) go in tests/fuzz/corpus/<target>/;
# the rest of each corpus is written by fuzz_seeds (seeds.cpp) on every run.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$src/build-fuzz}"
seconds="${2:-10}"
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame protomux messages codecs secret_stream session append_record)

for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (scripts/install-deps.sh --node)"; exit 1; }
done

start=$(date +%s)
mkdir -p "$build"
# Debug keeps asserts (the libraries' bug checks); -O1 keeps it fast enough.
CC=clang CXX=clang++ cmake -S "$src" -B "$build" -DHC_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS=-O1 -DCMAKE_C_FLAGS=-O1 >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
bins=()
for t in "${targets[@]}"; do bins+=("${t}_fuzz"); done
cmake --build "$build" -j "$(nproc)" --target fuzz_seeds "${bins[@]}" >"$build/build.log" 2>&1 ||
  { tail -n 80 "$build/build.log"; exit 1; }
echo "built in $(( $(date +%s) - start )) s"

rm -rf "$build/corpus" "$build/artifacts"
"$build/tests/fuzz/fuzz_seeds" "$build/corpus"
mkdir -p "$build/artifacts"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
for t in "${targets[@]}"; do
  dirs=("$build/corpus/$t")
  # Checked-in inputs (regressions, hand-made seeds) run too, read-only.
  [ -d "$src/tests/fuzz/corpus/$t" ] && dirs+=("$src/tests/fuzz/corpus/$t")
  log="$build/artifacts/$t.log"
  if "$build/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=8192 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "${dirs[@]}" \
       >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
    echo "ok   $t: ${execs:-?} runs, $cov"
  else
    echo "FAIL $t (log: $log)"
    grep -v '^#[0-9]' "$log" | tail -n 60
    failed+=("$t")
  fi
done
echo "total $(( $(date +%s) - start )) s"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
