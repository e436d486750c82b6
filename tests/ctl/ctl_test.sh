#!/usr/bin/env bash
# corectl against a fake daemon (fake_daemon.py): each command sends the
# request proto defines, prints text and --json output, streams stdin in
# batches of 1000 lines, turns JSON-RPC errors into one stderr line and a
# non-zero exit, and says so when hypercored is not running.
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

# get: text asks for base64 and prints the bytes; --json shows text; a key argument
run get chat 3; ok get
expect "get request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.get","params":{"encoding":"base64","index":3,"name":"chat"}}'
expect "get text" "$dir/out" <<<'block 3'
run --json get "$zero_hex" 4; ok "get --json"
expect "get by hex key sends z-base32" "$log" <<<"{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"core.get\",\"params\":{\"encoding\":\"utf8\",\"index\":4,\"key\":\"$zero_z32\"}}"
expect "get --json" "$dir/out" <<<'{"block":"block 4","encoding":"utf8","index":4}'

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

# tail
run tail chat -n 2; ok tail
expect "tail request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"core.tail","params":{"encoding":"base64","n":2,"name":"chat"}}'
printf 'block 8\nblock 9\n' | expect "tail text" "$dir/out"
run tail chat --json -n 1; ok "tail --json"
expect "tail --json" "$dir/out" <<<'{"block":"block 9","encoding":"utf8","index":9}'
run tail chat; ok "tail default"
grep -q '"n":10' "$log" || fail "tail default n"

# status
run status; ok status
expect "status request" "$log" <<<'{"id":1,"jsonrpc":"2.0","method":"daemon.status","params":{}}'
printf 'version: 0.1.0\ncores: 2\nuptime: 61 s\n' | expect "status text" "$dir/out"

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
run --help; ok "--help"
for c in create append get info list tail status; do
  run "$c" --help; ok "$c --help"; grep -q "Usage:" "$dir/out" || fail "$c --help"
done

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
