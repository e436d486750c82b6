#!/usr/bin/env python3
"""Live appends on hypercored --listen -> a Node reader that follows them.

hypercored writes: one `corectl append chat` whose stdin gets one 100-byte
line every 2 ms (each line is appended as it arrives), 4,000 blocks in all
(8 s). Without the fix in CoreChannel::on_request, Node stalled in 4 of 6
runs (and in 3 of 8 runs of 2,000 blocks at 5 ms).
A Node reader (tests/interop/node_reader.js, the pinned hypercore, a fresh
storage directory) dials the daemon after the first block and follows: it
prints {append: length} on each 'append' event and gets the new blocks.

Node asks for an upgrade only when our last sync echoed its current length;
a reader whose sync crossed one of ours (or whose length moved past what we
told it, an upgrade proof goes to our head) must still hear a sync with its
length from us, or it stops following for good while the connection stays
up. So: Node must reach the last length within a few seconds of the last
append, and get every block in order (the digests are checked).
argv: hypercored corectl interop_dir
"""
import hashlib, json, subprocess, sys, threading, time

from harness import Harness, free_port

hypercored, corectl, interop = sys.argv[1:4]
N = 4000
INTERVAL = 0.002


def block(i):
    # 100 bytes, printable, one stdin line each.
    return (f"live block {i:06d} ".ljust(100, "x")).encode()


def digest(b):
    return hashlib.blake2b(b, digest_size=32).hexdigest()


with Harness(hypercored, corectl, "hc-live-node-", seconds=45) as h:
    port = free_port()
    sock = h.start_daemon("d", "--listen", f"127.0.0.1:{port}")
    h.ctl(sock, "append", "chat", block(0).decode())
    key = json.loads(h.ctl(sock, "--json", "info", "chat").stdout)["key_hex"]

    node = h.start_node(interop, "node_reader.js", h.path("node"), key, str(port), "1")
    first = json.loads(node.take("the Node reader gets block 0", seconds=20))
    if first.get("length") != 1 or first.get("digests") != [digest(block(0))]:
        h.fail(f"node_reader.js: {str(first)[:200]}")

    # The writer: one line every 5 ms on a long-lived corectl append.
    with h.log("append") as log:
        appender = h.spawn([corectl, "--socket", sock, "append", "chat"], stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=log)

    def write():
        began = time.time()
        for i in range(1, N):
            delay = began + i * INTERVAL - time.time()
            if delay > 0:
                time.sleep(delay)
            appender.stdin.write(block(i) + b"\n")
            appender.stdin.flush()
        appender.stdin.close()

    writer = threading.Thread(target=write, daemon=True)
    began = time.time()
    writer.start()

    # Node: {append: length} events and {start, digests} of the new blocks, in order.
    have, last_event = 1, 0
    deadline = None
    while have < N:
        if deadline is None and not writer.is_alive():
            deadline = time.time() + 10  # the writer is done: Node must catch up by then
        left = 30 if deadline is None else deadline - time.time()
        if left <= 0:
            h.fail(f"the Node reader stopped at length {have} (last 'append' event {last_event}) "
                   f"of {N}: hypercored kept appending, Node never asked for more")
        with node.changed:  # the next line, or None after `left` (at most 1) seconds
            if len(node.got) <= node.taken and node.thread.is_alive():
                node.changed.wait(timeout=min(left, 1))
            ready = len(node.got) > node.taken
        if not ready:
            if not node.thread.is_alive():
                node.take("Node follows the live appends", seconds=1)  # fails: Node exited
            continue
        message = json.loads(node.take("Node follows the live appends"))
        if "append" in message:
            last_event = max(last_event, message["append"])
        elif message.get("start") == have:
            for i, d in enumerate(message["digests"]):
                if d != digest(block(have + i)):
                    h.fail(f"Node's block {have + i} differs from what corectl appended")
            have += len(message["digests"])
        else:
            h.fail(f"node_reader.js: {str(message)[:200]}")
    writer.join(timeout=30)
    if appender.wait(timeout=15) != 0:
        h.fail(f"corectl append exited {appender.returncode}")
    info = json.loads(h.ctl(sock, "--json", "info", "chat").stdout)
    if info["length"] != N:
        h.fail(f"the daemon's core has {info['length']} blocks, {N} were appended")
    print(f"Node followed {N - 1} live appends (one every {INTERVAL * 1000:.0f} ms) to the end "
          f"in {time.time() - began:.1f} s: ok", flush=True)
