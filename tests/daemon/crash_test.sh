#!/usr/bin/env bash
# kill -9 of hypercored while one sequential writer appends through corectl
# (block i is "msg-<i>", so its content follows from its index), at a random
# moment, 20 times. After each restart: every acknowledged block is there and
# identical, nothing else but at most the one batch that was in flight (whole,
# never in part: a batch is one transaction), the core opens (its stored tree
# header agrees with its length and byte length), and appending continues at
# the next index. Odd rounds append one block per call, even rounds five.
set -euo pipefail
bin=$1
ctl=$2
rounds=${3:-20}
dir=$(mktemp -d)
pid=
appender=
cleanup() {
  if [ -n "$appender" ] && kill -0 "$appender" 2>/dev/null; then kill -KILL "$appender" || true; fi
  # $pid is `timeout`: TERM is forwarded to the daemon (-k: KILL 5 s later).
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "FAIL (round $round): $*"; tail -n 20 "$dir/log" 2>/dev/null || true; exit 1; }

sock=$dir/control.sock
export HYPERCORED_SOCKET=$sock
round=0
start() {
  : >"$dir/log"
  timeout -k 5 60 "$bin" --data-dir "$dir/data" --socket "$sock" 2>"$dir/log" &
  pid=$!
  for _ in $(seq 400); do grep -qs "listening on" "$dir/log" && break; sleep 0.025; done
  grep -qs "listening on" "$dir/log" || fail "daemon did not start listening"
  daemon_pid=$(pgrep -P "$pid" -x hypercored || true)
  [ -n "$daemon_pid" ] || fail "cannot find the daemon's pid"
}
ctl() { timeout -k 2 20 "$ctl" "$@"; }

# check_core ACKED INFLIGHT: the core after a restart. Its length L is ACKED
# or ACKED + INFLIGHT (a batch the daemon may have committed without getting
# to answer); blocks 0..L-1 are msg-0..msg-(L-1). Sets $len.
check_core() {
  local acked=$1 inflight=$2
  ctl info crash >"$dir/info" || fail "corectl info after a crash: $(cat "$dir/info")"
  len=$(sed -n 's/^length: //p' "$dir/info")
  byte_length=$(sed -n 's/^byte_length: //p' "$dir/info")
  contiguous=$(sed -n 's/^contiguous_length: //p' "$dir/info")
  [ "$len" = "$acked" ] || [ "$len" = $((acked + inflight)) ] \
    || fail "length $len after a crash; $acked blocks were acknowledged, $inflight more in flight"
  [ "$contiguous" = "$len" ] || fail "contiguous length $contiguous, length $len"
  [ "$len" -gt 0 ] || return 0
  seq -f 'msg-%.0f' 0 $((len - 1)) >"$dir/want"
  [ "$byte_length" = $(( $(wc -c <"$dir/want") - len )) ] || fail "byte length $byte_length for $len blocks"
  ctl tail crash -n "$len" >"$dir/got" || fail "corectl tail"
  cmp -s "$dir/want" "$dir/got" || { diff "$dir/want" "$dir/got" | head; fail "blocks differ after a crash"; }
  if [ "$acked" -gt 0 ]; then
    [ "$(ctl get crash $((acked - 1)))" = "msg-$((acked - 1))" ] || fail "last acknowledged block"
  fi
}

# appender NEXT BATCH: appends msg-NEXT, msg-NEXT+1, ... BATCH per corectl
# call, one call after the other, printing each acknowledged length, until a
# call fails (the daemon is gone).
run_appender() {
  local next=$1 batch=$2 out k
  local -a msgs
  while :; do
    msgs=()
    for ((k = next; k < next + batch; k++)); do msgs+=("msg-$k"); done
    out=$(timeout -k 2 10 "$ctl" append crash "${msgs[@]}" 2>/dev/null) || return 0
    echo "${out##*length: }"
    next=$((next + batch))
  done
}

acked=0
inflight=0
total_acks=0
committed_unacked=0
for round in $(seq "$rounds"); do
  start
  if [ "$round" = 1 ]; then ctl create crash >/dev/null || fail "corectl create"; fi
  check_core "$acked" "$inflight"
  [ "$len" = "$acked" ] || committed_unacked=$((committed_unacked + 1))
  batch=$(( round % 2 ? 1 : 5 ))
  run_appender "$len" "$batch" >"$dir/acks" &
  appender=$!
  ms=$(( 50 + RANDOM % 451 ))
  sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
  kill -KILL "$daemon_pid"
  rc=0; wait "$pid" 2>/dev/null || rc=$?  # (no "Killed" job message)
  pid=
  [ "$rc" = 137 ] || fail "daemon exit status $rc, expected 137 (SIGKILL)"
  # Its next call fails at once (each call is bounded by `timeout` anyway).
  wait "$appender" || true
  appender=
  # The acknowledged lengths: len+batch, len+2*batch, ... with none missing.
  n=$(wc -l <"$dir/acks")
  if [ "$n" -gt 0 ]; then
    [ "$(cat "$dir/acks")" = "$(seq $((len + batch)) "$batch" $((len + n * batch)))" ] \
      || fail "acknowledged lengths: $(tr '\n' ' ' <"$dir/acks")"
    acked=$(tail -n 1 "$dir/acks")
  else
    acked=$len
  fi
  inflight=$batch
  total_acks=$((total_acks + n))
done

# After the last crash: everything acknowledged is there, appending goes on at
# the next index, and a clean stop still works.
round=$((rounds + 1))
start
check_core "$acked" "$inflight"
[ "$len" = "$acked" ] || committed_unacked=$((committed_unacked + 1))
[ "$(ctl append crash "msg-$len")" = "length: $((len + 1))" ] || fail "append after the last restart"
check_core $((len + 1)) 0
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
[ "$total_acks" -gt 0 ] || fail "no append was ever acknowledged: the test tested nothing"
echo "PASS: $rounds kills, $total_acks acknowledged appends, $len blocks;" \
     "$committed_unacked times the batch in flight was committed without an answer"
