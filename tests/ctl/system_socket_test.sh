#!/usr/bin/env bash
# corectl without --socket: when nothing is at the daemon's default socket but
# the system service's /run/hypercored/control.sock exists, corectl uses that;
# a socket of one's own is preferred; with neither, the error names one's own.
# Serves a fake daemon (fake_daemon.py) on /run/hypercored/control.sock, so it
# needs root (scripts/test.sh runs as root). It runs in a mount namespace of
# its own with a private /run, so a real service's /run/hypercored is neither
# in the way nor touched.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
system=/run/hypercored
if [ "$(id -u)" != 0 ]; then echo "FAIL: needs root to serve a socket in $system"; exit 1; fi
if [ -z "${HC_PRIVATE_RUN:-}" ]; then
  exec env HC_PRIVATE_RUN=1 unshare --mount --propagation private "$0" "$@"
fi
mount -t tmpfs tmpfs /run
dir=$(mktemp -d)
servers=()
cleanup() {
  for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; wait "$s" 2>/dev/null || true; done
  rm -rf "$dir" "$system"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset HYPERCORED_SOCKET
export HOME=$dir/home XDG_RUNTIME_DIR=$dir/run XDG_DATA_HOME=$dir/data
mkdir -p "$XDG_RUNTIME_DIR"

# serve SOCKET LOG: a fake daemon on SOCKET, logging its requests to LOG.
serve() {
  : >"$2"
  timeout 55 python3 "$here/fake_daemon.py" "$1" "$2" &
  servers+=($!)
  for _ in $(seq 200); do [ -S "$1" ] && break; sleep 0.05; done
  [ -S "$1" ] || fail "fake daemon did not start on $1"
}

# Neither socket: the error names the daemon's own default.
status=0
timeout 10 "$bin" status >/dev/null 2>"$dir/err" || status=$?
[ "$status" != 0 ] || fail "status succeeded without a daemon"
grep -q "no socket at $XDG_RUNTIME_DIR/hypercored.sock" "$dir/err" || fail "error: $(cat "$dir/err")"

# Only the system service's socket: corectl finds it.
mkdir "$system"
serve "$system/control.sock" "$dir/system.log"
timeout 10 "$bin" status >/dev/null || fail "corectl did not use $system/control.sock"
grep -q '"daemon.status"' "$dir/system.log" || fail "no request reached the system socket"

# One's own daemon is preferred over the system one.
serve "$XDG_RUNTIME_DIR/hypercored.sock" "$dir/own.log"
: >"$dir/system.log"
timeout 10 "$bin" status >/dev/null || fail "corectl status with both sockets"
grep -q '"daemon.status"' "$dir/own.log" || fail "no request reached one's own socket"
[ ! -s "$dir/system.log" ] || fail "the system socket was used although one's own exists"
echo "ok"
