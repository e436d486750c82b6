#!/usr/bin/env bash
# Misbehaving control-socket clients (raw sockets, python3) while a
# well-behaved one (the real corectl) keeps being served, each of its calls
# within a few seconds: half-written requests left open or then closed,
# shut down or reset; requests dribbled in byte by byte; a line of exactly the
# 16 MiB limit and one byte over it; JSON-RPC envelope errors and
# notifications; deeply nested JSON; a client flooding requests it never
# reads; clients vanishing with a large answer or a follow backlog unsent;
# a stream of random bytes; 200 idle connections. The daemon ends with exit 0
# on SIGTERM, so nothing of this crashed it.
set -euo pipefail
bin=$1
ctl=$2
dir=$(mktemp -d)
pid=
cleanup() {
  # $pid is `timeout`: TERM is forwarded to the daemon (-k: KILL 5 s later).
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; tail -n 20 "$dir/log" 2>/dev/null || true; exit 1; }

sock=$dir/control.sock
export HYPERCORED_SOCKET=$sock
timeout -k 5 110 "$bin" --data-dir "$dir/data" --socket "$sock" 2>"$dir/log" &
pid=$!
for _ in $(seq 300); do grep -qs "listening on" "$dir/log" && break; sleep 0.05; done
grep -qs "listening on" "$dir/log" || fail "daemon did not start listening"

# $pid is `timeout`; the daemon is its child.
daemon_pid=$(pgrep -P "$pid" -x hypercored || true)
[ -n "$daemon_pid" ] || fail "cannot find the daemon's pid"
timeout 100 python3 - "$sock" "$ctl" "$daemon_pid" "$dir/rounds" <<'PY' || fail "misbehaving clients"
import base64, json, os, random, socket, struct, subprocess, sys, threading, time

path, ctl, daemon_pid = sys.argv[1], sys.argv[2], sys.argv[3]

def rss_mb():
    with open(f"/proc/{daemon_pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")
# Each corectl call of the well-behaved client must finish within this
# (unhindered, a call takes a few ms). Sanitizer builds (scripts/test.sh with
# HC_SANITIZE=1) are several times slower: HC_TEST_TIME_SCALE stretches the
# bound, never the work.
LATENCY = 5.0 * float(os.environ.get("HC_TEST_TIME_SCALE", "1"))

def connect(timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s

def reset(s):
    """Close with RST instead of FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()

def read_line(s, limit=64 << 20):
    data = b""
    while not data.endswith(b"\n"):
        part = s.recv(1 << 16)
        if not part:
            return data  # closed
        data += part
        assert len(data) < limit
    return data

def recv_all(s):
    """Everything until the daemon closes the connection."""
    data = b""
    while True:
        try:
            part = s.recv(1 << 16)
        except ConnectionResetError:
            return data
        if not part:
            return data
        data += part

def rpc(s, req):
    s.sendall(json.dumps(req).encode() + b"\n")
    return json.loads(read_line(s))

def call(s, i, method, params=None):
    req = {"jsonrpc": "2.0", "id": i, "method": method}
    if params is not None:
        req["params"] = params
    return rpc(s, req)

served = [0]
def corectl(*args, want=None):
    """The well-behaved client: one corectl call, answered in time."""
    t0 = time.monotonic()
    p = subprocess.run([ctl, *args], capture_output=True, timeout=30)
    took = time.monotonic() - t0
    assert p.returncode == 0, (args, p.returncode, p.stderr)
    assert took < LATENCY, f"corectl {args} took {took:.1f} s"
    if want is not None:
        assert p.stdout == want, (args, p.stdout, want)
    return p.stdout

def well_behaved(tag):
    """Appends, reads back, asks for status and info, all through corectl."""
    n = served[0]
    corectl("append", "obs", f"{tag}-{n}", want=f"length: {n + 1}\n".encode())
    corectl("get", "obs", str(n), want=f"{tag}-{n}\n".encode())
    corectl("tail", "obs", "-n", "1", want=f"{tag}-{n}\n".encode())
    corectl("status")
    served[0] += 1

corectl("create", "obs")
well_behaved("start")

# 1. Half-written requests. Left open: others are served meanwhile, and the
# rest of the line, when it comes, is answered.
slow = connect()
slow.sendall(b'{"jsonrpc":"2.0","id":"slow","method":"daemon.st')
held = connect()
held.sendall(b'{"jsonrpc":"2.0","id":2,"method":"core.append","params":{"name":"x","blocks":["'
             + b"y" * (8 << 20))  # 8 MiB of a line, no newline
well_behaved("half-open")
slow.sendall(b'atus"}\n')
r = json.loads(read_line(slow))
assert r["id"] == "slow" and r["result"]["cores"] >= 1, r
# Dribbled in byte by byte (a multi-byte character split across writes too).
req = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "core.append",
                  "params": {"name": "dribble", "blocks": ["héllo ✓"]}},
                 ensure_ascii=False).encode() + b"\n"
for b in req:
    slow.sendall(bytes([b]))
    time.sleep(0.001)
r = json.loads(read_line(slow))
assert r["id"] == 7 and r["result"]["length"] == 1, r
slow.close()
# Then closed (FIN) with the line unfinished: no answer, the connection ends.
held.shutdown(socket.SHUT_WR)
assert recv_all(held) == b"", "an answer to a half-written request"
held.close()
# A complete request without its newline, then EOF: no partial answer, and
# the connection ends (the daemon may drop or answer the unterminated line).
c = connect()
c.sendall(b'{"jsonrpc":"2.0","id":3,"method":"daemon.status"}')
c.shutdown(socket.SHUT_WR)
out = recv_all(c)
assert out == b"" or (out.endswith(b"\n") and json.loads(out)["id"] == 3), out
c.close()
# Half-written then reset (RST), many times, some in the middle of a character.
for i in range(50):
    c = connect()
    c.sendall('{"jsonrpc":"2.0","id":1,"method":"core.append","params":{"name":"obs","blocks":["✓'
              .encode()[: 20 + i * 2])
    reset(c) if i % 2 else c.close()
well_behaved("half-closed")
print("half-written requests: ok", flush=True)

# 2. The line limit, exactly: 16 MiB before the newline is a request; one
# byte more is request_too_large, then the connection closes.
LIMIT = 16 << 20
base = b'{"jsonrpc":"2.0","id":16,"method":"daemon.status"}'
c = connect(timeout=30)
c.sendall(base + b" " * (LIMIT - len(base)) + b"\n")
r = json.loads(read_line(c))
assert r["id"] == 16 and "result" in r, r
try:
    c.sendall(base + b" " * (LIMIT + 1 - len(base)) + b"\n")
except (BrokenPipeError, ConnectionResetError):
    pass
out = recv_all(c)
r = json.loads(out.split(b"\n")[0])
assert r["error"]["code"] == -32006, r
c.close()
well_behaved("limit")
print("16 MiB limit, exactly: ok", flush=True)

# 3. The JSON-RPC envelope: each mistake its error, notifications (no id) no
# answer at all, ids of every allowed type echoed back.
c = connect()
r = c.makefile("rb")
def answer(line):
    c.sendall(line + b"\n")
    return json.loads(r.readline())
for line, code in [
        (b'{}', -32600),
        (b'{"jsonrpc":"1.0","id":1,"method":"daemon.status"}', -32600),
        (b'{"id":1,"method":"daemon.status"}', -32600),
        (b'{"jsonrpc":"2.0","id":1}', -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":7}', -32600),
        (b'{"jsonrpc":"2.0","id":{"a":1},"method":"daemon.status"}', -32600),
        (b'{"jsonrpc":"2.0","id":[1],"method":"daemon.status"}', -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.info","params":"chat"}', -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.info","params":["chat"]}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.get","params":{"name":"obs","index":-1}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.get","params":{"name":"obs","index":1.5}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.get","params":{"name":"obs","index":18446744073709551616}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.get","params":{"name":"obs","index":0,"encoding":"rot13"}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.append","params":{"name":"obs","blocks":["%%%"],"encoding":"base64"}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.append","params":{"name":"","blocks":[]}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.create","params":{"name":"' + b"n" * 5000 + b'"}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.info","params":{}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.info","params":{"name":"obs","key":"' + b"0" * 64 + b'"}}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.block","params":{}}', -32601),
        (b'{"jsonrpc":"2.0","id":1,"method":"", "params":{}}', -32601),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.info","params":{"name":"obs"}', -32700),
        (b'{"jsonrpc":"2.0","id":1,"method":"core.info",,}', -32700),
        (b'\x00\x01\x02', -32700),
        (b'"just a string"', -32600),
        (b'null', -32600),
        (b'[]', -32600)]:
    resp = answer(line)
    assert "error" in resp and resp["error"]["code"] == code, (line[:120], resp)
    assert isinstance(resp["error"]["message"], str) and resp["error"]["message"], resp
# Notifications get no answer, whatever they ask: the next answer is for id 5.
c.sendall(b'{"jsonrpc":"2.0","method":"daemon.status"}\n'
          b'{"jsonrpc":"2.0","method":"no.such.method"}\n'
          b'{"jsonrpc":"2.0","method":"core.get","params":{"name":"nobody","index":0}}\n')
for i in ["str-id", 5, 2**53, -1, None]:
    resp = answer(json.dumps({"jsonrpc": "2.0", "id": i, "method": "daemon.status"}).encode())
    assert resp["id"] == i and "result" in resp, (i, resp)
c.close()
well_behaved("envelope")
print("JSON-RPC envelope errors, notifications, ids: ok", flush=True)

# 4. Deeply nested JSON, in the params and as the whole request: an error or
# an answer, never a crash (no recursion over the nesting).
for depth in (1000, 100000, 1000000):
    c = connect(timeout=30)
    nested = b"[" * depth + b"]" * depth
    out = []
    for line in (b'{"jsonrpc":"2.0","id":1,"method":"core.info","params":{"name":"obs","x":' + nested + b'}}',
                 b'{"jsonrpc":"2.0","id":2,"method":"core.info","params":' + nested + b'}',
                 nested, b"{" * depth):
        c.sendall(line + b"\n")
        got = read_line(c)
        assert got.endswith(b"\n"), (depth, line[:60], "the connection closed")
        out.append(json.loads(got))
    assert "result" in out[0] or out[0]["error"]["code"] in (-32600, -32602, -32700), out[0]
    assert out[1]["error"]["code"] in (-32600, -32602, -32700), out[1]
    assert out[2]["error"]["code"] in (-32600, -32700) and out[3]["error"]["code"] == -32700, out[2:]
    c.close()
well_behaved("nested")
print("deeply nested JSON: ok", flush=True)

# 5. Flooding: pipelined requests never read. The daemon stops reading from
# this client (bounded queue), keeps serving others, and copes when the
# flooder then vanishes with answers unsent.
big = base64.b64encode(bytes(random.Random(5).randrange(256) for _ in range(256 << 10))).decode()
c = connect()
assert call(c, 1, "core.append", {"name": "big", "blocks": [big] * 8, "encoding": "base64"})["result"]["length"] == 8
c.close()
floods = []
for _ in range(3):
    f = connect()
    f.setblocking(False)
    req = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "core.tail",
                      "params": {"name": "big", "n": 1, "encoding": "base64"}}).encode() + b"\n"
    sent, chunk, blocked = 0, req * 64, False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not blocked:
        try:
            sent += f.send(chunk)
        except BlockingIOError:
            time.sleep(0.1)  # let the daemon drain what it still will
            try:
                sent += f.send(chunk)
            except BlockingIOError:
                blocked = True
    # The daemon stopped reading: it does not take requests without bound
    # from a client that never reads its answers.
    assert blocked, f"{sent // len(req)} requests taken from a client that reads nothing"
    floods.append(f)
well_behaved("flood")
for i, f in enumerate(floods):
    reset(f) if i % 2 else f.close()
well_behaved("after-flood")
# Asking for a big answer (8 blocks of 256 KiB, ~2.7 MiB of base64) and
# vanishing at once, many times: every write fails on the daemon's side.
for i in range(30):
    c = connect()
    c.sendall(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "core.tail",
                          "params": {"name": "big", "n": 8, "encoding": "base64"}}).encode() + b"\n")
    reset(c) if i % 2 else c.close()
well_behaved("vanished")
# Flooders asking for big answers (~2.7 MiB each) they never read: answers
# queue up to a byte bound per client, not 64 of them (~170 MiB) each.
before = rss_mb()
floods = []
for _ in range(4):
    f = connect()
    req = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "core.tail",
                      "params": {"name": "big", "n": 8, "encoding": "base64"}}) + "\n"
    f.sendall(req.encode() * 60)
    floods.append(f)
time.sleep(1.0)
grew = rss_mb() - before
print(f"4 clients x 60 unread 2.7 MiB answers: daemon RSS +{grew:.1f} MB", flush=True)
assert grew < 100, f"the daemon buffered {grew:.0f} MB of answers for clients that do not read"
well_behaved("big-flood")
for f in floods:
    reset(f)
well_behaved("after-big-flood")
print("flooding and vanishing clients: ok", flush=True)

# 6. Followers that vanish with a backlog of notifications queued; then a
# follower that reads gets everything, in order.
for i in range(20):
    c = connect()
    c.sendall(b'{"jsonrpc":"2.0","id":1,"method":"core.follow","params":{"name":"big","encoding":"base64"}}\n')
    if i % 4 == 0:
        read_line(c)  # the answer, then go
    reset(c) if i % 2 else c.close()
c = connect()
r = c.makefile("rb")
c.sendall(b'{"jsonrpc":"2.0","id":1,"method":"core.follow","params":{"name":"big","encoding":"base64"}}\n')
sub = json.loads(r.readline())["result"]["subscription"]
for i in range(8):
    n = json.loads(r.readline())
    assert n["params"]["subscription"] == sub and n["params"]["index"] == i and n["params"]["block"] == big, i
c.close()
well_behaved("followers")
print("vanishing followers: ok", flush=True)

# 7. Random bytes pouring in on one connection and 200 idle connections,
# while corectl works; then all of them go at once (half by RST).
stop = threading.Event()
garbage_errors = []
def spew():
    rng = random.Random(11)
    g = connect()
    rg = g.makefile("rb")
    try:
        while not stop.is_set():
            line = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))).replace(b"\n", b"")
            if not line.strip():
                continue
            g.sendall(line + b"\n")
            resp = json.loads(rg.readline())
            if resp["error"]["code"] not in (-32700, -32600, -32602):
                garbage_errors.append(resp)
    except Exception as e:  # noqa
        garbage_errors.append(repr(e))
    finally:
        reset(g)
t = threading.Thread(target=spew)
t.start()
idle = [connect() for _ in range(200)]
for k in range(5):
    well_behaved(f"busy{k}")
stop.set()
t.join(30)
assert not t.is_alive() and not garbage_errors, garbage_errors
for i, s in enumerate(idle):
    reset(s) if i % 2 else s.close()
well_behaved("end")
print(f"random bytes + 200 idle connections: ok ({served[0]} rounds of corectl calls served)", flush=True)
with open(sys.argv[4], "w") as f:
    f.write(str(served[0]))
PY

# Every block the well-behaved client appended is there, and the daemon stops
# cleanly: it did not crash on anything above.
timeout 10 "$ctl" info obs >"$dir/info" || fail "corectl info obs"
grep -qx "length: $(cat "$dir/rounds")" "$dir/info" || fail "obs: $(cat "$dir/info")"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "daemon exit $rc after SIGTERM"
echo PASS
