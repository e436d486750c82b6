#!/usr/bin/env bash
# hypercored (foundation stage): starts on a fresh data directory, creates its
# primary key (0600) and database, stops cleanly on SIGTERM; refuses a damaged
# database with a one-line reason and a non-zero exit, leaving the file as it was.
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

# A second start keeps the same primary key.
timeout 10 "$bin" --data-dir "$dir/data" 2>"$dir/log2" &
pid=$!
for _ in $(seq 100); do grep -q "started" "$dir/log2" && break; sleep 0.05; done
kill -INT $pid; wait $pid || fail "exit status $? after SIGINT"
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
