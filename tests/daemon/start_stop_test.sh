#!/usr/bin/env bash
# hypercored: starts on a fresh data directory, creates its primary key (0600)
# and database, notifies systemd, allows one daemon per data directory, stops
# cleanly on SIGTERM/SIGINT; refuses a damaged database with a one-line reason
# and a non-zero exit, leaving the file as it was.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

# Start, wait until it says it is ready, stop with SIGTERM.
"$bin" --data-dir "$dir/data" 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do grep -q "started" "$dir/log" && break; sleep 0.05; done
grep -q "started" "$dir/log" || { kill -9 $pid; cat "$dir/log"; fail "no start message"; }
kill -TERM $pid
status=0
timeout 10 tail --pid=$pid -f /dev/null || fail "did not stop within 10 s"
wait $pid || status=$?
[ "$status" = 0 ] || { cat "$dir/log"; fail "exit status $status after SIGTERM"; }
[ "$(stat -c %a "$dir/data/primary-key")" = 600 ] || fail "primary key is not mode 0600"
[ "$(stat -c %s "$dir/data/primary-key")" = 32 ] || fail "primary key is not 32 bytes"
[ -s "$dir/data/hypercored.db" ] || fail "no database"
key=$(od -An -tx1 "$dir/data/primary-key")

# A second start keeps the same primary key, tells systemd it is ready
# (READY=1 on $NOTIFY_SOCKET), and a third daemon on the same directory is
# refused while it runs.
python3 - "$dir/notify.sock" >"$dir/notified" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(10)
for _ in range(2):
    print(s.recv(4096).decode(), flush=True)
PY
listener=$!
for _ in $(seq 100); do [ -S "$dir/notify.sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET="$dir/notify.sock" timeout 10 "$bin" --data-dir "$dir/data" 2>"$dir/log2" &
pid=$!
for _ in $(seq 100); do grep -q "READY=1" "$dir/notified" && break; sleep 0.05; done
grep -q "READY=1" "$dir/notified" || fail "no READY=1 on NOTIFY_SOCKET"
if timeout 10 "$bin" --data-dir "$dir/data" 2>"$dir/log-second"; then fail "a second daemon started on the same data directory"; fi
grep -q "another hypercored is already running" "$dir/log-second" || { cat "$dir/log-second"; fail "no reason given for the refusal"; }
kill -INT $pid; wait $pid || fail "exit status $? after SIGINT"
wait $listener || true
grep -q "STOPPING=1" "$dir/notified" || fail "no STOPPING=1 on NOTIFY_SOCKET"
[ "$key" = "$(od -An -tx1 "$dir/data/primary-key")" ] || fail "primary key changed"

# A damaged database: a clear error, non-zero exit, file untouched.
mkdir "$dir/bad"
head -c 20000 /dev/urandom >"$dir/bad/hypercored.db"
sum=$(sha256sum <"$dir/bad/hypercored.db")
if timeout 10 "$bin" --data-dir "$dir/bad" 2>"$dir/log3"; then fail "started on a damaged database"; fi
grep -q "cannot open database" "$dir/log3" || { cat "$dir/log3"; fail "no reason given"; }
[ "$sum" = "$(sha256sum <"$dir/bad/hypercored.db")" ] || fail "damaged database was modified"

# A primary key file of the wrong size is refused, not replaced.
mkdir "$dir/badkey"
printf 'short' >"$dir/badkey/primary-key"
if timeout 10 "$bin" --data-dir "$dir/badkey" 2>"$dir/log4"; then fail "accepted a bad primary key"; fi
[ "$(cat "$dir/badkey/primary-key")" = short ] || fail "bad primary key was replaced"
echo "ok"
