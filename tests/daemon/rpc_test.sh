#!/usr/bin/env bash
# hypercored's control socket, driven by a raw JSON-RPC client (python3,
# AF_UNIX): every method of the first slice, bad input that must get an error
# while the connection keeps answering, two clients at once, persistence
# across a restart, the socket's mode, and a clean exit on SIGTERM.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
pid=
cleanup() {
  # $pid is `timeout`: TERM is forwarded to the daemon, and -k sends it KILL
  # 5 s later if it is still running. (KILL to `timeout` would orphan it.)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; cat "$dir/log" 2>/dev/null || true; exit 1; }

sock=$dir/control.sock
start() {
  timeout -k 5 50 "$bin" --data-dir "$dir/data" --socket "$sock" 2>"$dir/log" &
  pid=$!
  for _ in $(seq 200); do grep -q "listening on" "$dir/log" && break; sleep 0.05; done
  grep -q "listening on" "$dir/log" || fail "daemon did not start listening"
  [ -S "$sock" ] || fail "no socket at $sock"
}
stop() {
  kill -TERM "$pid"
  timeout 10 tail --pid="$pid" -f /dev/null || fail "did not stop within 10 s"
  status=0
  wait "$pid" || status=$?
  [ "$status" = 0 ] || fail "exit status $status after SIGTERM"
  pid=
}

# A stale socket file from an earlier run is replaced.
mkdir -p "$dir/data"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
start
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode is $(stat -c %a "$sock"), not 600"

# A second daemon (another data directory) must not take over a live socket.
if timeout 10 "$bin" --data-dir "$dir/other" --socket "$sock" 2>"$dir/log-other"; then
  fail "a second daemon took over a live socket"
fi
grep -q "is in use" "$dir/log-other" || { cat "$dir/log-other"; fail "no reason given"; }
[ -S "$sock" ] || fail "the live socket was removed"
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket mode is $(stat -c %a "$sock"), not 600"

timeout 30 python3 - "$sock" <<'PY' || fail "first session"
import base64, json, socket, sys

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sys.argv[1])
    return s, s.makefile("rb")

a, ra = connect()
next_id = [0]

def raw(sock, reader, line):
    sock.sendall(line + b"\n")
    out = reader.readline()
    assert out.endswith(b"\n"), f"no answer to {line[:80]!r}"
    return json.loads(out)

def call(method, params=None, sock=None, reader=None):
    next_id[0] += 1
    req = {"jsonrpc": "2.0", "id": next_id[0], "method": method}
    if params is not None:
        req["params"] = params
    resp = raw(sock or a, reader or ra, json.dumps(req).encode())
    assert resp["id"] == next_id[0], resp
    return resp

def ok(method, params=None, **kw):
    resp = call(method, params, **kw)
    assert "result" in resp, f"{method}: {resp}"
    return resp["result"]

def err(method, params, code):
    resp = call(method, params)
    assert "error" in resp and resp["error"]["code"] == code, f"{method} {params}: {resp}"

created = ok("core.create", {"name": "chat"})
assert created["name"] == "chat" and created["length"] == 0 and created["writable"], created
key = created["key"]
err("core.create", {"name": "chat"}, -32004)

texts = ["hello", "wörld ✓", "日本語"]
r = ok("core.append", {"name": "chat", "blocks": texts})
assert r == {"key": key, "length": 3, "created": False}, r
binary = bytes(range(256))
r = ok("core.append", {"key": key, "blocks": [base64.b64encode(binary).decode()],
                       "encoding": "base64"})
assert r["length"] == 4 and not r["created"], r

for i, t in enumerate(texts):
    assert ok("core.get", {"name": "chat", "index": i})["block"] == t
g = ok("core.get", {"key": key, "index": 3, "encoding": "base64"})
assert base64.b64decode(g["block"]) == binary, g
err("core.get", {"key": key, "index": 3}, -32602)      # not UTF-8: ask for base64
err("core.get", {"key": key, "index": 4}, -32003)      # past the end

info = ok("core.info", {"name": "chat"})
assert info["length"] == 4 and info["key"] == key and info["contiguous_length"] == 4, info
assert ok("core.info", {"key": info["key_hex"]})["length"] == 4

r = ok("core.append", {"name": "log", "blocks": ["one"]})
assert r["created"] and r["length"] == 1, r

cores = ok("core.list")["cores"]
assert sorted(c["name"] for c in cores) == ["chat", "log"], cores

t = ok("core.tail", {"name": "chat", "n": 2, "encoding": "base64"})
assert t["start"] == 2 and [base64.b64decode(b) for b in t["blocks"]] == \
    [texts[2].encode(), binary], t
assert ok("core.tail", {"name": "log"}) == {"start": 0, "blocks": ["one"], "encoding": "utf8"}

st = ok("daemon.status")
assert st["cores"] == 2 and isinstance(st["version"], str) and st["uptime_ms"] >= 0, st

# Bad input: an error each time, and the connection keeps answering.
assert raw(a, ra, b'{"jsonrpc": "2.0", "id": 1, "method"')["error"]["code"] == -32700
assert raw(a, ra, b"\xff\xfe not json")["error"]["code"] == -32700
assert raw(a, ra, b"[1, 2]")["error"]["code"] == -32600
err("no.such.method", {}, -32601)
err("core.get", {"name": "chat", "index": "zero"}, -32602)
err("core.append", {"name": "chat", "blocks": "hello"}, -32602)
err("core.append", {"name": 7, "blocks": []}, -32602)
err("core.info", {"key": "not-a-key"}, -32005)
err("core.info", {"name": "nobody"}, -32001)
err("core.unfollow", {"subscription": 999}, -32602)  # no such subscription
assert ok("core.info", {"name": "chat"})["length"] == 4

# A second client works while the first stays connected.
b, rb = connect()
assert ok("core.info", {"name": "chat"}, sock=b, reader=rb)["length"] == 4
assert ok("core.append", {"name": "chat", "blocks": ["from b"]}, sock=b, reader=rb)["length"] == 5
assert ok("core.get", {"name": "chat", "index": 4})["block"] == "from b"

# Requests pipelined on one connection are answered in order.
lines = b"".join(json.dumps({"jsonrpc": "2.0", "id": 1000 + i, "method": "core.get",
                             "params": {"name": "chat", "index": i % 3}}).encode() + b"\n"
                 for i in range(50))
b.sendall(lines)
for i in range(50):
    resp = json.loads(rb.readline())
    assert resp["id"] == 1000 + i and resp["result"]["block"] == texts[i % 3], resp

# A client that vanishes mid-request does not disturb anyone.
c, _ = connect()
c.sendall(b'{"jsonrpc":"2.0","id":1,"meth')
c.close()
assert ok("daemon.status")["cores"] == 2
print("session 1 ok")
PY

stop
[ -e "$sock" ] && fail "socket file left behind after stop"

# Restart: everything is still there.
start
timeout 30 python3 - "$sock" <<'PY' || fail "after restart"
import base64, json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
r = s.makefile("rb")
def ok(i, method, params):
    s.sendall(json.dumps({"jsonrpc": "2.0", "id": i, "method": method,
                          "params": params}).encode() + b"\n")
    resp = json.loads(r.readline())
    assert resp["id"] == i and "result" in resp, resp
    return resp["result"]
assert ok(1, "core.info", {"name": "chat"})["length"] == 5
t = ok(2, "core.tail", {"name": "chat", "n": 10, "encoding": "base64"})
assert [base64.b64decode(b) for b in t["blocks"]] == \
    [b"hello", "wörld ✓".encode(), "日本語".encode(), bytes(range(256)), b"from b"], t
assert ok(3, "core.create", {"name": "new"})["length"] == 0
# An existing named core is found again, not created a second time.
r = ok(4, "core.append", {"name": "log", "blocks": ["two"]})
assert r["length"] == 2 and not r["created"], r
print("session 2 ok")
PY

# A line over the limit: request_too_large, then the connection closes; the
# daemon keeps serving.
timeout 30 python3 - "$sock" <<'PY' || fail "line over the limit"
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
chunk = b"x" * (1 << 20)
try:
    for _ in range(17):
        s.sendall(chunk)
except (BrokenPipeError, ConnectionResetError):
    pass
data = b""
while True:
    try:
        part = s.recv(65536)
    except ConnectionResetError:
        break
    if not part:
        break
    data += part
resp = json.loads(data.split(b"\n")[0])
assert resp["error"]["code"] == -32006, resp
t = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
t.settimeout(10)
t.connect(sys.argv[1])
t.sendall(b'{"jsonrpc":"2.0","id":1,"method":"daemon.status"}\n')
assert json.loads(t.makefile("rb").readline())["result"]["cores"] == 3
print("limit ok")
PY

# Random bytes and invalid UTF-8 inside JSON strings: an error per line, never
# a crash; the connection still answers afterwards.
timeout 30 python3 - "$sock" <<'PY' || fail "random input"
import json, random, socket, sys
rng = random.Random(3)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
r = s.makefile("rb")
lines = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).replace(b"\n", b"")
         for _ in range(200)]
lines = [l for l in lines if l.strip()]
lines.append(b'{"jsonrpc":"2.0","id":1,"method":"core.append","params":{"name":"x","blocks":["\xc3\x28"]}}')
lines.append(b'{"jsonrpc":"2.0","id":2,"method":"core.create","params":{"name":"\xff"}}')
for line in lines:
    s.sendall(line + b"\n")
    resp = json.loads(r.readline())
    assert resp["error"]["code"] in (-32700, -32600, -32602), (line, resp)
s.sendall(b'{"jsonrpc":"2.0","id":9,"method":"daemon.status"}\n')
resp = json.loads(r.readline())
assert resp["id"] == 9 and resp["result"]["cores"] == 3, resp
print("random input ok")
PY

# SIGTERM with an idle client connected: the daemon closes it and exits 0.
timeout 20 python3 - "$sock" >"$dir/idle" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(15)
s.connect(sys.argv[1])
print("connected", flush=True)
print("eof" if s.recv(1) == b"" else "data", flush=True)
PY
idle=$!
for _ in $(seq 200); do grep -q connected "$dir/idle" && break; sleep 0.05; done
grep -q connected "$dir/idle" || fail "idle client did not connect"
stop
wait $idle || fail "idle client was not disconnected"
grep -q eof "$dir/idle" || fail "idle client did not see the connection close"
echo "ok"
