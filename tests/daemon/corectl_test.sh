#!/usr/bin/env bash
# The real corectl against a real hypercored: create / append / get / info /
# list / tail / follow / status round trips in text and --json (JSON lines
# parsed and checked field by field), keys in z-base32 and hex, binary
# blocks (raw, --base64 both ways, --json per block as text or base64), big
# blocks whose tail does not fit in one answer, a 10 000-line pipe,
# everything kept across a SIGTERM restart, exit codes (0; 1 + one stderr
# line for a refused request; 2 + "not running"; 3 usage) and --help on
# every command.
set -euo pipefail
bin=$1
ctl=$2
dir=$(mktemp -d)
pid=
follower=
cleanup() {
  if [ -n "$follower" ] && kill -0 "$follower" 2>/dev/null; then kill -KILL "$follower" || true; fi
  # $pid is `timeout`: TERM is forwarded to the daemon (-k: KILL 5 s later).
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "--- stdout:"; head -c 2000 "$dir/out" 2>/dev/null || true
  echo "--- stderr:"; cat "$dir/err" 2>/dev/null || true
  echo "--- daemon log:"; tail -n 20 "$dir/log" 2>/dev/null || true
  exit 1
}

sock=$dir/control.sock
export HYPERCORED_SOCKET=$sock B64_ALL=$dir/b64-all BIG_IN=$dir/big-in
# The daemon ends by itself after this long; sanitizer builds, several times
# slower, stretch it by HC_TEST_TIME_SCALE (scripts/test.sh), as ctest's limit.
life=$(python3 -c 'import math, os; print(math.ceil(100 * float(os.environ.get("HC_TEST_TIME_SCALE", "1"))))')
start() {
  timeout -k 5 "$life" "$bin" --data-dir "$dir/data" --socket "$sock" 2>"$dir/log" &
  pid=$!
  for _ in $(seq 300); do grep -qs "listening on" "$dir/log" && break; sleep 0.05; done
  grep -qs "listening on" "$dir/log" || fail "daemon did not start listening"
}
stop() {
  kill -TERM "$pid"
  timeout 10 tail --pid="$pid" -f /dev/null || fail "did not stop within 10 s"
  local status=0
  wait "$pid" || status=$?
  [ "$status" = 0 ] || fail "exit status $status after SIGTERM"
  pid=
}

# run ARGS...: corectl with stdin from $input (default /dev/null); sets $rc,
# $dir/out and $dir/err.
input=/dev/null
run() {
  set +e
  timeout -k 2 30 "$ctl" "$@" <"$input" >"$dir/out" 2>"$dir/err"
  rc=$?
  set -e
}
ok() { [ "$rc" = 0 ] || fail "$1: exit $rc"; }
# refused WHAT CODE: exit CODE, nothing on stdout, one "corectl: ..." line on stderr.
refused() {
  [ "$rc" = "$2" ] || fail "$1: exit $rc, expected $2"
  [ ! -s "$dir/out" ] || fail "$1: output on stdout"
  [ "$(wc -l <"$dir/err")" = 1 ] || fail "$1: not one line on stderr"
  grep -q '^corectl: .' "$dir/err" || fail "$1: stderr does not start with 'corectl: '"
}
# expect WHAT: $dir/out equals stdin.
expect() { diff -u - "$dir/out" >"$dir/diff" || { cat "$dir/diff"; fail "$1"; }; }
# jcheck WHAT CODE: runs python CODE with L = the JSON objects of $dir/out's
# lines (each line must be one object) and the environment in E.
jcheck() {
  python3 -c '
import json, os, sys
L = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert all(isinstance(o, dict) for o in L), L
E = os.environ
exec(sys.argv[2])' "$dir/out" "$2" || fail "$1"
}
is_key='import re; K = lambda o: re.fullmatch("[ybndrfg8ejkmcpqxot1uwisza345h769]{52}", o["key"]) and re.fullmatch("[0-9a-f]{64}", o["key_hex"]) and re.fullmatch("[0-9a-f]{64}", o["discovery_key"])'

commands="create append get info list tail follow status"

# --- No daemon: --help works, every command says hypercored is not running.
run --help; ok "--help"; grep -q "Usage:" "$dir/out" || fail "--help prints no usage"
for c in $commands; do
  run "$c" --help; ok "$c --help"; grep -q "Usage:" "$dir/out" || fail "$c --help prints no usage"
done
for args in "status" "list" "info chat" "get chat 0" "append chat x" "create chat" "tail chat" \
            "follow chat"; do
  # shellcheck disable=SC2086
  run $args
  refused "$args without a daemon" 2
  grep -q "hypercored is not running" "$dir/err" || fail "$args without a daemon: no 'not running'"
done
run; [ "$rc" = 3 ] || fail "no command: exit $rc"
run no-such-command; [ "$rc" = 3 ] || fail "unknown command: exit $rc"
run get chat -1; [ "$rc" = 3 ] || fail "negative index: exit $rc"

start

# --- create, in text and --json.
run create chat; ok create
grep -qx "name: chat" "$dir/out" && grep -qx "length: 0" "$dir/out" && grep -qx "writable: yes" "$dir/out" \
  || fail "create text"
key=$(sed -n 's/^key: //p' "$dir/out")
hex=$(sed -n 's/^key_hex: //p' "$dir/out")
[ ${#key} = 52 ] && [ ${#hex} = 64 ] || fail "create: key '$key', key_hex '$hex'"
export KEY=$key HEX=$hex
run create chat; refused "create an existing name" 1
grep -qi "exists" "$dir/err" || fail "create an existing name: reason"
run --json create other; ok "create --json"
jcheck "create --json" "$is_key"'
[o] = L
assert K(o) and o["name"] == "other" and o["length"] == 0 and o["byte_length"] == 0, o
assert o["writable"] is True and o["fork"] == 0 and o["contiguous_length"] == 0, o
assert o["key"] != E["KEY"], o'

# --- append: arguments (text, no key for an existing core) and --json.
run append chat hello "two words" "wörld ✓"; ok "append args"
expect "append args text" <<<'length: 3'
run append log one --json; ok "append --json"
jcheck "append --json creates" 'import re
[o] = L
assert o["created"] is True and o["length"] == 1 and re.fullmatch("[a-z0-9]{52}", o["key"]), o'
log_key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$dir/out")
run append log two; ok "append text"
expect "append text to an existing core" <<<'length: 2'
run append fresh first; ok "append creates (text)"
grep -q "^key: [a-z0-9]\{52\}$" "$dir/out" && grep -qx "length: 1" "$dir/out" || fail "append creates: text"

# --- get: text and --json, by name, z-base32 and hex.
for core in chat "$key" "$hex"; do
  run get "$core" 1; ok "get $core"; expect "get $core" <<<'two words'
done
run get chat 2 --json; ok "get --json"
jcheck "get --json" 'assert L == [{"index": 2, "block": "wörld ✓", "encoding": "utf8"}], L'
run get chat 3; refused "get past the end" 1
run get nobody 0; refused "get from an unknown core" 1

# --- info: the same core whether named by name, z-base32 or hex.
run info chat; ok "info by name"; cp "$dir/out" "$dir/info-name"
grep -qx "key: $key" "$dir/out" && grep -qx "key_hex: $hex" "$dir/out" && grep -qx "length: 3" "$dir/out" \
  && grep -qx "byte_length: 24" "$dir/out" && grep -qx "contiguous_length: 3" "$dir/out" \
  && grep -qx "fork: 0" "$dir/out" || fail "info text"
for core in "$key" "$hex"; do
  run info "$core"; ok "info $core"; diff -u "$dir/info-name" "$dir/out" || fail "info by $core differs"
done
run info chat --json; ok "info --json"; cp "$dir/out" "$dir/info-json"
jcheck "info --json" "$is_key"'
[o] = L
assert K(o) and o["key"] == E["KEY"] and o["key_hex"] == E["HEX"] and o["name"] == "chat", o
assert o["length"] == 3 and o["byte_length"] == len("hellotwo wordswörld ✓".encode()), o
assert o["contiguous_length"] == 3 and o["writable"] is True and o["fork"] == 0, o'
for core in "$key" "$hex"; do
  run --json info "$core"; ok "info --json $core"; diff -u "$dir/info-json" "$dir/out" || fail "info --json by $core"
done
run info "$log_key" --json; ok "info by the key append printed"
jcheck "info log" 'assert L[0]["name"] == "log" and L[0]["length"] == 2, L'
run info nobody; refused "info of an unknown name" 1
grep -qi "not found" "$dir/err" || fail "info of an unknown name: reason"
run info "$(printf 'y%.0s' $(seq 52))"; refused "info of an unknown key" 1
run info "$(printf '0%.0s' $(seq 64))"; refused "info of an unknown hex key" 1

# --- list: a row per core in text, an object per line in --json.
run list; ok list
[ "$(wc -l <"$dir/out")" = 4 ] || fail "list: not 4 rows"
grep -qx "$key  3  rw  chat" "$dir/out" || fail "list: chat row"
grep -qx "$log_key  2  rw  log" "$dir/out" || fail "list: log row"
run list --json; ok "list --json"
jcheck "list --json" "$is_key"'
assert sorted(o["name"] for o in L) == ["chat", "fresh", "log", "other"], L
assert all(K(o) and o["writable"] for o in L), L
by = {o["name"]: o for o in L}
assert by["chat"]["key"] == E["KEY"] and by["chat"]["length"] == 3 and by["log"]["length"] == 2, L'

# --- tail: text and --json, -n, by key.
run tail chat -n 2; ok tail
printf 'two words\nwörld ✓\n' | expect "tail -n 2"
run tail "$hex"; ok "tail default n by hex key"
printf 'hello\ntwo words\nwörld ✓\n' | expect "tail default"
run tail chat -n 0; ok "tail -n 0"; expect "tail -n 0" </dev/null
run --json tail "$key" -n 2; ok "tail --json"
jcheck "tail --json" 'assert L == [{"index": 1, "block": "two words", "encoding": "utf8"},
                     {"index": 2, "block": "wörld ✓", "encoding": "utf8"}], L'
run tail nobody; refused "tail of an unknown core" 1

# --- status.
run status; ok status
grep -q "^version: ." "$dir/out" && grep -qx "cores: 4" "$dir/out" && grep -q "^uptime: [0-9]* s$" "$dir/out" \
  || fail "status text"
run status --json; ok "status --json"
jcheck "status --json" '[o] = L
assert o["cores"] == 4 and isinstance(o["version"], str) and o["version"], o
assert isinstance(o["uptime_ms"], int) and o["uptime_ms"] >= 0, o'
# --socket on the command line (before or after the command) wins over the environment.
HYPERCORED_SOCKET=$dir/none.sock run --socket "$sock" status; ok "--socket before"
HYPERCORED_SOCKET=$dir/none.sock run status --socket "$sock"; ok "--socket after"

# --- a 10 000-line pipe: one block per line, in order.
seq 1 10000 >"$dir/seq"
input=$dir/seq run append nums; ok "seq | append"
grep -q "^key: [a-z0-9]\{52\}$" "$dir/out" && grep -qx "length: 10000" "$dir/out" || fail "seq | append output"
run tail nums -n 10000; ok "tail 10000"
cmp -s "$dir/seq" "$dir/out" || fail "tail -n 10000 differs from the input"
run get nums 0; ok "get nums 0"; expect "get nums 0" <<<'1'
run get nums 9999; ok "get nums 9999"; expect "get nums 9999" <<<'10000'
run info nums --json; ok "info nums"
export SEQ_BYTES=$(( $(wc -c <"$dir/seq") - 10000 ))
jcheck "info nums" 'o = L[0]
assert o["length"] == 10000 and o["contiguous_length"] == 10000, o
assert o["byte_length"] == int(E["SEQ_BYTES"]), o'
# Lines that trickle in (someone typing) are appended as they come, not when
# a batch of 1000 fills up or stdin ends.
{ echo typed-1; sleep 3; echo typed-2; } | timeout -k 2 30 "$ctl" append typing >"$dir/typing" 2>&1 &
typer=$!
for _ in $(seq 100); do
  [ "$(timeout 5 "$ctl" tail typing -n 1 2>/dev/null)" = typed-1 ] && break
  sleep 0.05
done
[ "$(timeout 5 "$ctl" tail typing -n 1 2>/dev/null)" = typed-1 ] || fail "a typed line waited for more input"
wait "$typer" || fail "append from a trickling stdin: $(cat "$dir/typing")"
grep -qx "length: 2" "$dir/typing" || fail "trickling stdin: $(cat "$dir/typing")"
# Appending again continues after the last line.
seq 10001 10010 >"$dir/more"
input=$dir/more run append nums; ok "append more lines"
expect "append more lines" <<<'length: 10010'

# --- binary blocks. corectl append sends a stdin batch holding a line that is
# not UTF-8 as base64; an argument may hold a newline; text output asks for
# base64 and writes the raw bytes (then '\n').
printf 'text\n\377\376bin\200\nnul\000inside\n' >"$dir/bin-in"
input=$dir/bin-in run append bin; ok "append binary lines"
grep -qx "length: 3" "$dir/out" || fail "append binary lines: length"
run append bin "$(printf 'two\nlines\tand\001control')"; ok "append an argument with a newline"
expect "append an argument with a newline" <<<'length: 4'
check_bytes() {  # WHAT INDEX PRINTF-FORMAT: get INDEX of bin is exactly those bytes + '\n'
  run get bin "$2"; ok "$1"
  # shellcheck disable=SC2059
  printf "$3\n" >"$dir/want"
  cmp -s "$dir/want" "$dir/out" || { od -c "$dir/out" | head; fail "$1: bytes differ"; }
}
check_bytes "get a non-UTF-8 block" 1 '\377\376bin\200'
check_bytes "get a block with NUL" 2 'nul\000inside'
check_bytes "get a block with a newline" 3 'two\nlines\tand\001control'
run tail bin -n 3; ok "tail binary"
printf '\377\376bin\200\nnul\000inside\ntwo\nlines\tand\001control\n' >"$dir/want"
cmp -s "$dir/want" "$dir/out" || fail "tail of binary blocks"
# --json shows each block as text when it is UTF-8 (NUL and control
# characters are), else in base64, marked so.
run get bin 1 --json; ok "get --json of a binary block"
jcheck "get --json of a binary block" 'import base64
[o] = L
assert o == {"index": 1, "block": "//5iaW6A", "encoding": "base64"}, o'
run get bin 0 --json; ok "get --json of a text block"
jcheck "get --json of a text block" 'assert L == [{"index": 0, "block": "text", "encoding": "utf8"}], L'
run --json tail bin -n 4; ok "tail --json of binary blocks"
jcheck "tail --json of binary blocks" 'assert L == [
    {"index": 0, "block": "text", "encoding": "utf8"},
    {"index": 1, "block": "//5iaW6A", "encoding": "base64"},
    {"index": 2, "block": "nul\0inside", "encoding": "utf8"},
    {"index": 3, "block": "two\nlines\tand\1control", "encoding": "utf8"}], L'
# Every byte value, with '\n' and NUL, goes in through the protocol's base64
# (corectl cannot send a block holding both) and comes out of corectl intact;
# and the corectl-made binary blocks read back over the wire in base64.
timeout 20 python3 - "$sock" <<'PY' || fail "binary blocks over raw JSON-RPC"
import base64, json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
r = s.makefile("rb")
def ok(i, method, params):
    s.sendall(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).encode() + b"\n")
    resp = json.loads(r.readline())
    assert resp["id"] == i and "result" in resp, resp
    return resp["result"]
every = bytes(range(256)) * 2
assert ok(1, "core.append", {"name": "bin", "blocks": [base64.b64encode(every).decode()],
                             "encoding": "base64"})["length"] == 5
t = ok(2, "core.tail", {"name": "bin", "n": 5, "encoding": "base64"})
assert t["start"] == 0 and t["encoding"] == "base64", t
assert [base64.b64decode(b) for b in t["blocks"]] == \
    [b"text", b"\xff\xfebin\x80", b"nul\x00inside", b"two\nlines\tand\x01control", every], t
PY
run get bin 4; ok "get every byte"
{ python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 2)'; echo; } >"$dir/want"
cmp -s "$dir/want" "$dir/out" || fail "corectl get of every byte value"

# --- --base64: blocks with NUL and newline in as base64 (arguments and
# stdin lines), out byte-exact as base64 (get, tail, follow) or raw (get).
nl_nul=$(printf 'a\000\nb' | base64 -w0)  # YQAKYg==
run append --base64 b64 "$nl_nul" ""; ok "append --base64 args"
grep -q "^key: [a-z0-9]\{52\}$" "$dir/out" && grep -qx "length: 2" "$dir/out" || fail "append --base64 args"
python3 -c 'import base64
for b in (bytes(range(256)) * 2, b"\n\n", b"\x00", b"end\r\n"): print(base64.b64encode(b).decode())' >"$dir/b64-in"
input=$dir/b64-in run append b64 --base64; ok "append --base64 stdin"
expect "append --base64 stdin" <<<'length: 6'
{ echo "$nl_nul"; echo; cat "$dir/b64-in"; } >"$dir/b64-all"
run get b64 0 --base64; ok "get --base64"; expect "get --base64" <<<"$nl_nul"
run get b64 0; ok "get of a block with NUL and newline"
printf 'a\000\nb\n' | cmp -s - "$dir/out" || fail "get of a block with NUL and newline: bytes"
run get b64 1 --base64; ok "get --base64 of an empty block"; expect "get --base64 of an empty block" <<<''
run tail b64 -n 6 --base64; ok "tail --base64"
cmp -s "$dir/b64-all" "$dir/out" || fail "tail --base64 differs from what went in"
run --json tail b64 -n 6 --base64; ok "tail --json --base64"
jcheck "tail --json --base64" 'import base64
want = [l.rstrip("\n") for l in open(E["B64_ALL"])]
assert [o["index"] for o in L] == list(range(6)), L
assert all(o["encoding"] == "base64" for o in L) and [o["block"] for o in L] == want, L'
run append b64 --base64 "$nl_nul" "AP8"; refused "append --base64 of bad base64" 1
grep -qF 'message 2: "blocks[1]" is not valid base64' "$dir/err" || fail "append --base64 bad: reason"
printf 'AA==\nAP8\n' >"$dir/bad"
input=$dir/bad run append b64 --base64; refused "append --base64 of a bad stdin line" 1
grep -qF 'stdin line 2: "blocks[1]" is not valid base64' "$dir/err" || fail "append --base64 bad line: reason"
run info b64 --json; ok "info b64"
jcheck "nothing of a refused batch is appended" 'assert L[0]["length"] == 6, L'
timeout -k 2 30 "$ctl" follow b64 --base64 >"$dir/follow.out" 2>"$dir/follow.err" &
follower=$!
for _ in $(seq 200); do [ "$(wc -l <"$dir/follow.out")" -ge 6 ] && break; sleep 0.05; done
kill -INT "$follower"
rc=0; wait "$follower" || rc=$?
follower=
[ "$rc" = 0 ] || fail "follow --base64: exit $rc: $(cat "$dir/follow.err")"
cmp -s "$dir/b64-all" "$dir/follow.out" || fail "follow --base64 differs from what went in"

# --- big blocks: three of 7 MiB (9.3 MiB in base64, each alone in its
# request). One core.tail answer holds one of them at most; tail fetches the
# others with core.get and prints all three, in order.
python3 -c 'import base64, os
for _ in range(3): print(base64.b64encode(os.urandom(7 << 20)).decode())' >"$dir/big-in"
input=$dir/big-in run append big --base64; ok "append --base64 big blocks"
grep -qx "length: 3" "$dir/out" || fail "append --base64 big blocks: length"
run tail big -n 3 --base64; ok "tail --base64 of big blocks"
cmp -s "$dir/big-in" "$dir/out" || fail "tail --base64 of big blocks differs from what went in"
run --json tail big -n 5; ok "tail --json of big blocks"
jcheck "tail --json of big blocks" 'want = [l.rstrip("\n") for l in open(E["BIG_IN"])]
assert [(o["index"], o["encoding"]) for o in L] == [(0, "base64"), (1, "base64"), (2, "base64")], L
assert [o["block"] for o in L] == want'
run tail big -n 2; ok "tail of big blocks"
python3 -c 'import base64, sys
sys.stdout.buffer.write(b"".join(base64.b64decode(l) + b"\n" for l in open(sys.argv[1]).read().split()[1:]))' \
  "$dir/big-in" | cmp -s - "$dir/out" || fail "tail of big blocks: bytes"
# A 13 MiB text line fits in a request; corectl reads blocks in base64, so
# the answers (17 MiB) are longer than any request may be, and still taken.
python3 -c 'print("x" * (13 << 20))' >"$dir/big-in"
input=$dir/big-in run append bigtext; ok "append a 13 MiB line"
run get bigtext 0; ok "get a 13 MiB block"
cmp -s "$dir/big-in" "$dir/out" || fail "get of a 13 MiB block: bytes"
run tail bigtext -n 1; ok "tail a 13 MiB block"
cmp -s "$dir/big-in" "$dir/out" || fail "tail of a 13 MiB block: bytes"
rm -f "$dir/big-in" "$dir/out"

# --- follow: existing then live blocks, --json, by hex key; SIGINT ends it with 0.
timeout -k 2 30 "$ctl" follow "$hex" --start 1 --json >"$dir/follow.out" 2>"$dir/follow.err" &
follower=$!
for _ in $(seq 200); do [ "$(wc -l <"$dir/follow.out")" -ge 2 ] && break; sleep 0.05; done
run append chat live; ok "append while following"; expect "append while following" <<<'length: 4'
for _ in $(seq 200); do [ "$(wc -l <"$dir/follow.out")" -ge 3 ] && break; sleep 0.05; done
kill -INT "$follower"
rc=0; wait "$follower" || rc=$?
follower=
[ "$rc" = 0 ] || fail "follow: exit $rc after SIGINT: $(cat "$dir/follow.err")"
cp "$dir/follow.out" "$dir/out"
jcheck "follow --json" 'assert L == [{"index": 1, "block": "two words", "encoding": "utf8"},
                     {"index": 2, "block": "wörld ✓", "encoding": "utf8"},
                     {"index": 3, "block": "live", "encoding": "utf8"}], L'
# Text follow of binary blocks by z-base32 key: the raw bytes, in order.
bin_key=$(HYPERCORED_SOCKET=$sock timeout 10 "$ctl" --json info bin | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
{ printf '\377\376bin\200\nnul\000inside\ntwo\nlines\tand\001control\n'
  python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 2)'; echo; } >"$dir/want"
timeout -k 2 30 "$ctl" follow "$bin_key" --start 1 >"$dir/follow.out" 2>"$dir/follow.err" &
follower=$!
want_bytes=$(wc -c <"$dir/want")
for _ in $(seq 200); do [ "$(wc -c <"$dir/follow.out")" -ge "$want_bytes" ] && break; sleep 0.05; done
kill -INT "$follower"
rc=0; wait "$follower" || rc=$?
follower=
[ "$rc" = 0 ] || fail "follow binary: exit $rc: $(cat "$dir/follow.err")"
cmp -s "$dir/want" "$dir/follow.out" || fail "follow of binary blocks"
run follow nobody; refused "follow an unknown core" 1

# --- restart: SIGTERM, then everything reads back the same.
snapshot() {  # FILE: what the daemon holds, as corectl shows it
  {
    timeout 10 "$ctl" list --json | sort
    for c in chat log other fresh nums bin "$key" "$hex"; do timeout 10 "$ctl" --json info "$c"; done
    timeout 10 "$ctl" tail chat -n 100
    timeout 10 "$ctl" tail nums -n 10010 | md5sum
    timeout 10 "$ctl" tail bin -n 5 | md5sum
    timeout 10 "$ctl" get chat 3
  } >"$1" || fail "snapshot"
}
snapshot "$dir/before"
stop
run status; refused "status after stop" 2
grep -q "not running" "$dir/err" || fail "status after stop: reason"
start
snapshot "$dir/after"
diff -u "$dir/before" "$dir/after" || fail "the daemon holds something else after a restart"
run append chat "after restart"; ok "append after restart"; expect "append after restart" <<<'length: 5'
run get "$key" 4; ok "get after restart"; expect "get after restart" <<<'after restart'
stop
echo PASS
