#!/usr/bin/env bash
# Direct TCP peering between two real daemons on 127.0.0.1: A --listen on a
# port it picks, B --peer to it; both log the established connection, which
# survives past the 5 s keep-alive; A killed with -9 makes B redial with
# backoff until A is back on the same port; SIGTERM closes peer connections
# before the database; bad --listen/--peer addresses (flag, environment,
# config) end start-up with one line; a port in use is refused.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
pid_a=
pid_b=
cleanup() {
  [ -z "${KEEP_LOGS:-}" ] || cp "$dir"/log-* "$KEEP_LOGS"/ 2>/dev/null || true
  # $pid_* are `timeout`: TERM is forwarded to the daemon (-k: KILL 5 s later).
  for p in $pid_a $pid_b; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p"; wait "$p" || true; fi
  done
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$dir"/log-*; do echo "--- $f"; tail -n 20 "$f"; done
  exit 1
}
unset HYPERCORED_LISTEN HYPERCORED_PEERS HYPERCORED_CONFIG XDG_RUNTIME_DIR
# wait_for FILE PATTERN [COUNT]: until PATTERN is in FILE COUNT times (10 s).
wait_for() {
  local n=${3:-1}
  for _ in $(seq 200); do
    local c
    c=$(grep -c -- "$2" "$1" 2>/dev/null) || c=0  # none yet, or no file yet
    [ "$c" -ge "$n" ] && return 0
    sleep 0.05
  done
  fail "no \"$2\" (x$n) in $1"
}
start_a() {  # start_a LISTEN LOG
  timeout -k 5 60 "$bin" --data-dir "$dir/a" --socket "$dir/a.sock" --listen "$1" \
    --log-level debug 2>"$2" &
  pid_a=$!
}

# A picks a free port; its log says which.
start_a 127.0.0.1:0 "$dir/log-a1"
wait_for "$dir/log-a1" "accepting peers on 127.0.0.1:"
port=$(sed -n 's/.*accepting peers on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/log-a1")
[ -n "$port" ] && [ "$port" != 0 ] || fail "no port in the log"

HYPERCORED_PEERS="127.0.0.1:$port" timeout -k 5 60 "$bin" --data-dir "$dir/b" \
  --socket "$dir/b.sock" --log-level debug 2>"$dir/log-b" &
pid_b=$!
wait_for "$dir/log-b" "peer 127.0.0.1:$port connected (dialed), remote key"
wait_for "$dir/log-a1" "connected (accepted), remote key"

# Survives idle time past the keep-alive (5 s) with nothing closed.
sleep 6
grep -q "closed:" "$dir/log-b" "$dir/log-a1" && fail "the connection closed while idle"

# A dies without a word; B notices and redials, with backoff, until A is back.
a_daemon=$(pgrep -P "$pid_a" -x hypercored) || fail "cannot find A's pid"
kill -KILL "$a_daemon"
{ wait "$pid_a"; } 2>/dev/null || true  # bash would report "Killed"
pid_a=
wait_for "$dir/log-b" "peer 127.0.0.1:$port closed: "
wait_for "$dir/log-b" "dialing again in 1000 ms"  # 500 ms, then doubled
start_a "127.0.0.1:$port" "$dir/log-a2"
wait_for "$dir/log-b" "peer 127.0.0.1:$port connected (dialed)" 2
wait_for "$dir/log-a2" "connected (accepted)"

# SIGTERM: the peer connection closes before the database does.
kill -TERM "$pid_a"
wait "$pid_a" || fail "A exited with $? after SIGTERM"
pid_a=
closed_line=$(grep -n "closed: the daemon is stopping" "$dir/log-a2" | head -1 | cut -d: -f1)
db_line=$(grep -n "closing the database" "$dir/log-a2" | head -1 | cut -d: -f1)
[ -n "$closed_line" ] && [ -n "$db_line" ] && [ "$closed_line" -lt "$db_line" ] ||
  fail "peer connections did not close before the database"
wait_for "$dir/log-b" "peer 127.0.0.1:$port closed: the peer ended the connection"
kill -TERM "$pid_b"
wait "$pid_b" || fail "B exited with $? after SIGTERM"
pid_b=

# A port in use: exit 1 with a reason.
python3 - "$dir/log-c" "$bin" "$dir" <<'PY' || fail "a port in use was not refused"
import socket, subprocess, sys
log, binary, d = sys.argv[1:]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
port = s.getsockname()[1]
with open(log, "w") as out:
    rc = subprocess.run([binary, "--data-dir", d + "/c", "--socket", d + "/c.sock",
                         "--listen", "127.0.0.1:%d" % port], stderr=out, timeout=10).returncode
s.close()
sys.exit(0 if rc == 1 and "cannot accept peers on 127.0.0.1:%d" % port in open(log).read() else 1)
PY

# Bad addresses: one line, exit 1, from a flag, the environment or the file.
refused() {  # refused EXPECTED [VAR=value...] -- ARGS...
  local expected=$1 envs=() status=0
  shift
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" timeout -k 5 10 "$bin" --data-dir "$dir/d" --socket "$dir/d.sock" "$@" \
    2>"$dir/log-bad" || status=$?
  [ "$status" = 1 ] || fail "$*: exit status $status, not 1"
  [ "$(wc -l <"$dir/log-bad")" = 1 ] || fail "$*: not one line of error"
  grep -qF -- "$expected" "$dir/log-bad" || fail "$*: no \"$expected\""
}
refused '--peer "nowhere" is not a valid HOST:PORT' -- --peer nowhere
refused '--peer "b:0" is not a valid HOST:PORT' -- --peer a:1 --peer b:0
refused '--peer "::1:7" is not a valid HOST:PORT' HYPERCORED_PEERS=a:1,::1:7 --
refused '--listen "127.0.0.1:x" is not a valid HOST:PORT' HYPERCORED_LISTEN=127.0.0.1:x --
mkdir -p "$dir/d"
echo '{"peer": ["127.0.0.1:80", "[::1]"]}' >"$dir/d/config.json"
refused '"peer" has an entry that is not a valid HOST:PORT' --
echo "ok"
