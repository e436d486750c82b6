#!/usr/bin/env python3
"""Issue 4, 5f: 100 cores between a Node Corestore (corestore 7.12.5, pinned)
and hypercored, over ONE TCP connection of 127.0.0.1, both ways
(tests/interop/corestore_peer.js is the Node side).

1. Node writes 100 named cores of 20 random blocks each and serves
   store.replicate() on a port; hypercored --peer to it, `corectl seed` of
   each key. Every core must arrive complete (`corectl list`) and identical
   (each block printed by `corectl tail --base64`, hashed here, against
   Node's digest); `corectl peers` shows one connection carrying all 100,
   and Node accepted one.
2. hypercored holds 100 cores (`corectl append --base64` of random blocks to
   100 names) and listens; a Node Corestore opens the 100 keys with
   store.get({key}) and replicates them over one store.replicate() stream:
   every block of each must come back identical, and the daemon shows one
   peer carrying all 100.
argv: hypercored corectl interop_dir
"""
import base64, hashlib, json, os, random, struct, subprocess, sys, time

from harness import Harness, blocks_digest as digest, free_port, node_line

hypercored, corectl, interop = sys.argv[1:4]
CORES = 100
BLOCKS = 20
SECONDS = 30  # for all 100 cores to arrive, either way


def one_peer(h, sock, keys, what):
    """`corectl peers`: exactly one connection, carrying every key of `keys`."""
    peers = [json.loads(l) for l in h.ctl(sock, "--json", "peers").stdout.splitlines()]
    if len(peers) != 1:
        h.fail(f"{what}: {len(peers)} peer connections: {peers}")
    missing = set(keys) - set(peers[0]["cores"])
    if missing:
        h.fail(f"{what}: {len(missing)} of the cores are not on the connection")
    return peers[0]


with Harness(hypercored, corectl, "hc-cores-", seconds=55) as h:
    began = time.time()

    # 1. Node Corestore writer -> hypercored --peer, corectl seed x 100
    writer = h.spawn(["node", os.path.join(interop, "corestore_peer.js"), h.path("node-w"), "writer",
                      str(CORES), str(BLOCKS)], cwd=interop, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=h.log("node-writer"))
    hello = node_line(h, writer, "Node Corestore writer")
    wrote = {c["key"]: c for c in hello["cores"]}
    if len(wrote) != CORES:
        h.fail(f"Node wrote {len(wrote)} distinct cores")
    b = h.start_daemon("b", "--peer", f"127.0.0.1:{hello['port']}")
    z32 = {}  # hex key -> the daemon's z-base32 form
    for key in wrote:
        z32[key] = json.loads(h.ctl(b, "--json", "seed", key).stdout)["key"]
    deadline = time.time() + SECONDS
    while True:
        held = {c["key_hex"]: c for c in map(json.loads, h.ctl(b, "--json", "list").stdout.splitlines())}
        done = [k for k, c in wrote.items()
                if k in held and held[k]["length"] == c["length"] and held[k]["contiguous_length"] == c["length"]]
        if len(done) == CORES:
            break
        if time.time() > deadline:
            h.fail(f"after {SECONDS} s, {len(done)} of {CORES} seeded cores are complete")
        time.sleep(0.2)
    for key, c in wrote.items():
        lines = h.ctl(b, "tail", key, "-n", str(c["length"]), "--base64").stdout.splitlines()
        if digest(base64.b64decode(l, validate=True) for l in lines) != c["digest"]:
            h.fail(f"core {key}: the blocks hypercored holds differ from Node's")
    peer = one_peer(h, b, z32.values(), "seeding from Node")
    if not peer["initiator"] or peer["address"] != f"127.0.0.1:{hello['port']}":
        h.fail(f"seeding from Node: the peer is {peer}")
    writer.stdin.write(b"stats\n")
    writer.stdin.flush()
    stats = node_line(h, writer, "Node writer stats")
    if stats["connections"] != 1:
        h.fail(f"Node accepted {stats['connections']} connections")
    writer.stdin.close()
    print(f"Node Corestore -> hypercored: {CORES} cores over one connection: ok "
          f"({time.time() - began:.1f} s)", flush=True)

    # 2. hypercored (100 cores, --listen) -> Node Corestore reader
    port = free_port()
    c = h.start_daemon("c", "--listen", f"127.0.0.1:{port}")
    rng = random.Random(os.urandom(16))
    written = {}  # name -> digest
    for n in range(CORES):
        blocks = [os.urandom(rng.randrange(0, 2049)) for _ in range(BLOCKS)]
        stdin = b"".join(base64.b64encode(x) + b"\n" for x in blocks)
        h.ctl(c, "append", f"core-{n}", "--base64", input=stdin)
        written[f"core-{n}"] = digest(blocks)
    held = [json.loads(l) for l in h.ctl(c, "--json", "list").stdout.splitlines()]
    if sorted(i["name"] for i in held) != sorted(written) or any(i["length"] != BLOCKS for i in held):
        h.fail(f"the daemon's cores after the appends: {held}")
    reader = h.spawn(["node", os.path.join(interop, "corestore_peer.js"), h.path("node-r"), "reader",
                      str(port)], cwd=interop, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=h.log("node-reader"))
    reader.stdin.write(json.dumps([{"key": i["key_hex"], "length": i["length"]} for i in held]).encode() + b"\n")
    reader.stdin.flush()
    got = {g["key"]: g for g in node_line(h, reader, "Node Corestore reader")["cores"]}
    for i in held:
        g = got.get(i["key_hex"])
        if g is None or g["length"] != BLOCKS or g["digest"] != written[i["name"]]:
            h.fail(f"core {i['name']}: Node got {g}")
    one_peer(h, c, [i["key"] for i in held], "Node reading from hypercored")
    reader.stdin.close()
    print(f"hypercored -> Node Corestore: {CORES} cores over one connection: ok "
          f"({time.time() - began:.1f} s)", flush=True)
