#!/usr/bin/env python3
"""Hostile and broken replication peers against one real hypercored (issue 4, point 6).

One daemon, started with --listen and --peer to an honest Node writer
(tests/interop/replicate_peer.js) that `corectl follow` watches throughout.
Then, all at once, tests/interop/hostile_peer.js dials the daemon once per
misbehaviour: each connection relays a real Node writer's core of its own
(seeded on the daemon with `corectl seed`) and corrupts it in its own way —
bad signature, wrong proof node or block value, a wrong manifest, truncated
messages, blocks nobody asked for, unknown message types, claims of 2^50
blocks, a wrong capability or channel id, garbage and oversized frames, stalls
in the handshake (see hostile_peer.js for each mode).

For each, as the mode demands: the daemon closes the connection and its log
names the reason (`peer 127.0.0.1:PORT closed: ...`); or it ignores the
misbehaviour and answers our own request for the block afterwards with
noData (it stored nothing); or, for unknown message types, it carries on and
downloads the whole core over that very connection. Nothing unverified is
stored: `corectl info` and `corectl get` of the attacked block show nothing
or the true bytes; after an attack the same core, relayed honestly, downloads
completely and the attacked block has its true bytes. Afterwards the daemon
is alive, the honest connection was never dropped (`corectl peers` uptime),
and a live append of the honest writer reaches the follower.
argv: hypercored corectl interop_dir [mode... | -mode...] (only these modes /
every mode but these; default: every mode)
Every process is bounded by timeouts and killed at the end; the temporary
directory is removed (kept, for debugging, when KEEP_TMP is set).
"""
import base64, json, os, re, shutil, socket, subprocess, sys, tempfile, time

hypercored, corectl, interop = (os.path.abspath(a) for a in sys.argv[1:4])
BLOCKS = 16
HANDSHAKE_DEADLINE_MS = 10000  # net::TcpConnection::Options::handshake_timeout

# mode -> what the daemon must do: ("close", reason regex), "ignore" (our
# barrier request is answered with noData, or the connection is closed with a
# reason) or "carry-on" (replication continues on that connection).
MODES = {
    "bad-signature": ("close", r"hypercore channel: invalid signature"),
    # A block asked for with its upgrade (the first one past our length) is
    # checked up to the signed roots: a bad node or value fails the signature.
    "bad-node": ("close", r"hypercore channel: invalid (proof|checksum|signature)"),
    "bad-value": ("close", r"hypercore channel: invalid (proof|checksum|signature)"),
    "truncated-data": ("close", r"malformed hypercore message \(type 3\)"),
    "unrequested": ("ignore", None),
    "wrong-index": ("ignore", None),
    "unknown-type": ("carry-on", None),
    "bad-manifest": ("close", r"hypercore channel: manifest does not match the core key"),
    "huge-claims": ("carry-on", None),
    "bad-capability": ("close", r"invalid replication capability"),
    "bad-channel-id": ("close", r"protomux: Invalid open message"),
    "truncated-open": ("close", r"protomux: "),
    "garbage": ("close", r"secret stream: Message failed to decrypt"),
    "short-frame": ("close", r"secret stream: Invalid message received: 5 bytes"),
    "max-frame": ("close", r"secret stream: Message failed to decrypt"),
    "oversized-handshake": ("close", r"secret stream: .*handshake"),
    "stall-silent": ("close", r"no handshake within"),
    "stall-msg1": ("close", r"no handshake within"),
}
# After these, the same core relayed honestly must download completely.
RECOVER = ("bad-signature", "bad-node", "bad-value", "truncated-data", "unrequested", "wrong-index",
           "bad-manifest")
if sys.argv[4:]:
    unknown = [m for m in sys.argv[4:] if m.lstrip("-") not in MODES]
    if unknown:
        sys.exit(f"unknown modes: {unknown}")
    only = [m for m in sys.argv[4:] if not m.startswith("-")]
    MODES = {m: w for m, w in MODES.items() if (m in only if only else "-" + m not in sys.argv[4:])}
RECOVER = tuple(m for m in RECOVER if m in MODES)
tmp = tempfile.mkdtemp(prefix="hc-hostile-")
procs = []


def fail(msg):
    print("FAIL:", msg, flush=True)
    for name in sorted(os.listdir(tmp)):
        if name.startswith("log-"):
            print("---", name)
            with open(os.path.join(tmp, name), errors="replace") as f:
                print("".join(f.readlines()[-40:]))
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def env():
    e = dict(os.environ)
    for k in ("HYPERCORED_LISTEN", "HYPERCORED_PEERS", "HYPERCORED_CONFIG", "HYPERCORED_SOCKET", "XDG_RUNTIME_DIR"):
        e.pop(k, None)
    return e


def ctl(*args, check=True):
    p = subprocess.run([corectl, "--socket", sock, "--timeout", "10", *args], capture_output=True,
                       timeout=30, env=env())
    if check and p.returncode != 0:
        fail(f"corectl {' '.join(args)}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p


def info(key):
    return json.loads(ctl("--json", "info", key).stdout)


def daemon_log():
    with open(os.path.join(tmp, "log-daemon"), errors="replace") as f:
        return f.read()


def wait_until(cond, what, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    fail(f"{what}: not after {seconds} s")


class Lines:
    """A child's stdout lines as they come (non-blocking)."""
    def __init__(self, p):
        self.p = p
        os.set_blocking(p.stdout.fileno(), False)
        self.buf = b""

    def lines(self):
        try:
            chunk = self.p.stdout.read()
        except (BlockingIOError, TypeError):
            chunk = None
        if chunk:
            self.buf += chunk
        return self.buf.split(b"\n")[:-1]


class HostilePeers(Lines):
    """One tests/interop/hostile_peer.js process for every mode."""
    def __init__(self, modes, port):
        p = subprocess.Popen(["timeout", "-k", "5", "60", "node", os.path.join(interop, "hostile_peer.js"),
                              os.path.join(tmp, "node-hostile"), str(port), str(BLOCKS), *modes],
                             cwd=interop, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=open(os.path.join(tmp, "log-hostile"), "w"))
        procs.append(p)
        super().__init__(p)

    def events(self):
        out = [json.loads(l) for l in self.lines()]
        for e in out:
            if "error" in e:
                fail(f"{e.get('mode')}: the hostile peer failed: {e['error']}")
        return out

    def send(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()


class Hostile:
    """What the hostile peers process says about one mode."""
    def __init__(self, peers, mode):
        self.peers, self.mode = peers, mode

    def events(self):
        return [e for e in self.peers.events() if e.get("mode") == self.mode]

    def expect(self, field, seconds=20):
        """The first event with `field`."""
        def find():
            if self.peers.p.poll() is not None:
                self.peers.events()  # an error it printed, if any
                fail(f"{self.mode}: the hostile peers process exited {self.peers.p.returncode}")
            return next((e for e in self.events() if field in e), None)
        return wait_until(find, f"{self.mode}: no {field!r} from the hostile peer", seconds)

    def send(self, command):
        self.peers.send(f"{command} {self.mode}")


def closed_reason(port):
    m = re.search(rf"peer 127\.0\.0\.1:{port} closed: (.*)", daemon_log())
    return m and m.group(1)


def get_block(key, index):
    """The daemon's block, or None if it does not have it."""
    p = ctl("get", key, str(index), "--base64", check=False)
    if p.returncode == 0:
        return base64.b64decode(p.stdout.strip())
    err = p.stderr.decode(errors="replace")
    if "not available" not in err and "past the end" not in err:
        fail(f"corectl get {key} {index}: {err}")
    return None


def check_stored(h, key, index, value):
    got = get_block(key, index)
    if got is not None and got != value:
        fail(f"{h.mode}: the daemon stored wrong bytes for block {index}: {got[:40]!r}")


def honest_block(i):  # replicate_peer.js block()
    size = 0 if i % 7 == 0 else (i * 7919) % (70000 if i % 5 == 0 else 300)
    return bytes(((k * 13 + i) & 255) for k in range(size))


try:
    t0 = time.time()
    # The honest peer and the daemon.
    honest = subprocess.Popen(["timeout", "-k", "5", "60", "node", os.path.join(interop, "replicate_peer.js"),
                               os.path.join(tmp, "node-honest"), "writer", "20"],
                              cwd=interop, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    procs.append(honest)
    hello = json.loads(honest.stdout.readline())
    port = free_port()
    sock = os.path.join(tmp, "d.sock")
    log = open(os.path.join(tmp, "log-daemon"), "w")
    procs.append(subprocess.Popen(["timeout", "-k", "5", "60", hypercored, "--data-dir", os.path.join(tmp, "d"),
                                   "--socket", sock, "--listen", f"127.0.0.1:{port}",
                                   "--peer", f"127.0.0.1:{hello['port']}"], stderr=log, env=env()))
    wait_until(lambda: os.path.exists(sock) and ctl("status", check=False).returncode == 0, "daemon start", 10)
    follower = subprocess.Popen(["timeout", "-k", "5", "60", corectl, "--socket", sock, "follow", hello["key"],
                                 "--base64"], stdout=subprocess.PIPE,
                                stderr=open(os.path.join(tmp, "log-follow"), "w"), env=env())
    procs.append(follower)
    follow = Lines(follower)
    wait_until(lambda: len(follow.lines()) >= 20, "the honest writer's 20 blocks at corectl follow")
    print(f"honest writer followed ({time.time() - t0:.1f} s)", flush=True)

    # Every hostile peer at once, each with its own seeded core; each attacks
    # as soon as its core is seeded, the slow stalls first.
    order = sorted(MODES, key=lambda m: not m.startswith("stall"))
    peers = HostilePeers(order, port)
    hostiles = {mode: Hostile(peers, mode) for mode in order}
    keys = {}
    attacks_started = time.time()
    for mode, h in hostiles.items():
        keys[mode] = h.expect("key")["key"]
        ctl("seed", keys[mode])
        h.send("go")
    print(f"{len(hostiles)} hostile peers attacking ({time.time() - t0:.1f} s)", flush=True)

    for mode, h in hostiles.items():
        what, reason = MODES[mode]
        key = keys[mode]
        peer_port = h.expect("port")["port"]
        n = len(h.events())
        if what == "close":
            closed = h.expect("closed", seconds=HANDSHAKE_DEADLINE_MS / 1000 + 15)
            got = wait_until(lambda: closed_reason(peer_port), f"{mode}: the daemon's log names no reason", 5)
            if not re.search(reason, got):
                fail(f"{mode}: closed for {got!r}, expected /{reason}/")
            if mode.startswith("stall") and closed["ms"] < HANDSHAKE_DEADLINE_MS - 1000:
                fail(f"{mode}: closed after {closed['ms']} ms, before the handshake deadline")
            if mode == "oversized-handshake" and closed["ms"] >= HANDSHAKE_DEADLINE_MS - 1000:
                fail(f"{mode}: the daemon waited for the deadline ({closed['ms']} ms) on a frame it cannot accept")
            attacked = next((e for e in h.events() if "attacked" in e), None)
            if attacked is None:
                fail(f"{mode}: closed before the attack")
            i = info(key)
            if mode in ("bad-signature", "bad-manifest") and (i["length"] != 0 or i["contiguous_length"] != 0):
                fail(f"{mode}: the daemon took the unverified upgrade: {i}")
            if "index" in attacked:
                check_stored(h, key, attacked["index"], base64.b64decode(attacked["value"]))
        elif what == "ignore":
            event = wait_until(lambda: next((e for e in h.events() if "barrier" in e or "closed" in e), None),
                               f"{mode}: neither an answer nor a close")
            if "closed" in event:  # closing is allowed, with a reason
                got = wait_until(lambda: closed_reason(peer_port), f"{mode}: the daemon's log names no reason", 5)
                print(f"{mode}: closed for {got!r}", flush=True)
            else:
                if event["barrier"] != "noData":
                    attacked = h.expect("attacked")
                    asked = f" from the answer to its request for block {attacked['answering']}" \
                        if "answering" in attacked else ", which it never asked for"
                    fail(f"{mode}: the daemon stored block {event['index']}{asked}")
                if get_block(key, event["index"]) is not None:
                    fail(f"{mode}: block {event['index']} stored")
            h.expect("closed")
        else:  # carry-on
            h.expect("attacked")
            wait_until(lambda: info(key)["contiguous_length"] == BLOCKS,
                       f"{mode}: the whole core over the connection that sent unknown messages")
            if closed_reason(peer_port) or any("closed" in e for e in h.events()):
                fail(f"{mode}: the connection was closed: {closed_reason(peer_port)}")
        print(f"{mode}: ok ({time.time() - t0:.1f} s)", flush=True)

    # Nothing unverified stayed behind: the same cores, relayed honestly,
    # download completely, attacked blocks with their true bytes.
    for mode in RECOVER:
        hostiles[mode].send("honest")
    for mode in RECOVER:
        key = keys[mode]
        wait_until(lambda: info(key)["contiguous_length"] == BLOCKS, f"{mode}: an honest relay afterwards")
        for e in hostiles[mode].events():
            if "value" in e:
                got = get_block(key, e["index"])
                if got != base64.b64decode(e["value"]):
                    fail(f"{mode}: block {e['index']} is {got!r} after the honest download, not {base64.b64decode(e['value'])!r}")
    print(f"attacked cores download honestly afterwards: ok ({time.time() - t0:.1f} s)", flush=True)

    # The daemon and the honest peer carried on.
    ctl("status")
    peers = [json.loads(l) for l in ctl("--json", "peers").stdout.splitlines()]
    mine = [p for p in peers if p["address"] == f"127.0.0.1:{hello['port']}"]
    if len(mine) != 1 or mine[0]["uptime_ms"] < (time.time() - attacks_started) * 1000 - 500:
        fail(f"the honest connection did not stay up through the attacks: {mine}")
    honest.stdin.write(b"append 3\n")
    honest.stdin.flush()
    got = wait_until(lambda: len(follow.lines()) >= 23 and follow.lines(), "a live append of the honest writer")
    for i in range(23):
        if base64.b64decode(got[i]) != honest_block(i):
            fail(f"honest block {i} differs at the follower")
    print(f"daemon alive, honest peer replicating live: ok ({time.time() - t0:.1f} s)", flush=True)
finally:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    if os.environ.get("KEEP_TMP"):
        print("kept", tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
