#!/usr/bin/env python3
"""Issue 4, 5b: `corectl append` on hypercored --listen -> a Node reader.

This test makes 4,000 blocks of random bytes, 0 bytes to exactly 1 MiB
(about 20 MB), and appends them with `corectl append --base64` (stdin) to a
hypercored that listens on 127.0.0.1. A Node reader (tests/interop/
node_reader.js, the pinned hypercore, a fresh storage directory) dials it and
gets every block with core.get(i); Node verifies every signature and proof
itself, and reports the BLAKE2b-256 of each block, which must be the one this
test computed with Python's own BLAKE2b. Then live: two more `corectl
append`s (an empty block, a 1 MiB one and a small one; then a single block)
must each fire Node's 'append' event, and Node must then get the new blocks.
argv: hypercored corectl interop_dir
"""
import base64, hashlib, json, os, random, sys, time

from harness import Harness, free_port

hypercored, corectl, interop = sys.argv[1:4]
N = 4000
MiB = 1024 * 1024


def size_of(i):
    # Mostly small; every 20th 64 KiB, every 1000th exactly 1 MiB, every 20th empty.
    if i % 1000 == 999:
        return MiB
    if i % 20 == 10:
        return 64 * 1024
    if i % 20 == 0:
        return 0
    return random.randint(1, 2047)


def digest(block):
    return hashlib.blake2b(block, digest_size=32).hexdigest()


def append(h, sock, blocks):
    """corectl append chat --base64, one stdin line per block; the new length."""
    lines = b"".join(base64.b64encode(b) + b"\n" for b in blocks)
    out = h.ctl(sock, "--json", "append", "chat", "--base64", input=lines).stdout
    return json.loads(out)


def compare(h, got, blocks, start, what):
    want = [digest(b) for b in blocks]
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            h.fail(f"{what}: Node's block {start + i} differs from what corectl appended")
    if len(got) != len(want):
        h.fail(f"{what}: Node got {len(got)} blocks, corectl appended {len(want)}")


with Harness(hypercored, corectl, "hc-node-reader-", seconds=55) as h:
    port = free_port()
    sock = h.start_daemon("d", "--listen", f"127.0.0.1:{port}")
    blocks = [os.urandom(size_of(i)) for i in range(N)]
    began = time.time()
    appended = append(h, sock, blocks)
    if appended["length"] != N:
        h.fail(f"corectl append: {appended}")
    key = json.loads(h.ctl(sock, "--json", "info", "chat").stdout)["key_hex"]  # Node takes hex
    print(f"corectl appended {N} blocks in {time.time() - began:.1f} s", flush=True)

    began = time.time()
    node = h.start_node(interop, "node_reader.js", h.path("node"), key, str(port), str(N))
    got = json.loads(node.take("the Node reader gets every block", seconds=35))
    if got.get("length") != N:
        h.fail(f"node_reader.js: {str(got)[:200]}")
    compare(h, got["digests"], blocks, 0, "initial")
    print(f"Node got and verified {N} blocks in {time.time() - began:.1f} s", flush=True)

    # Live appends: each fires 'append' at Node ({append: length} lines, one
    # per event), then Node prints the new blocks' digests ({start, digests}).
    for more in ([b"", os.urandom(MiB), os.urandom(100)], [os.urandom(3000)]):
        start = len(blocks)
        if append(h, sock, more)["length"] != start + len(more):
            h.fail("corectl append (live) answered another length")
        blocks += more
        events, digests = [], []
        while len(digests) < len(more):
            message = json.loads(node.take(f"Node hears of the live append at {start}", seconds=15))
            if "append" in message:
                events.append(message["append"])
            elif message.get("start") == start + len(digests):
                digests += message["digests"]
            else:
                h.fail(f"node_reader.js: {str(message)[:200]}")
        if not events or events[-1] != len(blocks):
            h.fail(f"Node's 'append' events {events}, the core has {len(blocks)} blocks")
        compare(h, digests, more, start, "live")
    print("live appends fire 'append' at Node and verify: ok", flush=True)
