#!/usr/bin/env bash
# The test command: installs what is missing (apt packages, Node.js, npm ci in
# tests/interop), builds, and runs every test with ctest.
# HC_SANITIZE=1 runs the same suite built with AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --node
scripts/build.sh
if [ "${HC_SANITIZE:-0}" = 1 ]; then
  dir=${HC_BUILD_DIR:-build-asan}
  # Debug + ASan runs several times slower: tests with latency bounds stretch them.
  export HC_TEST_TIME_SCALE=${HC_TEST_TIME_SCALE:-3}
else
  dir=${HC_BUILD_DIR:-build}
fi
ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 600
