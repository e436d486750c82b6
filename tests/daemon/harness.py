"""Shared by the Python end-to-end tests of tests/daemon: real hypercored
processes on their own data directory and socket in a temporary directory,
the real corectl, background processes that all end with the test (each runs
under `timeout -k 5`, is terminated at the end, then killed), and fail(),
which prints the tail of every log before exiting 1.

    with Harness(hypercored, corectl, "hc-replicate-") as h:
        sock = h.start_daemon("a", "--listen", f"127.0.0.1:{free_port()}")
        h.ctl(sock, "append", "chat", "hello")

The temporary directory is removed when the `with` block ends, whatever
happened in it.
"""
import hashlib, json, os, shutil, signal, socket, struct, subprocess, sys, tempfile, threading, time


# Sanitizer builds (scripts/test.sh with HC_SANITIZE=1) run several times
# slower: HC_TEST_TIME_SCALE stretches every bound here, never the work.
TIME_SCALE = float(os.environ.get("HC_TEST_TIME_SCALE", "1"))


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def blocks_digest(blocks):
    """As the Node peers compute it: BLAKE2b-256 over u32le(size) ‖ bytes of each block."""
    h = hashlib.blake2b(digest_size=32)
    for b in blocks:
        h.update(struct.pack("<I", len(b)))
        h.update(b)
    return h.hexdigest()


def node_line(h, node, what):
    """The next JSON line of a Node peer's stdout; its errors fail the test."""
    line = node.stdout.readline()
    if not line:
        h.fail(f"{what}: the Node peer exited ({node.wait()})")
    msg = json.loads(line)
    if "error" in msg or "streamError" in msg:
        h.fail(f"{what}: Node: {msg}")
    return msg


def clean_env():
    """The environment without the daemon's settings, so that a developer's
    HYPERCORED_* variables cannot change what a test runs."""
    e = dict(os.environ)
    for k in ("HYPERCORED_LISTEN", "HYPERCORED_PEERS", "HYPERCORED_CONFIG", "HYPERCORED_SOCKET",
              "HYPERCORED_DATA_DIR", "HYPERCORED_LOG_LEVEL", "XDG_RUNTIME_DIR"):
        e.pop(k, None)
    return e


class Harness:
    def __init__(self, hypercored, corectl, prefix, seconds=90):
        """`seconds` bounds every process started here (timeout -k 5)."""
        self.hypercored = hypercored
        self.corectl = corectl
        self.seconds = seconds * TIME_SCALE
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.procs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def path(self, *names):
        return os.path.join(self.tmp, *names)

    def log(self, name):
        """A log file of the temporary directory, shown by fail(); the
        child keeps its own copy, so close it after the Popen."""
        return open(self.path("log-" + name), "w")

    def fail(self, msg):
        print("FAIL:", msg, flush=True)
        for name in sorted(os.listdir(self.tmp)):
            if name.startswith("log-"):
                print("---", name)
                with open(self.path(name), errors="replace") as f:
                    print("".join(f.readlines()[-25:]))
        sys.exit(1)

    def spawn(self, args, **kwargs):
        """Popen of `args` under timeout, ended by close()."""
        p = subprocess.Popen(["timeout", "-k", "5", str(self.seconds), *args], env=clean_env(), **kwargs)
        self.procs.append(p)
        return p

    def start_node(self, interop, script, *args, name="node"):
        """A script of tests/interop (`interop`) under node, its stdin a pipe
        (node.p.stdin), its stdout lines read as Lines, its stderr log-name."""
        interop = os.path.abspath(interop)
        with self.log(name) as log:
            p = self.spawn(["node", os.path.join(interop, script), *args], cwd=interop, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=log)
        return Lines(self, p, script)

    def start_daemon(self, name, *args):
        """hypercored on data dir <tmp>/name, socket <tmp>/name.sock, log
        log-name; returns the socket once `corectl status` answers."""
        sock = self.path(name + ".sock")
        with self.log(name) as log:
            self.spawn([self.hypercored, "--data-dir", self.path(name), "--socket", sock, *args], stderr=log)
        deadline = time.time() + 10
        while time.time() < deadline:
            if os.path.exists(sock) and self.ctl(sock, "status", check=False).returncode == 0:
                return sock
            time.sleep(0.05)
        self.fail(f"daemon {name} did not start")

    def ctl(self, sock, *args, check=True, input=None):
        """corectl on `sock`; fails the test on a non-zero exit if `check`."""
        p = subprocess.run([self.corectl, "--socket", sock, *args], capture_output=True, timeout=30,
                           env=clean_env(), input=input)
        if check and p.returncode != 0:
            self.fail(f"corectl {' '.join(args)}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
        return p

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Lines:
    """The stdout lines of process `p` (without the newline), read as they
    come by a thread that keeps `keep(line)` of each: the line itself by
    default, or e.g. a digest, so that 50 MB of blocks need not stay in
    memory. `what` in the methods below names the step in a failure."""

    def __init__(self, h, p, name, keep=lambda line: line):
        self.h, self.p, self.name, self.keep = h, p, name, keep
        self.got = []
        self.taken = 0
        self.changed = threading.Condition()
        self.error = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for line in self.p.stdout:
                kept = self.keep(line[:-1] if line.endswith(b"\n") else line)
                with self.changed:
                    self.got.append(kept)
                    self.changed.notify_all()
        except Exception as e:  # reported by wait(), on the test's thread
            self.error = e
        with self.changed:
            self.changed.notify_all()

    def wait(self, n, what, seconds=30):
        """The first `n` (or more) lines kept, or the test fails."""
        seconds *= TIME_SCALE
        deadline = time.time() + seconds
        with self.changed:
            while len(self.got) < n and self.error is None and self.thread.is_alive():
                left = deadline - time.time()
                if left <= 0:
                    break
                self.changed.wait(timeout=min(0.5, left))
            got = list(self.got)
        if self.error is not None:
            self.h.fail(f"{what}: reading {self.name}: {self.error!r}")
        if len(got) >= n:
            return got
        if not self.thread.is_alive():  # end of output: the process is ending
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.p.poll() is not None:
            self.h.fail(f"{what}: {self.name} exited {self.p.returncode} after {len(got)} of {n} lines")
        self.h.fail(f"{what}: {len(got)} of {n} lines of {self.name} after {seconds} s")

    def take(self, what, seconds=30):
        """The next line not taken yet."""
        line = self.wait(self.taken + 1, what, seconds)[self.taken]
        self.taken += 1
        return line


class Follower(Lines):
    """`corectl follow ARGS` on `sock` in the background (see Lines)."""

    def __init__(self, h, sock, *args, keep=lambda line: line, name="follow"):
        with h.log(name) as log:
            p = h.spawn([h.corectl, "--socket", sock, "follow", *args], stdout=subprocess.PIPE, stderr=log)
        super().__init__(h, p, "corectl follow", keep)

    def wait_lines(self, n, what, seconds=30):
        return self.wait(n, what, seconds)

    def stop(self):
        """SIGINT, as a person ends it; corectl must exit 0."""
        self.p.send_signal(signal.SIGINT)
        if self.p.wait(timeout=10) != 0:
            self.h.fail(f"corectl follow exit {self.p.returncode} on SIGINT")
