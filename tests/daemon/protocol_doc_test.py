#!/usr/bin/env python3
"""docs/control-protocol.md's examples, replayed against a real hypercored.

usage: protocol_doc_test.py <hypercored> <control-protocol.md> [--write]

An example is a fenced block right after an `<!-- rpc-example -->` comment
(options: `connection=N`, default 1; `pipelined`). In it, `→ LINE` is sent to
the daemon verbatim, and each `← JSON` (which may span lines) is the next line
the daemon sends on that connection. Examples run in document order against
one fresh daemon whose primary key file holds the bytes 00 01 .. 1f, so named
cores get the same keys every run. Without `pipelined`, each request is sent
after the previous one's lines were read; with it, all of a block's requests
go out in one write.

A response must equal the documented one as JSON, except for the fields in
VARYING, which change from run to run and are compared by type only. Also:
every method of proto/methods.hpp is sent at least once, every error code of
proto/errors.hpp is in the doc, and no connection has unread lines at the end.

--write rewrites the `←` lines with what the daemon sent (reading each
connection until it is quiet), keeping the documented values of VARYING fields.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

# Fields whose value differs per run: compared by type only.
VARYING = {"uptime_ms": int, "version": str}
PRIMARY_KEY = bytes(range(32))
READ_TIMEOUT = 10
QUIET = 0.3  # --write: a connection is done when silent this long

MARKER = re.compile(r"<!--\s*rpc-example([^>]*)-->\s*\n```[^\n]*\n(.*?)\n```", re.S)


class Example:
    def __init__(self, match):
        opts = match.group(1).split()
        self.connection = 1
        self.pipelined = "pipelined" in opts
        for o in opts:
            if o.startswith("connection="):
                self.connection = int(o.split("=", 1)[1])
        self.span = match.span(2)
        self.items = parse_items(match.group(2))  # [("→", raw str) | ("←", json)]


def parse_items(text):
    items, pos, decoder = [], 0, json.JSONDecoder()
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return items
        arrow = text[pos]
        if arrow == "→":
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            items.append(("→", text[pos + 1:end].strip()))
            pos = end
        elif arrow == "←":
            pos += 1
            while text[pos] == " ":
                pos += 1
            value, pos = decoder.raw_decode(text, pos)
            items.append(("←", value))
        else:
            raise SystemExit(f"example line starts with neither → nor ←: {text[pos:pos + 60]!r}")


class Connection:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(READ_TIMEOUT)
        self.sock.connect(path)
        self.buffer = b""  # not makefile(): it is unusable after one timeout

    def send(self, lines):
        self.sock.sendall(b"".join(l.encode() + b"\n" for l in lines))

    def read(self, timeout=READ_TIMEOUT):
        """The next line as JSON, or None when nothing came within timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return None
            if not data:
                raise SystemExit("FAIL: the daemon closed the connection")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def read_until_quiet(self):
        out = []
        while (msg := self.read(QUIET)) is not None:
            out.append(msg)
        return out


def mismatch(doc, real, path="$"):
    """Where `real` differs from `doc` (None if nowhere), VARYING by type only."""
    if isinstance(doc, dict) and isinstance(real, dict):
        if list(doc) != list(real):
            return f"{path}: keys {list(doc)} != {list(real)}"
        for k in doc:
            if k in VARYING:
                if not (isinstance(real[k], VARYING[k]) and isinstance(doc[k], VARYING[k])):
                    return f"{path}.{k}: not a {VARYING[k].__name__}"
            elif (m := mismatch(doc[k], real[k], f"{path}.{k}")) is not None:
                return m
        return None
    if isinstance(doc, list) and isinstance(real, list):
        if len(doc) != len(real):
            return f"{path}: {len(doc)} elements != {len(real)}"
        for i, (d, r) in enumerate(zip(doc, real)):
            if (m := mismatch(d, r, f"{path}[{i}]")) is not None:
                return m
        return None
    # type() too: 1 == True and 1 == 1.0 in Python.
    return None if type(doc) is type(real) and doc == real else f"{path}: {doc!r} != {real!r}"


def keep_varying(doc, real):
    """`real` with VARYING fields set back to the documented values."""
    if isinstance(doc, dict) and isinstance(real, dict):
        return {k: doc[k] if k in VARYING and k in doc and isinstance(doc[k], VARYING[k])
                else keep_varying(doc.get(k), v) for k, v in real.items()}
    if isinstance(doc, list) and isinstance(real, list) and len(doc) == len(real):
        return [keep_varying(d, r) for d, r in zip(doc, real)]
    return real


WIDTH = 92


def pretty(value, indent=0):
    """JSON on one line if it fits in WIDTH, else one member per line."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + indent <= WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        inner = [f"{pad}{json.dumps(k)}: {pretty(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(inner) + "\n" + " " * indent + "}"
    inner = [pad + pretty(v, indent + 2) for v in value]
    return "[\n" + ",\n".join(inner) + "\n" + " " * indent + "]"


def render(items):
    out = []
    for arrow, value in items:
        # indent 2: the arrow and its space come first.
        out.append("→ " + value if arrow == "→" else "← " + pretty(value, 2))
    return "\n".join(out)


def run_examples(examples, sock_path, write):
    conns = {}
    rendered = []
    for n, ex in enumerate(examples, 1):
        conn = conns.get(ex.connection) or conns.setdefault(ex.connection, Connection(sock_path))
        requests = [v for a, v in ex.items if a == "→"]
        if write:
            expected = [v for a, v in ex.items if a == "←"]
            # Lines that came before this block's first request (from another
            # connection's doing) go first.
            new = [("←", m) for m in conn.read_until_quiet()]
            if ex.pipelined or not requests:
                conn.send(requests)
                new += [("→", r) for r in requests] + [("←", m) for m in conn.read_until_quiet()]
            else:
                for r in requests:
                    conn.send([r])
                    new.append(("→", r))
                    new += [("←", m) for m in conn.read_until_quiet()]
            real = [v for a, v in new if a == "←"]
            if len(real) == len(expected):
                real = [keep_varying(d, r) for d, r in zip(expected, real)]
            it = iter(real)
            rendered.append(render([(a, next(it) if a == "←" else v) for a, v in new]))
            continue
        if ex.pipelined:
            conn.send(requests)
        for arrow, value in ex.items:
            if arrow == "→":
                if not ex.pipelined:
                    conn.send([value])
                continue
            real = conn.read()
            if real is None:
                raise SystemExit(f"FAIL: example {n}: no line from the daemon; expected {value}")
            if (m := mismatch(value, real)) is not None:
                raise SystemExit(f"FAIL: example {n} (connection {ex.connection}): {m}\n"
                                 f"  doc:    {json.dumps(value, ensure_ascii=False)}\n"
                                 f"  daemon: {json.dumps(real, ensure_ascii=False)}\n"
                                 f"(docs/control-protocol.md is regenerated with --write)")
    for number, conn in conns.items():
        if (extra := conn.read(QUIET)) is not None:
            raise SystemExit(f"FAIL: connection {number} got a line the doc does not show: {extra}")
    return rendered


def check_coverage(doc, examples, repo):
    with open(os.path.join(repo, "proto/methods.hpp")) as f:
        methods = re.findall(r'= "([a-z]+\.[a-z]+)";', f.read())
    sent = set()
    for ex in examples:
        for arrow, raw in ex.items:
            if arrow == "→":
                try:
                    sent.add(json.loads(raw).get("method"))
                except (ValueError, AttributeError):
                    pass  # the examples of bad input
            elif raw.get("method"):
                sent.add(raw["method"])
    missing = [m for m in methods if m not in sent]
    if not methods or missing:
        raise SystemExit(f"FAIL: methods without an example: {missing or 'none found'}")
    with open(os.path.join(repo, "proto/errors.hpp")) as f:
        codes = re.findall(r"^\s*(\w+) = (-\d+),", f.read(), re.M)
    missing = [f"{n} {c}" for n, c in codes
               if not re.search(rf"`{c}`.*`{n}`", doc)]
    if not codes or missing:
        raise SystemExit(f"FAIL: error codes missing from the table: {missing or 'none found'}")


def listening(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        return s.connect_ex(path) == 0


def main():
    binary, doc_path = sys.argv[1:3]
    write = "--write" in sys.argv[3:]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    examples = [Example(m) for m in MARKER.finditer(doc)]
    if len(examples) < 10:
        raise SystemExit(f"FAIL: only {len(examples)} rpc-example blocks in {doc_path}")
    if not write:  # after writing, below: the ← lines are what show core.block
        check_coverage(doc, examples, repo)

    with tempfile.TemporaryDirectory(prefix="hc-protodoc-") as tmp:
        data = os.path.join(tmp, "data")
        os.makedirs(data, mode=0o700)
        fd = os.open(os.path.join(data, "primary-key"), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, PRIMARY_KEY)
        os.close(fd)
        sock = os.path.join(tmp, "control.sock")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("HYPERCORED_") and k != "CONFIGURATION_DIRECTORY"}
        log = open(os.path.join(tmp, "log"), "w+")
        # `timeout` ends the daemon even if this script dies; TERM is forwarded.
        daemon = subprocess.Popen(["timeout", "-k", "5", "80", binary, "--data-dir", data,
                                   "--socket", sock], env=env, stderr=log)
        try:
            for _ in range(200):  # until it accepts connections, at most 10 s
                if listening(sock) or daemon.poll() is not None:
                    break
                time.sleep(0.05)
            if not listening(sock):
                log.seek(0)
                raise SystemExit("FAIL: the daemon did not start:\n" + log.read())
            rendered = run_examples(examples, sock, write)
        finally:
            daemon.terminate()
            daemon.wait(timeout=15)
            log.close()

    if write:
        out, last = [], 0
        for ex, text in zip(examples, rendered):
            out += [doc[last:ex.span[0]], text]
            last = ex.span[1]
        out.append(doc[last:])
        doc = "".join(out)
        with open(doc_path, "w", encoding="utf-8") as f:
            f.write(doc)
        print(f"rewrote {len(examples)} examples in {doc_path}")
        check_coverage(doc, [Example(m) for m in MARKER.finditer(doc)], repo)
    else:
        print(f"ok: {len(examples)} examples match the daemon")


if __name__ == "__main__":
    main()
