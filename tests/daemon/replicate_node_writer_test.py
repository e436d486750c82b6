#!/usr/bin/env python3
"""Issue 4, 5a: a Node writer -> hypercored --peer -> `corectl follow`.

The pinned Node hypercore (tests/interop/node_writer.js) writes 10,000 blocks
of random bytes, 0 bytes to exactly 1 MiB (about 50 MB), and serves
replication on a TCP port of 127.0.0.1. A hypercored started with `--peer`
to it, asked by `corectl follow <key> --base64`, must print every block in
order, each identical to what Node wrote: Node reports the BLAKE2b-256 of
each block it wrote, this test hashes each block corectl printed with
Python's own BLAKE2b. Then Node appends more blocks live (a 1 MiB one among
them, then an empty one alone) and they must appear at the follower too.
argv: hypercored corectl interop_dir
"""
import base64, hashlib, json, sys, time

from harness import Follower, Harness

hypercored, corectl, interop = sys.argv[1:4]
N = 10_000
LIVE = 1000  # "append K" from index 10,000: one 1 MiB block among them (sizeOf)


def digest(line):
    return hashlib.blake2b(base64.b64decode(line, validate=True), digest_size=32).hexdigest()


def compare(h, got, want, start, what):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            h.fail(f"{what}: block {start + i} differs from what Node wrote")
    if len(got) != len(want):
        h.fail(f"{what}: {len(got)} blocks, Node wrote {len(want)}")


with Harness(hypercored, corectl, "hc-node-writer-", seconds=55) as h:
    began = time.time()
    node = h.start_node(interop, "node_writer.js", h.path("node"), str(N))
    hello = json.loads(node.take("node_writer.js writes its blocks", seconds=25))
    if hello.get("length") != N or len(hello["digests"]) != N:
        h.fail(f"node_writer.js: {str(hello)[:200]}")
    print(f"Node wrote {N} blocks in {time.time() - began:.1f} s", flush=True)

    sock = h.start_daemon("d", "--peer", f"127.0.0.1:{hello['port']}")
    began = time.time()
    f = Follower(h, sock, hello["key"], "--base64", keep=digest)
    got = f.wait_lines(N, "Node's blocks at corectl follow", seconds=35)
    compare(h, got[:N], hello["digests"], 0, "corectl follow")
    print(f"corectl follow printed {N} blocks, all identical, in {time.time() - began:.1f} s", flush=True)

    info = json.loads(h.ctl(sock, "--json", "info", hello["key"]).stdout)
    if info["length"] != N or info["contiguous_length"] != N or info["writable"]:
        h.fail(f"daemon's info: {info}")

    # Live: a batch with a 1 MiB block in it, then one empty block alone.
    length = N
    for k in (LIVE, 1):
        node.p.stdin.write(f"append {k}\n".encode())
        node.p.stdin.flush()
        live = json.loads(node.take(f"node_writer.js appends {k}"))
        if live.get("start") != length or len(live["digests"]) != k:
            h.fail(f"node_writer.js append: {live}")
        got = f.wait_lines(length + k, f"{k} blocks Node appends live", seconds=15)
        compare(h, got[length:], live["digests"], length, "live")
        length += k
    f.stop()
    print(f"{length - N} live blocks followed: ok", flush=True)
