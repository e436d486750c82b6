#!/usr/bin/env python3
"""Issue 4, 5d: sparse replication. hypercored holds a 10,000-block core
(10 MB of random bytes, `corectl append --base64` from stdin) and listens on
127.0.0.1; a Node reader (tests/interop/sparse_reader.js, the pinned
hypercore, fresh storage) dials it and asks only for blocks 5000..5010 with
core.get(). Node verifies every proof and the signed tree itself; the test
checks that the bytes are the ones appended, that Node learnt the full
length, that Node stores those 11 blocks and no other (core.has), and that
neither Node's connection byte counts nor the daemon's (`corectl peers
--json`) come anywhere near the size of the core, also a moment later.
argv: hypercored corectl interop_dir
"""
import base64, json, os, subprocess, sys, time

from harness import Harness, blocks_digest as digest, free_port, node_line

hypercored, corectl, interop = sys.argv[1:4]
N = 10_000
BLOCK = 1000
FIRST, LAST = 5000, 5010
# Eleven blocks with their proofs (about 15 tree nodes of 40 bytes each), the
# handshake, sync and range messages: a few tens of KB. The core is 10 MB.
LIMIT = 128 * 1024


with Harness(hypercored, corectl, "hc-sparse-", seconds=55) as h:
    began = time.time()
    port = free_port()
    a = h.start_daemon("a", "--listen", f"127.0.0.1:{port}")
    blocks = [os.urandom(BLOCK) for _ in range(N)]
    stdin = b"".join(base64.b64encode(b) + b"\n" for b in blocks)
    appended = json.loads(h.ctl(a, "--json", "append", "big", "--base64", input=stdin).stdout)
    if appended["length"] != N:
        h.fail(f"corectl append: {appended}")
    info = json.loads(h.ctl(a, "--json", "info", "big").stdout)
    if info["byte_length"] != N * BLOCK:
        h.fail(f"info after the append: {info}")
    key = info["key_hex"]

    node = h.spawn(["node", os.path.join(interop, "sparse_reader.js"), h.path("node"), key, str(port),
                    str(FIRST), str(LAST)], cwd=interop, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                   stderr=h.log("node"))
    got = node_line(h, node, "blocks 5000..5010")
    if got["length"] != N:
        h.fail(f"Node's length is {got['length']}, not {N}: the signed upgrade did not arrive")
    if len(got["blocks"]) != LAST - FIRST + 1:
        h.fail(f"Node returned {len(got['blocks'])} blocks")
    for i, b in enumerate(got["blocks"]):
        if base64.b64decode(b, validate=True) != blocks[FIRST + i]:
            h.fail(f"block {FIRST + i} at Node differs from the one appended")
    if got["held"] != [[FIRST, LAST + 1]]:
        h.fail(f"Node holds blocks {got['held']}, wanted only [{FIRST}, {LAST + 1})")
    if got["bytesRead"] > LIMIT or got["bytesWritten"] > LIMIT:
        h.fail(f"Node's connection moved {got['bytesRead']} bytes in, {got['bytesWritten']} out")
    if got["bytesRead"] < (LAST - FIRST + 1) * BLOCK:
        h.fail(f"Node read {got['bytesRead']} bytes: fewer than the blocks it got")

    # A moment later: nothing more has arrived at Node, and the daemon agrees
    # on what it sent.
    time.sleep(1)
    node.stdin.write(b"report\n")
    node.stdin.flush()
    later = node_line(h, node, "report a second later")
    if later["held"] != got["held"] or later["bytesRead"] > LIMIT:
        h.fail(f"Node kept receiving: {later}")
    peers = [json.loads(l) for l in h.ctl(a, "--json", "peers").stdout.splitlines()]
    if len(peers) != 1 or peers[0]["initiator"]:
        h.fail(f"the daemon's peers: {peers}")
    p = peers[0]
    if info["key"] not in p["cores"]:
        h.fail(f"the peer does not share the core: {p}")
    if p["bytes_out"] > LIMIT or p["bytes_in"] > LIMIT:
        h.fail(f"the daemon sent {p['bytes_out']} bytes and received {p['bytes_in']}")
    if p["bytes_out"] < (LAST - FIRST + 1) * BLOCK:
        h.fail(f"the daemon counts {p['bytes_out']} bytes out: fewer than the blocks Node got")
    node.stdin.close()
    if node.wait(timeout=10) != 0:
        h.fail(f"Node reader exit {node.returncode}")
    print(f"sparse: Node got {FIRST}..{LAST} of {N} blocks ({N * BLOCK} bytes), read "
          f"{later['bytesRead']} bytes; daemon out {p['bytes_out']}, in {p['bytes_in']}; "
          f"{time.time() - began:.1f} s", flush=True)
