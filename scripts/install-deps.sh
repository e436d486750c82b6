#!/usr/bin/env bash
# Installs what building and testing hypercored needs on Debian 12, and only
# what is missing: re-running it is fast. Run as root (or it uses sudo).
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --node   also what the tests use: Node.js, tests/interop/node_modules,
#                                    python3, systemd (systemd-analyze checks the unit),
#                                    clang + libclang-rt-14-dev (tests/fuzz, libFuzzer)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config libsodium-dev libasio-dev nlohmann-json3-dev
          libspdlog-dev libsqlite3-dev doctest-dev libcli11-dev)
with_node=0
[ "${1:-}" = "--node" ] && with_node=1

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$with_node" = 1 ] && ! command -v node >/dev/null; then missing+=(nodejs); fi
if [ "$with_node" = 1 ] && ! command -v npm >/dev/null; then missing+=(npm); fi
if [ "$with_node" = 1 ] && ! command -v python3 >/dev/null; then missing+=(python3); fi
if [ "$with_node" = 1 ] && ! command -v systemd-analyze >/dev/null; then missing+=(systemd); fi
# tests/fuzz: clang and libFuzzer (libclang_rt.fuzzer is only a Recommends of clang).
if [ "$with_node" = 1 ] && ! command -v clang++ >/dev/null; then missing+=(clang); fi
if [ "$with_node" = 1 ] && ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed"; then
  missing+=(libclang-rt-14-dev)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$with_node" = 1 ]; then
  # npm ci only when the lock file changed since the last install.
  stamp=tests/interop/node_modules/.installed-lock
  if [ ! -f "$stamp" ] || ! cmp -s tests/interop/package-lock.json "$stamp"; then
    (cd tests/interop && npm ci --no-audit --no-fund)
    cp tests/interop/package-lock.json "$stamp"
  fi
fi
