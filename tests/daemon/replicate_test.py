#!/usr/bin/env python3
"""Replication through real daemons and the real corectl, over TCP on 127.0.0.1.

1. Two hypercored: A --listen, B --peer A. `corectl append chat hello` on A;
   `corectl follow <key>` on B prints it, then a live append on A; B's
   `corectl peers` shows A and `corectl info <key>` the length.
2. The issue's "done when": a Node writer (tests/interop/replicate_peer.js,
   the pinned hypercore serving replication on a TCP port), `hypercored
   --peer` to it, and `corectl follow <key> --base64` printing every block,
   then the blocks Node appends live. Block i follows replicate_peer.js's
   formula (block()); Node signs, the daemon verifies.
argv: hypercored corectl interop_dir
Every process is bounded by timeouts and killed at the end; the temporary
directory is removed.
"""
import base64, json, os, shutil, signal, socket, subprocess, sys, tempfile, time

hypercored, corectl, interop = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="hc-replicate-")
procs = []

def fail(msg):
    print("FAIL:", msg, flush=True)
    for name in sorted(os.listdir(tmp)):
        if name.startswith("log-"):
            print("---", name)
            with open(os.path.join(tmp, name), errors="replace") as f:
                print("".join(f.readlines()[-25:]))
    sys.exit(1)

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def start_daemon(name, *args):
    log = open(os.path.join(tmp, "log-" + name), "w")
    sock = os.path.join(tmp, name + ".sock")
    p = subprocess.Popen(["timeout", "-k", "5", "90", hypercored, "--data-dir", os.path.join(tmp, name),
                          "--socket", sock, *args], stderr=log, env=env())
    procs.append(p)
    deadline = time.time() + 10
    while time.time() < deadline:
        if os.path.exists(sock) and ctl(sock, "status", check=False).returncode == 0:
            return sock
        time.sleep(0.05)
    fail(f"daemon {name} did not start")

def env():
    e = dict(os.environ)
    for k in ("HYPERCORED_LISTEN", "HYPERCORED_PEERS", "HYPERCORED_CONFIG", "HYPERCORED_SOCKET", "XDG_RUNTIME_DIR"):
        e.pop(k, None)
    return e

def ctl(sock, *args, check=True):
    p = subprocess.run([corectl, "--socket", sock, *args], capture_output=True, timeout=30, env=env())
    if check and p.returncode != 0:
        fail(f"corectl {' '.join(args)}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p

class Follower:
    """`corectl follow` in the background; its stdout lines as they come."""
    def __init__(self, sock, *args):
        self.p = subprocess.Popen([corectl, "--socket", sock, "follow", *args], stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(tmp, "log-follow"), "w"), env=env())
        procs.append(self.p)
        os.set_blocking(self.p.stdout.fileno(), False)
        self.buf = b""
    def lines(self):
        try:
            chunk = self.p.stdout.read()
        except (BlockingIOError, TypeError):
            chunk = None
        if chunk:
            self.buf += chunk
        return self.buf.split(b"\n")[:-1]
    def wait_lines(self, n, what, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            got = self.lines()
            if len(got) >= n:
                return got
            if self.p.poll() is not None:
                fail(f"{what}: corectl follow exited {self.p.returncode}")
            time.sleep(0.05)
        fail(f"{what}: {len(self.lines())} of {n} lines after {seconds} s")
    def stop(self):
        self.p.send_signal(signal.SIGINT)
        if self.p.wait(timeout=10) != 0:
            fail(f"corectl follow exit {self.p.returncode} on SIGINT")

def block(i):
    size = 0 if i % 7 == 0 else (i * 7919) % (70000 if i % 5 == 0 else 300)
    return bytes(((k * 13 + i) & 255) for k in range(size))

try:
    # 1. daemon -> daemon
    port = free_port()
    a = start_daemon("a", "--listen", f"127.0.0.1:{port}")
    b = start_daemon("b", "--peer", f"127.0.0.1:{port}")
    out = ctl(a, "--json", "append", "chat", "hello").stdout
    key = json.loads(out)["key"]
    f = Follower(b, key)
    got = f.wait_lines(1, "daemon B follows A's core")
    if got[0] != b"hello":
        fail(f"B printed {got[0]!r}")
    ctl(a, "append", "chat", "world")
    got = f.wait_lines(2, "a live append on A")
    if got[1] != b"world":
        fail(f"B printed {got[1]!r}")
    f.stop()
    peers = [json.loads(l) for l in ctl(b, "--json", "peers").stdout.splitlines()]
    if len(peers) != 1 or peers[0]["address"] != f"127.0.0.1:{port}" or not peers[0]["initiator"]:
        fail(f"B's peers: {peers}")
    if key not in peers[0]["cores"] or peers[0]["bytes_in"] == 0:
        fail(f"B's peer does not share {key}: {peers[0]}")
    info = json.loads(ctl(b, "--json", "info", key).stdout)
    if info["length"] != 2 or info["contiguous_length"] != 2 or info["writable"]:
        fail(f"B's info: {info}")
    # The reverse: a core B writes reaches A (A answers B's channel passively
    # once A follows it).
    key_b = json.loads(ctl(b, "--json", "append", "notes", "from b").stdout)["key"]
    f = Follower(a, key_b)
    if f.wait_lines(1, "daemon A follows B's core")[0] != b"from b":
        fail("A printed something else")
    f.stop()
    print("daemon <-> daemon: ok", flush=True)

    # 2. Node writer -> hypercored --peer -> corectl follow
    n = 60
    node = subprocess.Popen(["node", os.path.join(interop, "replicate_peer.js"), os.path.join(tmp, "node"),
                             "writer", str(n)], cwd=interop, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    procs.append(node)
    hello = json.loads(node.stdout.readline())
    c = start_daemon("c", "--peer", f"127.0.0.1:{hello['port']}")
    f = Follower(c, hello["key"], "--base64")
    got = f.wait_lines(n, "Node's blocks at corectl follow")
    for i in range(n):
        if base64.b64decode(got[i]) != block(i):
            fail(f"block {i} differs")
    node.stdin.write(b"append 5\n")
    node.stdin.flush()
    got = f.wait_lines(n + 5, "blocks Node appends live")
    for i in range(n, n + 5):
        if base64.b64decode(got[i]) != block(i):
            fail(f"live block {i} differs")
    f.stop()
    print("Node writer -> hypercored --peer -> corectl follow: ok", flush=True)
finally:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(tmp, ignore_errors=True)
