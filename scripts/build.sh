#!/usr/bin/env bash
# Configures (once) and builds hypercored into build/ (or $HC_BUILD_DIR).
# HC_SANITIZE=1 builds with AddressSanitizer + UBSan into build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${HC_SANITIZE:-0}" = 1 ]; then
  dir=${HC_BUILD_DIR:-build-asan}
  flags=(-DHC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
else
  dir=${HC_BUILD_DIR:-build}
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" "${flags[@]}"
fi
cmake --build "$dir" -j "$(nproc)"
