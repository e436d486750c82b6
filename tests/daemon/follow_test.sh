#!/usr/bin/env bash
# core.follow / core.unfollow on a real daemon, driven by raw JSON-RPC clients
# (python3, AF_UNIX): existing then live blocks in order, 100 concurrent
# followers of one core while a writer appends, back-pressure (a follower that
# never reads leaves the daemon's RSS bounded and others served), unfollow,
# disconnect; then `corectl follow` against the same daemon, ended by SIGINT
# with exit 0.
set -euo pipefail
bin=$1
ctl=$2
# Under AddressSanitizer, freed memory waits in a quarantine (256 MB by default)
# that would swamp the RSS bound below; keep it small. Other builds ignore this.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4:thread_local_quarantine_size_kb=64"
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

fail() { echo "FAIL: $*"; tail -n 20 "$dir/log" 2>/dev/null || true; exit 1; }

sock=$dir/control.sock
timeout -k 5 55 "$bin" --data-dir "$dir/data" --socket "$sock" 2>"$dir/log" &
pid=$!
for _ in $(seq 200); do grep -q "listening on" "$dir/log" && break; sleep 0.05; done
grep -q "listening on" "$dir/log" || fail "daemon did not start listening"
daemon_pid=$(pgrep -P "$pid" -x hypercored || true)
[ -n "$daemon_pid" ] || fail "cannot find the daemon's pid"

timeout 40 python3 - "$sock" "$daemon_pid" <<'PY' || fail "follow session"
import json, socket, sys, threading, time

path, daemon_pid = sys.argv[1], sys.argv[2]

class Conn:
    def __init__(self, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.r = self.s.makefile("rb")
        self.next_id = 0
        self.pending = []  # notifications read while waiting for a response

    def send(self, method, params):
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.s.sendall(json.dumps(req).encode() + b"\n")
        return self.next_id

    def read(self):
        line = self.r.readline()
        assert line.endswith(b"\n"), "connection closed"
        return json.loads(line)

    def call(self, method, params):
        i = self.send(method, params)
        while True:
            m = self.read()
            if "id" not in m:
                self.pending.append(m)
                continue
            assert m["id"] == i, m
            return m

    def ok(self, method, params):
        m = self.call(method, params)
        assert "result" in m, f"{method}: {m}"
        return m["result"]

    def notification(self):
        if self.pending:
            return self.pending.pop(0)
        m = self.read()
        assert "id" not in m, f"expected a notification: {m}"
        return m

    def close(self):
        self.r.close()
        self.s.close()

def expect_blocks(c, sub, start, blocks):
    for k, want in enumerate(blocks):
        n = c.notification()
        assert n["method"] == "core.block", n
        p = n["params"]
        assert p["subscription"] == sub and p["index"] == start + k and p["block"] == want, (p, start + k, want)

def rss_kb():
    with open(f"/proc/{daemon_pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")

w = Conn()
# 1. existing blocks, then live ones from another client, in order.
w.ok("core.append", {"name": "chat", "blocks": [f"b{i}" for i in range(5)]})
f = Conn()
sub = f.ok("core.follow", {"name": "chat"})["subscription"]
expect_blocks(f, sub, 0, [f"b{i}" for i in range(5)])
w.ok("core.append", {"name": "chat", "blocks": ["live5", "live6"]})
w.ok("core.append", {"name": "chat", "blocks": ["live7"]})
expect_blocks(f, sub, 5, ["live5", "live6", "live7"])
# start in the middle, and past the end (waits for the block to exist)
sub2 = f.ok("core.follow", {"name": "chat", "start": 6})["subscription"]
expect_blocks(f, sub2, 6, ["live6", "live7"])
print("existing + live: ok")

# 2. unfollow stops notifications (sub stays, sub2 goes).
assert f.ok("core.unfollow", {"subscription": sub2}) == {}
err = f.call("core.unfollow", {"subscription": sub2})
assert err["error"]["code"] == -32602, err
w.ok("core.append", {"name": "chat", "blocks": ["after-unfollow"]})
n = f.notification()
assert n["params"]["subscription"] == sub and n["params"]["index"] == 8, n
f.s.settimeout(0.5)
try:
    extra = f.r.readline()
    raise AssertionError(f"notification after unfollow: {extra!r}")
except (socket.timeout, TimeoutError):
    pass
f.close()
print("unfollow: ok")

# 3. 100 concurrent followers of one core, each on its own connection, while
# a writer appends 200 blocks: every follower gets every block, in order.
w.ok("core.create", {"name": "many"})
followers, errors = [], []
for _ in range(100):
    c = Conn(timeout=20)
    followers.append((c, c.ok("core.follow", {"name": "many"})["subscription"]))
def read_all(c, s):
    try:
        expect_blocks(c, s, 0, [f"m{i}" for i in range(200)])
    except Exception as e:  # noqa
        errors.append(repr(e))
threads = [threading.Thread(target=read_all, args=fs) for fs in followers]
for t in threads: t.start()
for i in range(0, 200, 4):
    w.ok("core.append", {"name": "many", "blocks": [f"m{j}" for j in range(i, i + 4)]})
deadline = time.monotonic() + 30
for t in threads: t.join(max(0, deadline - time.monotonic()))
assert not any(t.is_alive() for t in threads), "a follower is stuck"
assert not errors, errors
for c, _ in followers: c.close()
print("100 followers x 200 blocks: ok")

# 4. back-pressure: a follower that never reads while 20 MiB are appended.
# A first 20 MiB without it warms up SQLite's cache and the allocator (about
# 18 MB here), so that the growth measured after is the follower's alone.
w.ok("core.create", {"name": "big"})
block = "x" * (64 * 1024)
def append_20mib():
    for _ in range(80):  # 320 blocks of 64 KiB, 4 per append
        w.ok("core.append", {"name": "big", "blocks": [block] * 4})
append_20mib()
stuck = Conn()
stuck.send("core.follow", {"name": "big"})  # never reads the answer or blocks
time.sleep(0.2)
before = rss_kb()
append_20mib()
after = rss_kb()
grew_mb = (after - before) / 1024
print(f"RSS {before} kB -> {after} kB (+{grew_mb:.1f} MB): a stalled follower 40 MiB behind")
# Buffering the backlog would cost 40 MiB or more; the bound is 1 MiB of queue.
assert grew_mb < 16, f"daemon RSS grew {grew_mb:.1f} MB"
other = Conn()
assert other.ok("core.info", {"name": "big"})["length"] == 640
other.close()
# ... and the stalled follower still gets every block, in order, once it reads.
assert stuck.read()["result"]["subscription"] >= 1
for i in range(640):
    n = stuck.notification()
    assert n["params"]["index"] == i and len(n["params"]["block"]) == 64 * 1024, i
print("back-pressure: ok")

# 5. disconnect frees the subscription: close mid-stream, follow again.
stuck.close()
again = Conn()
s3 = again.ok("core.follow", {"name": "chat", "start": 8})["subscription"]
expect_blocks(again, s3, 8, ["after-unfollow"])
again.close()
assert w.ok("daemon.status", {})["cores"] == 3
w.close()
print("disconnect + follow again: ok")
PY

# 6. corectl follow: existing and live blocks, SIGINT ends it with exit 0.
export HYPERCORED_SOCKET=$sock
timeout 20 "$ctl" follow chat --start 8 >"$dir/follow.out" 2>"$dir/follow.err" &
follower=$!
timeout 10 "$ctl" append chat x y >/dev/null || fail "corectl append"
for _ in $(seq 100); do [ "$(wc -l <"$dir/follow.out")" -ge 3 ] && break; sleep 0.05; done
printf 'after-unfollow\nx\ny\n' | diff -u - "$dir/follow.out" || fail "corectl follow output"
kill -INT "$follower"
rc=0; wait "$follower" || rc=$?
follower=
[ "$rc" = 0 ] || fail "corectl follow exit $rc after SIGINT: $(cat "$dir/follow.err")"

# corectl tail -n 2 -f: the last two, then live ones.
timeout 20 "$ctl" tail chat -n 2 -f --json >"$dir/tail.out" 2>"$dir/tail.err" &
follower=$!
for _ in $(seq 100); do [ "$(wc -l <"$dir/tail.out")" -ge 2 ] && break; sleep 0.05; done
timeout 10 "$ctl" append chat z >/dev/null || fail "corectl append z"
for _ in $(seq 100); do [ "$(wc -l <"$dir/tail.out")" -ge 3 ] && break; sleep 0.05; done
cat >"$dir/tail.want" <<'J'
{"block":"x","encoding":"utf8","index":9}
{"block":"y","encoding":"utf8","index":10}
{"block":"z","encoding":"utf8","index":11}
J
diff -u "$dir/tail.want" "$dir/tail.out" || fail "corectl tail -f output"
kill -INT "$follower"
rc=0; wait "$follower" || rc=$?
follower=
[ "$rc" = 0 ] || fail "corectl tail -f exit $rc after SIGINT"
echo "corectl follow / tail -f: ok"

kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "daemon exit $rc after SIGTERM"
echo "PASS"
