#!/usr/bin/env python3
"""Truncate / fork replication with the pinned Node hypercore, both ways,
over TCP on 127.0.0.1 (issue 4, 5e).

1. A Node writer (tests/interop/fork_peer.js) appends a0..a5;
   `hypercored --peer` to it and `corectl --json follow <key>` print them.
   Node truncates to 4 (fork 1) and appends b4..b6: hypercored follows the
   new fork (it verifies Node's signed tree and finds the common ancestor),
   the follower prints "truncated to 4 (fork 1)" on stderr and
   {"event": "truncate", "length": 4, "fork": 1} on stdout, then b4..b6;
   `corectl info` says fork 1, length 7.
2. `corectl append` on `hypercored --listen` (x0..x5) -> a Node reader;
   `corectl truncate` to 3, then y3, y4: the Node reader gets the 'truncate'
   event (3, fork 1) and the new blocks, verified by Node; a `corectl
   follow` on the writing daemon says truncated too.
argv: hypercored corectl interop_dir
"""
import json, os, sys, time

from harness import Follower, Harness, free_port

hypercored, corectl, interop = sys.argv[1:4]


def follow_events(f, n, what):
    return [json.loads(l) for l in f.wait_lines(n, what)]


def stderr_has(h, name, text, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(h.path("log-" + name), errors="replace") as log:
            if text in log.read():
                return
        time.sleep(0.05)
    h.fail(f"{name} never said {text!r} on stderr")


def block(i, text):
    return {"index": i, "block": text, "encoding": "utf8"}


with Harness(hypercored, corectl, "hc-fork-", seconds=50) as h:
    # 1. Node writer -> hypercored --peer -> corectl follow
    node = h.start_node(interop, "fork_peer.js", h.path("node-writer"), "writer", name="node-writer")
    hello = json.loads(node.take("Node writer starts"))
    node.p.stdin.write(b"append a0 a1 a2 a3 a4 a5\n")
    node.p.stdin.flush()
    if json.loads(node.take("Node appends"))["length"] != 6:
        h.fail("Node writer did not append")
    c = h.start_daemon("c", "--peer", f"127.0.0.1:{hello['port']}")
    f = Follower(h, c, "--json", hello["key"], name="follow-c")
    got = follow_events(f, 6, "Node's blocks at corectl follow")
    if got != [block(i, f"a{i}") for i in range(6)]:
        h.fail(f"corectl follow printed {got}")
    node.p.stdin.write(b"truncate 4\n")
    node.p.stdin.flush()
    cut = json.loads(node.take("Node truncates"))
    if cut["length"] != 4 or cut["fork"] != 1:
        h.fail(f"Node's truncate: {cut}")
    node.p.stdin.write(b"append b4 b5 b6\n")
    node.p.stdin.flush()
    node.take("Node appends to the new fork")
    got = follow_events(f, 10, "the new fork at corectl follow")[6:]
    if got != [{"event": "truncate", "length": 4, "fork": 1}] + [block(i, f"b{i}") for i in range(4, 7)]:
        h.fail(f"after Node's truncate, corectl follow printed {got}")
    stderr_has(h, "follow-c", "truncated to 4 (fork 1)")
    # A core the daemon only reads cannot be truncated there.
    p = h.ctl(c, "truncate", hello["key"], "2", check=False)
    if p.returncode != 1 or b"not writable" not in p.stderr:
        h.fail(f"corectl truncate of a remote core: exit {p.returncode}: {p.stderr!r}")
    info = json.loads(h.ctl(c, "--json", "info", hello["key"]).stdout)
    if info["fork"] != 1 or info["length"] != 7 or info["contiguous_length"] != 7:
        h.fail(f"hypercored's info after the fork: {info}")
    # It stays live on the new fork.
    node.p.stdin.write(b"append b7\n")
    node.p.stdin.flush()
    if json.loads(f.wait_lines(11, "a live block of the new fork")[10]) != block(7, "b7"):
        h.fail("the live block differs")
    f.stop()
    print("Node writer truncates -> hypercored follows the new fork: ok", flush=True)

    # 2. hypercored writer -> Node reader
    port = free_port()
    a = h.start_daemon("a", "--listen", f"127.0.0.1:{port}")
    key = json.loads(h.ctl(a, "--json", "append", "w", *[f"x{i}" for i in range(6)]).stdout)["key"]
    key_hex = json.loads(h.ctl(a, "--json", "info", key).stdout)["key_hex"]
    local = Follower(h, a, "--json", "w", name="follow-a")
    follow_events(local, 6, "the writer's own follower")
    reader = h.start_node(interop, "fork_peer.js", h.path("node-reader"), "reader", key_hex, str(port),
                          name="node-reader")
    reader.p.stdin.write(b"blocks 6\n")
    reader.p.stdin.flush()
    while True:
        msg = json.loads(reader.take("the Node reader gets x0..x5"))
        if "blocks" in msg:
            break
    if msg["blocks"] != [f"x{i}" for i in range(6)] or msg["fork"] != 0:
        h.fail(f"the Node reader got {msg}")
    p = h.ctl(a, "truncate", "w", "7", check=False)
    if p.returncode != 1 or b"past the end" not in p.stderr:
        h.fail(f"corectl truncate past the end: exit {p.returncode}: {p.stderr!r}")
    info = json.loads(h.ctl(a, "--json", "truncate", "w", "3").stdout)
    if info["length"] != 3 or info["fork"] != 1:
        h.fail(f"corectl truncate printed {info}")
    h.ctl(a, "append", "w", "y3", "y4")
    # At fork 1: the reader may not have heard of the truncation yet.
    reader.p.stdin.write(b"blocks 5 1\n")
    reader.p.stdin.flush()
    seen_truncate = None
    while True:
        msg = json.loads(reader.take("the Node reader follows the new fork"))
        if "error" in msg or "streamError" in msg:
            h.fail(f"the Node reader: {msg}")
        if "truncate" in msg:
            seen_truncate = msg
        if "blocks" in msg:
            break
    if seen_truncate != {"truncate": 3, "fork": 1}:
        h.fail(f"the Node reader's truncate event: {seen_truncate}")
    if msg["blocks"] != ["x0", "x1", "x2", "y3", "y4"] or msg["fork"] != 1 or msg["length"] != 5:
        h.fail(f"the Node reader got {msg}")
    got = follow_events(local, 9, "the writer's own follower after the truncate")[6:]
    if got != [{"event": "truncate", "length": 3, "fork": 1}, block(3, "y3"), block(4, "y4")]:
        h.fail(f"the writer's follower printed {got}")
    stderr_has(h, "follow-a", "truncated to 3 (fork 1)")
    local.stop()
    print("hypercored writer truncates -> a Node reader follows the new fork: ok", flush=True)
