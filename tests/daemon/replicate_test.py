#!/usr/bin/env python3
"""Replication through real daemons and the real corectl, over TCP on 127.0.0.1.

1. Two hypercored: A --listen, B --peer A. `corectl append chat hello` on A;
   `corectl follow <key>` on B prints it, then a live append on A; B's
   `corectl peers` shows A and `corectl info <key>` the length and one peer;
   `corectl seed <key>` on a terminal (script(1)) draws its progress to the end.
   Both restarted, B still fetches what A appended while B was down.
2. The issue's "done when": a Node writer (tests/interop/replicate_peer.js,
   the pinned hypercore serving replication on a TCP port), `hypercored
   --peer` to it, and `corectl follow <key> --base64` printing every block,
   then the blocks Node appends live. Block i follows replicate_peer.js's
   formula (block()); Node signs, the daemon verifies. On a terminal the
   follow draws its progress and says when it caught up.
3. The README's walk-through: tests/interop/chat_writer.js appends each line
   it reads as a block; `corectl follow` on a daemon --peer to it prints each
   line as it is written.
argv: hypercored corectl interop_dir
Every process is bounded by timeouts and killed at the end; the temporary
directory is removed.
"""
import base64, json, shlex, subprocess, sys, time

from harness import Follower, Harness, clean_env, free_port

hypercored, corectl, interop = sys.argv[1:4]


def block(i):
    size = 0 if i % 7 == 0 else (i * 7919) % (70000 if i % 5 == 0 else 300)
    return bytes(((k * 13 + i) & 255) for k in range(size))

with Harness(hypercored, corectl, "hc-replicate-") as h:
    # 1. daemon -> daemon
    port = free_port()
    procs = {}
    a = h.start_daemon("a", "--listen", f"127.0.0.1:{port}")
    procs[a] = h.procs[-1]
    b = h.start_daemon("b", "--peer", f"127.0.0.1:{port}")
    procs[b] = h.procs[-1]
    out = h.ctl(a, "--json", "append", "chat", "hello").stdout
    key = json.loads(out)["key"]
    f = Follower(h, b, key)
    got = f.wait_lines(1, "daemon B follows A's core")
    if got[0] != b"hello":
        h.fail(f"B printed {got[0]!r}")
    h.ctl(a, "append", "chat", "world")
    got = f.wait_lines(2, "a live append on A")
    if got[1] != b"world":
        h.fail(f"B printed {got[1]!r}")
    f.stop()
    peers = [json.loads(l) for l in h.ctl(b, "--json", "peers").stdout.splitlines()]
    if len(peers) != 1 or peers[0]["address"] != f"127.0.0.1:{port}" or not peers[0]["initiator"]:
        h.fail(f"B's peers: {peers}")
    if key not in peers[0]["cores"] or peers[0]["bytes_in"] == 0:
        h.fail(f"B's peer does not share {key}: {peers[0]}")
    info = json.loads(h.ctl(b, "--json", "info", key).stdout)
    if info["length"] != 2 or info["contiguous_length"] != 2 or info["writable"] or info.get("peers") != 1:
        h.fail(f"B's info: {info}")
    # On a terminal `corectl seed` watches the download until it is complete.
    command = " ".join(shlex.quote(x) for x in (corectl, "--socket", b, "seed", key))
    tty = subprocess.run(["timeout", "20", "script", "-qec", command, "/dev/null"],
                         capture_output=True, env=clean_env())
    shown = tty.stdout.decode(errors="replace")
    if tty.returncode != 0 or "2/2 blocks, 1 peer(s)" not in shown or "complete" not in shown:
        h.fail(f"corectl seed on a terminal: exit {tty.returncode}: {shown!r}")
    # The reverse: a core B writes reaches A (A answers B's channel passively
    # once A follows it).
    key_b = json.loads(h.ctl(b, "--json", "append", "notes", "from b").stdout)["key"]
    f = Follower(h, a, key_b)
    if f.wait_lines(1, "daemon A follows B's core")[0] != b"from b":
        h.fail("A printed something else")
    f.stop()
    # Seeds last across restarts: with both daemons restarted, nothing has the
    # core open, and B still asks A for what A appended while B was down.
    proc_a, proc_b = procs[a], procs[b]
    proc_b.terminate()
    proc_b.wait(timeout=10)
    h.ctl(a, "append", "chat", "while b was down")
    proc_a.terminate()
    proc_a.wait(timeout=10)
    a = h.start_daemon("a", "--listen", f"127.0.0.1:{port}")
    b = h.start_daemon("b", "--peer", f"127.0.0.1:{port}")
    deadline = time.time() + 20
    while json.loads(h.ctl(b, "--json", "info", key).stdout)["contiguous_length"] != 3:
        if time.time() > deadline:
            h.fail("after a restart B did not fetch A's new block of the core it seeds")
        time.sleep(0.05)
    if h.ctl(b, "get", key, "2").stdout != b"while b was down\n":
        h.fail("B's block 2 after the restarts differs")
    print("daemon <-> daemon: ok", flush=True)

    # 2. Node writer -> hypercored --peer -> corectl follow
    n = 60
    node = h.start_node(interop, "replicate_peer.js", h.path("node"), "writer", str(n))
    hello = json.loads(node.take("replicate_peer.js writes its blocks"))
    c = h.start_daemon("c", "--peer", f"127.0.0.1:{hello['port']}")
    f = Follower(h, c, hello["key"], "--base64")
    got = f.wait_lines(n, "Node's blocks at corectl follow")
    for i in range(n):
        if base64.b64decode(got[i]) != block(i):
            h.fail(f"block {i} differs")
    node.p.stdin.write(b"append 5\n")
    node.p.stdin.flush()
    got = f.wait_lines(n + 5, "blocks Node appends live")
    for i in range(n, n + 5):
        if base64.b64decode(got[i]) != block(i):
            h.fail(f"live block {i} differs")
    f.stop()
    # On a terminal `corectl follow` of a downloaded core draws its progress
    # until it has printed every block, then says it caught up.
    command = " ".join(shlex.quote(x) for x in (corectl, "--socket", c, "follow", hello["key"], "--base64"))
    tty = subprocess.run(["timeout", "20", "script", "-qec",
                          f"{command} & pid=$!; sleep 3; kill -INT $pid; wait $pid", "/dev/null"],
                         capture_output=True, env=clean_env())
    shown = tty.stdout.decode(errors="replace")
    if (tty.returncode != 0 or f"/{n + 5} blocks, 1 peer(s)" not in shown
            or f"caught up: {n + 5} blocks, 1 peer(s); following" not in shown):
        h.fail(f"corectl follow on a terminal: exit {tty.returncode}: {shown[-600:]!r}")
    print("Node writer -> hypercored --peer -> corectl follow: ok", flush=True)

    # 3. The README's walk-through: tests/interop/chat_writer.js (each line
    # typed is a block), hypercored --peer to it, corectl follow printing each
    # line as it is written, one at a time.
    chat = h.start_node(interop, "chat_writer.js", h.path("chat"), name="chat")
    chat_key = chat.take("chat_writer.js key").decode().split()[1]
    chat_port = chat.take("chat_writer.js port").decode().split()[1]
    d = h.start_daemon("d", "--peer", f"127.0.0.1:{chat_port}")
    f = Follower(h, d, chat_key)
    for i, text in enumerate(["hello from node", "second line", "ünïcode ✓"]):
        chat.p.stdin.write(text.encode() + b"\n")
        chat.p.stdin.flush()
        got = f.wait_lines(i + 1, f"typed line {i} at corectl follow")
        if got[i] != text.encode():
            h.fail(f"typed line {i}: {got[i]!r}")
    f.stop()
    chat.p.stdin.close()
    if chat.p.wait(timeout=20) != 0:
        h.fail(f"chat_writer.js exit {chat.p.returncode} when its stdin ended")
    print("chat_writer.js -> hypercored --peer -> corectl follow: ok", flush=True)
