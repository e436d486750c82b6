#!/usr/bin/env python3
"""Issue 4, 5g: both kinds of core key replicate both ways over TCP on
127.0.0.1 (docs/protocol/hypercore.md §4.3; tests/interop/key_modes_peer.js
is the Node side, the pinned hypercore 11.37.1 and corestore 7.12.5):

- manifest keys (key = hash of the manifest): a Corestore named core and a
  default `new Hypercore(dir)` core, and a core `corectl create` makes;
- compat keys (key = the signer's public key, Hypercore 10 style): Node's
  `compat: true`, and `corectl create --compat`.

1. A Node writer serves one core of each kind on one stream; hypercored
   --peer to it seeds the three keys: every block must arrive identical
   (`corectl tail --base64`, hashed here, against Node's digest), then the
   blocks Node appends live.
2. hypercored writes a named core and a --compat one and listens; a Node
   reader opens both keys on one stream and gets every block, verified by
   hypercore, identical to what was appended; then live appends. Node says
   which kind each key is, as it sees the core: that must be the kind asked
   for.
argv: hypercored corectl interop_dir
"""
import base64, hashlib, json, os, random, struct, subprocess, sys, time

from harness import Harness, blocks_digest as digest, free_port, node_line

hypercored, corectl, interop = sys.argv[1:4]
BLOCKS = 50
LIVE = 10
SECONDS = 20  # for a download to complete


def check_kind(h, core, compat, what):
    """Node's view of the key: the public key (compat) or the manifest hash."""
    if core["keyIsPublicKey"] != compat or core["keyIsManifestHash"] == compat:
        h.fail(f"{what}: Node sees key {core['key']} as public key: {core['keyIsPublicKey']}, "
               f"manifest hash: {core['keyIsManifestHash']}; wanted {'compat' if compat else 'manifest'}")


def wait_complete(h, sock, key, length, what):
    deadline = time.time() + SECONDS
    while True:
        info = json.loads(h.ctl(sock, "--json", "info", key).stdout)
        if info["length"] == length and info["contiguous_length"] == length:
            return info
        if time.time() > deadline:
            h.fail(f"{what}: after {SECONDS} s hypercored has {info}, wanted length {length}")
        time.sleep(0.1)


def held_digest(h, sock, key, length):
    lines = h.ctl(sock, "tail", key, "-n", str(length), "--base64").stdout.splitlines()
    return digest(base64.b64decode(l, validate=True) for l in lines)


def random_blocks(rng, n):
    return [os.urandom(rng.randrange(0, 4097)) for _ in range(n)]


def append(h, sock, name, blocks):
    stdin = b"".join(base64.b64encode(b) + b"\n" for b in blocks)
    h.ctl(sock, "append", name, "--base64", input=stdin)


with Harness(hypercored, corectl, "hc-keys-", seconds=55) as h:
    began = time.time()
    rng = random.Random(os.urandom(16))

    # 1. Node writer (named, default, compat) -> hypercored --peer, corectl seed
    writer = h.spawn(["node", os.path.join(interop, "key_modes_peer.js"), h.path("node-w"), "writer",
                      str(BLOCKS)], cwd=interop, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=h.log("node-writer"))
    hello = node_line(h, writer, "Node writer")
    kinds = ["named", "default", "compat"]
    for kind, core in zip(kinds, hello["cores"]):
        check_kind(h, core, kind == "compat", f"Node's {kind} core")
    d = h.start_daemon("d", "--peer", f"127.0.0.1:{hello['port']}")
    for core in hello["cores"]:
        h.ctl(d, "seed", core["key"])
    for kind, core in zip(kinds, hello["cores"]):
        wait_complete(h, d, core["key"], core["length"], f"Node's {kind} core")
        if held_digest(h, d, core["key"], core["length"]) != core["digest"]:
            h.fail(f"Node's {kind} core: the blocks hypercored holds differ from Node's")
    writer.stdin.write(f"append {LIVE}\n".encode())
    writer.stdin.flush()
    for kind, core in zip(kinds, node_line(h, writer, "Node's live append")["cores"]):
        wait_complete(h, d, core["key"], core["length"], f"live blocks of Node's {kind} core")
        if held_digest(h, d, core["key"], core["length"]) != core["digest"]:
            h.fail(f"Node's {kind} core: after the live append, hypercored's blocks differ")
    writer.stdin.close()
    print(f"Node writer -> hypercored: named, default and compat keys: ok ({time.time() - began:.1f} s)",
          flush=True)

    # 2. hypercored writer (manifest key, compat key) -> Node reader
    port = free_port()
    e = h.start_daemon("e", "--listen", f"127.0.0.1:{port}")
    h.ctl(e, "create", "compat", "--compat")
    h.ctl(e, "create", "named")
    ours = {"named": [], "compat": []}
    for name, blocks in ours.items():
        blocks.extend(random_blocks(rng, BLOCKS))
        append(h, e, name, blocks)
    keys = {name: json.loads(h.ctl(e, "--json", "info", name).stdout)["key_hex"] for name in ours}
    if keys["named"] == keys["compat"]:
        h.fail("the two cores have one key")
    reader = h.spawn(["node", os.path.join(interop, "key_modes_peer.js"), h.path("node-r"), "reader",
                      str(port)], cwd=interop, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=h.log("node-reader"))

    def read_all(what):
        wanted = [{"key": keys[name], "length": len(blocks)} for name, blocks in ours.items()]
        reader.stdin.write(json.dumps(wanted).encode() + b"\n")
        reader.stdin.flush()
        got = node_line(h, reader, what)["cores"]
        for (name, blocks), core in zip(ours.items(), got):
            if core["key"] != keys[name] or core["length"] != len(blocks) or core["digest"] != digest(blocks):
                h.fail(f"{what}: the {name} core at Node: {core}, wanted {len(blocks)} blocks "
                       f"with digest {digest(blocks)}")
            check_kind(h, core, name == "compat", f"{what}: our {name} core")

    read_all("Node reads hypercored's cores")
    for name, blocks in ours.items():
        more = random_blocks(rng, LIVE)
        blocks.extend(more)
        append(h, e, name, more)
    read_all("Node reads live appends")
    reader.stdin.close()
    print(f"hypercored -> Node reader: manifest and compat keys, live: ok ({time.time() - began:.1f} s)",
          flush=True)
