#!/usr/bin/env bash
# corectl against a fake daemon (fake_daemon.py): each command sends the
# request proto defines, prints text and --json output, streams stdin in
# batches of 1000 lines (a big block alone), passes --base64 blocks through,
# reads blocks in base64 and shows each as text or base64, fetches what a
# short core.tail answer left out, turns JSON-RPC errors into one stderr line
# and a non-zero exit, and says so when hypercored is not running.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }

sock=$dir/hypercored.sock
log=$dir/requests
timeout 55 python3 "$here/fake_daemon.py" "$sock" "$log" &
server=$!
for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || fail "fake daemon did not start"
export HYPERCORED_SOCKET=$sock

# run ARGS... (stdin from $input, default /dev/null): corectl with a fresh
# request log; sets $rc, $dir/out and $dir/err.
input=/dev/null
run() {
  : >"$log"
  set +e
  timeout 10 "$bin" "$@" <"$input" >"$dir/out" 2>"$dir/err"
  rc=$?
  set -e
}
# expect WHAT FILE: FILE's content equals stdin.
expect() {
  diff -u - "$2" >"$dir/diff" || { cat "$dir/diff"; echo "stderr: $(cat "$dir/err")"; fail "$1"; }
}
ok() { [ "$rc" = 0 ] || { cat "$dir/err"; fail "$1: exit $rc"; }; }

zero_z32=$(printf 'y%.0s' $(seq 52))
zero_hex=$(printf '0%.0s' $(seq 64))
dk_hex=$(printf '1%.0s' $(seq 64))

# create
run create chat; ok create
expect "create request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.create","params":{"name":"chat"}}'
printf 'key: %s\nkey_hex: %s\ndiscovery_key: %s\nname: chat\nlength: 0\nbyte_length: 0\ncontiguous_length: 0\nfork: 0\nwritable: yes\n' \
  "$zero_z32" "$zero_hex" "$dk_hex" | expect "create text" "$dir/out"

# append with messages; --json may also follow the command
run append chat hello "two words" --json; ok "append args"
expect "append args request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.append","params":{"blocks":["hello","two words"],"encoding":"utf8","name":"chat"}}'
expect "append --json" "$dir/out" <<<"{\"created\":false,\"key\":\"$zero_z32\",\"length\":2}"

# append from stdin: 2500 lines -> 3 requests of 1000, 1000, 500 blocks, in order
seq 1 2500 >"$dir/lines"
input=$dir/lines run append big; ok "append stdin"
printf 'key: %s\nlength: 2500\n' "$zero_z32" | expect "append stdin text" "$dir/out"
python3 - "$log" <<'PY' || fail "append stdin batches"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["method"] for r in reqs] == ["core.append"] * 3, reqs
assert [r["id"] for r in reqs] == [1, 2, 3]
assert [len(r["params"]["blocks"]) for r in reqs] == [1000, 1000, 500]
assert [b for r in reqs for b in r["params"]["blocks"]] == [str(i) for i in range(1, 2501)]
assert all(r["params"]["name"] == "big" and r["params"]["encoding"] == "utf8" for r in reqs)
PY

# a last line without newline is a block; a batch with a non-UTF-8 line goes
# as base64; empty stdin still asks (and prints the length)
printf 'a\nb' >"$dir/in"
input=$dir/in run append chat; ok "append no newline"
expect "append last line" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.append","params":{"blocks":["a","b"],"encoding":"utf8","name":"chat"}}'
expect "append to an existing core prints no key" "$dir/out" <<<'length: 4'
printf 'ok\n\377\n' >"$dir/in"
input=$dir/in run append chat; ok "append binary"
expect "append binary as base64" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.append","params":{"blocks":["b2s=","/w=="],"encoding":"base64","name":"chat"}}'
run append empty; ok "append empty stdin"
expect "append empty stdin" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.append","params":{"blocks":[],"encoding":"utf8","name":"empty"}}'

# Batches hold at most 1 MiB: a block that would overfill one starts the
# next, and a big block goes alone.
python3 -c '
k = 400 * 1024
for size in (k, k, k, 2048 * 1024, 1, 1): print("x" * size)' >"$dir/in"
input=$dir/in run append sizes; ok "append big lines"
python3 - "$log" <<'PY' || fail "append batches by bytes"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
sizes = [[len(b) for b in r["params"]["blocks"]] for r in reqs]
k = 400 * 1024
assert sizes == [[k, k], [k], [2048 * 1024], [1, 1]], sizes
PY

# append --base64: messages and stdin lines go as given, marked base64 (not
# checked by corectl: binary-safe, and the daemon's reason on a bad one)
run append chat --base64 AP8= "" aGk=; ok "append --base64 args"
expect "append --base64 args request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.append","params":{"blocks":["AP8=","","aGk="],"encoding":"base64","name":"chat"}}'
expect "append --base64 args output" "$dir/out" <<<'length: 9'
printf 'AAEC\nCgo=\n' >"$dir/in"
input=$dir/in run append --base64 b64; ok "append --base64 stdin"
expect "append --base64 stdin request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.append","params":{"blocks":["AAEC","Cgo="],"encoding":"base64","name":"b64"}}'
run append chat --base64 AP8= AP8
[ "$rc" = 1 ] || fail "append --base64 of bad base64: exit $rc"
expect "append --base64 bad message" "$dir/err" <<<'corectl: message 2: "blocks[1]" is not valid base64 (standard alphabet, with padding)'
[ ! -s "$dir/out" ] || fail "append --base64 bad message: output"
# a bad line fails its batch; the batch before it is appended and said so
python3 -c '
for i in range(1, 1501): print("AA" if i == 1200 else "AA==")' >"$dir/in"
input=$dir/in run append b64big --base64
[ "$rc" = 1 ] || fail "append --base64 bad stdin line: exit $rc"
expect "append --base64 bad stdin line" "$dir/err" <<<'corectl: stdin line 1200: "blocks[199]" is not valid base64 (standard alphabet, with padding); 1000 blocks were appended before (length 1000)'
python3 - "$log" <<'PY' || fail "append --base64 bad stdin line: requests"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert [len(r["params"]["blocks"]) for r in reqs] == [1000, 500], reqs
assert reqs[1]["params"]["blocks"][199] == "AA" and reqs[1]["params"]["encoding"] == "base64"
PY

# get asks for base64 whatever it prints. Text: the bytes; --base64: base64;
# --json: text when the block is UTF-8, else base64, marked; a key argument
run get chat 3; ok get
expect "get request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.get","params":{"encoding":"base64","index":3,"name":"chat"}}'
expect "get text" "$dir/out" <<<'block 3'
run --json get "$zero_hex" 4; ok "get --json"
expect "get by hex key sends z-base32" "$log" <<<"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"core.get\",\"params\":{\"encoding\":\"base64\",\"index\":4,\"key\":\"$zero_z32\"}}"
expect "get --json" "$dir/out" <<<'{"block":"block 4","encoding":"utf8","index":4}'
run get mixed 3; ok "get binary"
printf '\000\377\n3\n' | cmp -s - "$dir/out" || fail "get binary: bytes"
run get mixed 3 --base64; ok "get --base64"
expect "get --base64 request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.get","params":{"encoding":"base64","index":3,"name":"mixed"}}'
expect "get --base64" "$dir/out" <<<'AP8KMw=='
run get mixed 3 --json; ok "get --json binary"
expect "get --json binary" "$dir/out" <<<'{"block":"AP8KMw==","encoding":"base64","index":3}'
run --json get --base64 chat 4; ok "get --json --base64"
expect "get --json --base64" "$dir/out" <<<'{"block":"YmxvY2sgNA==","encoding":"base64","index":4}'

# info by z-base32 key and by name
run info "$zero_z32"; ok info
expect "info request" "$log" <<<"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"core.info\",\"params\":{\"key\":\"$zero_z32\"}}"
grep -qx "length: 10" "$dir/out" || fail "info text"
run info chat --json; ok "info --json"
expect "info --json" "$dir/out" <<<"{\"byte_length\":70,\"contiguous_length\":10,\"discovery_key\":\"$dk_hex\",\"fork\":0,\"key\":\"$zero_z32\",\"key_hex\":\"$zero_hex\",\"length\":10,\"name\":\"chat\",\"writable\":true}"

# list: one row / one JSON object per core; keys printed in z-base32 (the fake
# sends the second one in hex)
other_z32=$(cd "$here" && python3 -c "import fake_daemon as f; print(f.z32(f.OTHER_KEY))")
run list; ok list
expect "list request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.list","params":{}}'
printf '%s  3  rw  chat\n%s  5  ro  -\n' "$zero_z32" "$other_z32" | expect "list text" "$dir/out"
run list --json; ok "list --json"
[ "$(wc -l <"$dir/out")" = 2 ] || fail "list --json lines"
python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$dir/out" || fail "list --json is not JSON lines"
grep -q "\"key\":\"$other_z32\"" "$dir/out" || fail "list --json key in z-base32"

# tail: in base64 from the daemon, shown per block as get does
run tail chat -n 2; ok tail
expect "tail request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.tail","params":{"encoding":"base64","n":2,"name":"chat"}}'
printf 'block 8\nblock 9\n' | expect "tail text" "$dir/out"
run tail chat --json -n 1; ok "tail --json"
expect "tail --json request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.tail","params":{"encoding":"base64","n":1,"name":"chat"}}'
expect "tail --json" "$dir/out" <<<'{"block":"block 9","encoding":"utf8","index":9}'
run tail chat; ok "tail default"
grep -q '"n":10' "$log" || fail "tail default n"
run tail mixed -n 3 --json; ok "tail --json mixed"
expect "tail --json mixed" "$dir/out" <<'EOF'
{"block":"AP8KNw==","encoding":"base64","index":7}
{"block":"block 8","encoding":"utf8","index":8}
{"block":"AP8KOQ==","encoding":"base64","index":9}
EOF
run tail mixed -n 2 --base64; ok "tail --base64"
printf 'YmxvY2sgOA==\nAP8KOQ==\n' | expect "tail --base64" "$dir/out"
run tail mixed -n 2 --base64 --json; ok "tail --base64 --json"
expect "tail --base64 --json" "$dir/out" <<'EOF'
{"block":"YmxvY2sgOA==","encoding":"base64","index":8}
{"block":"AP8KOQ==","encoding":"base64","index":9}
EOF

# tail of a core whose core.tail answers only the last 2 blocks (as the
# daemon when n would not fit in one line): the earlier ones by core.get, in order
run tail paged -n 5; ok "tail paged"
printf 'block %s\n' 5 6 7 8 9 | expect "tail paged" "$dir/out"
python3 - "$log" <<'PY' || fail "tail paged: requests"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["method"] for r in reqs] == ["core.tail"] + ["core.get"] * 3, reqs
assert reqs[0]["params"] == {"name": "paged", "n": 5, "encoding": "base64"}, reqs[0]
gets = [r["params"] for r in reqs[1:]]
assert gets == [{"name": "paged", "index": i, "encoding": "base64"} for i in (5, 6, 7)], gets
PY
run tail paged -n 20 --json; ok "tail paged past the start"
python3 - "$dir/out" <<'PY' || fail "tail paged past the start: output"
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
assert L == [{"index": i, "block": f"block {i}", "encoding": "utf8"} for i in range(10)], L
PY
run tail paged -n 1; ok "tail paged -n 1"
expect "tail paged -n 1" "$dir/out" <<<'block 9'
[ "$(wc -l <"$log")" = 1 ] || fail "tail paged -n 1: more than one request"

# follow: asks for base64; prints its subscription's blocks (not another's)
# as get does; the fake then hangs up, which ends it with exit 1
run follow mixed --start 7 --json
[ "$rc" = 1 ] || fail "follow: exit $rc"
expect "follow ends when the daemon goes" "$dir/err" <<<'corectl: hypercored closed the connection'
expect "follow request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.follow","params":{"encoding":"base64","name":"mixed","start":7}}'
expect "follow --json" "$dir/out" <<'EOF'
{"block":"AP8KNw==","encoding":"base64","index":7}
{"block":"block 8","encoding":"utf8","index":8}
{"block":"AP8KOQ==","encoding":"base64","index":9}
EOF
run follow chat --start 8 --base64
printf 'YmxvY2sgOA==\nYmxvY2sgOQ==\n' | expect "follow --base64" "$dir/out"
run follow mixed --start 9
printf '\000\377\n9\n' | cmp -s - "$dir/out" || fail "follow binary: bytes"
# tail -f: the tail (paged too), then follows from its length
run tail paged -n 4 -f --base64
[ "$rc" = 1 ] || fail "tail -f: exit $rc"
python3 - "$log" <<'PY' || fail "tail -f: requests"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["method"] for r in reqs] == ["core.tail", "core.get", "core.get", "core.follow"], reqs
assert reqs[3]["params"] == {"name": "paged", "start": 10, "encoding": "base64"}, reqs[3]
PY
python3 -c 'import base64; [print(base64.b64encode(f"block {i}".encode()).decode()) for i in range(6, 10)]' |
  expect "tail -f --base64" "$dir/out"
run tail mixed -n 1 --follow --json
expect "tail -f --json" "$dir/out" <<<'{"block":"AP8KOQ==","encoding":"base64","index":9}'

# status
run status; ok status
expect "status request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"daemon.status","params":{}}'
printf 'version: 0.1.0\ncores: 2\nuptime: 61 s\n' | expect "status text" "$dir/out"

# seed, connect, peers
other_hex=$(cd "$here" && python3 -c "import fake_daemon as f; print(f.OTHER_KEY.hex())")
run seed "$other_hex"; ok seed
expect "seed request" "$log" <<<"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"core.seed\",\"params\":{\"key\":\"$other_z32\"}}"
grep -qx "key: $other_z32" "$dir/out" || fail "seed prints the core's info"
run seed chat; [ "$rc" = 3 ] || fail "seed of a name: exit $rc"
grep -qF "not a key: chat" "$dir/err" || fail "seed of a name: reason"
[ ! -s "$log" ] || fail "seed of a name sent a request"
run connect 127.0.0.1:4000; ok connect
expect "connect request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"peer.connect","params":{"address":"127.0.0.1:4000"}}'
grep -qF "connecting to 127.0.0.1:4000" "$dir/out" || fail "connect output"
for bad in 4000 host: host:70000 ""; do
  run connect "$bad"; [ "$rc" = 3 ] || fail "connect $bad: exit $rc"
  [ ! -s "$log" ] || fail "connect $bad sent a request"
done
run peers; ok peers
expect "peers request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"peer.list","params":{}}'
expect "peers text" "$dir/out" <<<"$other_hex  127.0.0.1:4000  out  cores 2  in 2048 B  out 512 B  up 3 s"
run peers --json; ok "peers --json"
python3 -c 'import json,sys; o=json.loads(open(sys.argv[1]).read()); assert o["address"]=="127.0.0.1:4000" and len(o["cores"])==2 and o["initiator"], o' "$dir/out" || fail "peers --json"

# JSON-RPC errors: one stderr line, exit 1, nothing on stdout
run get missing 0
[ "$rc" = 1 ] || fail "error exit $rc"
expect "error message" "$dir/err" <<<'corectl: core not found: missing'
[ ! -s "$dir/out" ] || fail "output on error"
run append readonly x
[ "$rc" = 1 ] || fail "append error exit $rc"
expect "append error" "$dir/err" <<<'corectl: core is not writable: readonly'
# a failure after acknowledged batches says how far the append got
seq 1 1500 >"$dir/lines"
input=$dir/lines run append flaky
[ "$rc" = 1 ] || fail "flaky append exit $rc"
expect "flaky append" "$dir/err" <<<'corectl: storage error: disk full; 1000 blocks were appended before (length 1000)'
run info hangup
[ "$rc" = 1 ] || fail "hangup exit $rc"
expect "hangup" "$dir/err" <<<'corectl: hypercored closed the connection'

# A daemon that never answers: corectl gives up after --timeout.
run --timeout 0.3 info silent
[ "$rc" = 1 ] || fail "silent exit $rc"
expect "silent" "$dir/err" <<<'corectl: hypercored did not answer within 300 ms (see --timeout)'

# usage errors: exit 3, nothing sent
run get chat -1
[ "$rc" = 3 ] || fail "bad index exit $rc"
[ ! -s "$log" ] || fail "request sent for a bad index"
run list --base64
[ "$rc" = 3 ] || fail "list --base64 exit $rc"
run --help; ok "--help"
for c in create append get info list tail follow status seed connect peers; do
  run "$c" --help; ok "$c --help"; grep -q "Usage:" "$dir/out" || fail "$c --help"
done
for c in append get tail follow; do
  run "$c" --help; grep -q -- "--base64" "$dir/out" || fail "$c --help: no --base64"
done
run append --help; grep -q "already appended" "$dir/out" || fail "append --help: earlier batches"

# not running: no socket; a socket file nobody listens on; the default paths
run --socket "$dir/none.sock" status
[ "$rc" = 2 ] || fail "not running exit $rc"
expect "not running" "$dir/err" <<<"corectl: hypercored is not running (no socket at $dir/none.sock); start it with: hypercored"
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$dir/dead.sock"
HYPERCORED_SOCKET=$dir/dead.sock run list
[ "$rc" = 2 ] || fail "refused exit $rc"
grep -q "not running" "$dir/err" || fail "refused message"
(unset HYPERCORED_SOCKET; XDG_RUNTIME_DIR=$dir/run run status)
grep -qF "no socket at $dir/run/hypercored.sock" "$dir/err" || fail "XDG_RUNTIME_DIR default"
(unset HYPERCORED_SOCKET XDG_RUNTIME_DIR; XDG_DATA_HOME=$dir/data run status)
grep -qF "no socket at $dir/data/hypercored/hypercored.sock" "$dir/err" || fail "data dir default"

echo "ok"
