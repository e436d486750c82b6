#!/usr/bin/env python3
"""Issue 4, 5c: relay. Node writer -> hypercored seeds it -> the writer goes
away -> a fresh Node reader gets everything from hypercored alone.

A Node writer (tests/interop/node_writer.js) writes 3,000 blocks of random
bytes, 0 bytes to exactly 1 MiB, and serves replication on 127.0.0.1. A
hypercored with --listen and --peer to it is told `corectl seed <key>`; once
`corectl info` shows every block stored, the writer process exits. A Node
reader with a fresh storage directory (tests/interop/node_reader.js) then
dials only hypercored, gets every block (Node verifies every signature and
proof against the writer's key) and reports the BLAKE2b-256 of each: they
must be the writer's own. The daemon's copy is also read back with
`corectl get` for a few blocks, hashed here.
argv: hypercored corectl interop_dir
"""
import base64, hashlib, json, sys, time

from harness import Harness, free_port

hypercored, corectl, interop = sys.argv[1:4]
N = 3000

with Harness(hypercored, corectl, "hc-node-relay-", seconds=55) as h:
    writer = h.start_node(interop, "node_writer.js", h.path("writer"), str(N), name="writer")
    hello = json.loads(writer.take("node_writer.js writes its blocks", seconds=20))
    if hello.get("length") != N or len(hello["digests"]) != N:
        h.fail(f"node_writer.js: {str(hello)[:200]}")
    key = hello["key"]

    port = free_port()
    sock = h.start_daemon("d", "--listen", f"127.0.0.1:{port}", "--peer", f"127.0.0.1:{hello['port']}")
    began = time.time()
    seeded = json.loads(h.ctl(sock, "--json", "seed", key).stdout)
    if seeded["key_hex"] != key or seeded["writable"]:
        h.fail(f"corectl seed: {seeded}")
    deadline = time.time() + 25
    while True:
        info = json.loads(h.ctl(sock, "--json", "info", key).stdout)
        if info["length"] == N and info["contiguous_length"] == N:
            break
        if time.time() > deadline:
            h.fail(f"hypercored seeds {info['contiguous_length']} of {N} blocks after 25 s: {info}")
        time.sleep(0.1)
    print(f"hypercored seeded {N} blocks in {time.time() - began:.1f} s", flush=True)

    writer.p.stdin.close()
    if writer.p.wait(timeout=15) != 0:
        h.fail(f"node_writer.js exit {writer.p.returncode}")
    # The daemon holds the blocks themselves, not only their count.
    for i in (0, 10, 999, N - 1):
        block = base64.b64decode(h.ctl(sock, "get", key, str(i), "--base64").stdout.strip(), validate=True)
        if hashlib.blake2b(block, digest_size=32).hexdigest() != hello["digests"][i]:
            h.fail(f"corectl get {i}: not the block Node wrote")

    began = time.time()
    reader = h.start_node(interop, "node_reader.js", h.path("reader"), key, str(port), str(N), name="reader")
    got = json.loads(reader.take("a fresh Node reader gets every block from hypercored", seconds=25))
    if got.get("length") != N:
        h.fail(f"node_reader.js: {str(got)[:200]}")
    for i, (g, w) in enumerate(zip(got["digests"], hello["digests"])):
        if g != w:
            h.fail(f"block {i} at the Node reader differs from what the Node writer wrote")
    if len(got["digests"]) != N:
        h.fail(f"the Node reader got {len(got['digests'])} blocks")
    print(f"a fresh Node reader got and verified {N} blocks from hypercored alone in "
          f"{time.time() - began:.1f} s", flush=True)
