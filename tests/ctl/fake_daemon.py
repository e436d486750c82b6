#!/usr/bin/env python3
"""A stand-in for hypercored's control socket, for corectl's tests.

Listens on a Unix stream socket (argv[1]), reads one JSON-RPC request per
line, appends each to a log (argv[2]) as compact JSON with sorted keys, and
answers with canned results in proto/methods.cpp's wire forms. Serves one
connection at a time; exits after 20 s without a new connection.

Canned behaviour: core key = 32 zero bytes, discovery key = 32 bytes 0x11;
core.get/core.tail blocks are "block <index>" (a core has 10 blocks);
name "missing" -> core_not_found; name "readonly" -> not_writable on append;
name "flaky" -> storage_error from its second append on;
core.info of name "hangup" closes the connection without an answer;
core.info of name "silent" never answers, keeping the connection open.
"""
import base64
import json
import os
import socket
import sys

Z32 = "ybndrfg8ejkmcpqxot1uwisza345h769"


def z32(data):
    bits = "".join(f"{b:08b}" for b in data)
    bits += "0" * (-len(bits) % 5)
    return "".join(Z32[int(bits[i:i + 5], 2)] for i in range(0, len(bits), 5))


KEY = bytes(32)
DISCOVERY_KEY = bytes([0x11]) * 32
OTHER_KEY = bytes(range(32))
lengths = {}


def core_info(name, key=KEY, length=0):
    return {"key": z32(key), "key_hex": key.hex(), "discovery_key": DISCOVERY_KEY.hex(),
            "name": name, "length": length, "byte_length": 7 * length, "fork": 0,
            "writable": name is not None, "contiguous_length": length}


def block(index, encoding):
    text = f"block {index}"
    return base64.b64encode(text.encode()).decode() if encoding == "base64" else text


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def answer(method, p):
    name = p.get("name")
    if name == "missing":
        raise RpcError(-32001, "core not found: missing")
    enc = p.get("encoding", "utf8")
    if method == "core.create":
        lengths.setdefault(name, 0)
        return core_info(name)
    if method == "core.append":
        if name == "readonly":
            raise RpcError(-32002, "core is not writable: readonly")
        if name == "flaky" and name in lengths:
            raise RpcError(-32007, "storage error: disk full")
        created = name not in lengths
        lengths[name] = lengths.get(name, 0) + len(p["blocks"])
        return {"key": z32(KEY), "length": lengths[name], "created": created}
    if method == "core.get":
        return {"index": p["index"], "block": block(p["index"], enc), "encoding": enc}
    if method == "core.info":
        return core_info(name, length=10)
    if method == "core.list":
        # The second core's key comes in hex: proto accepts either form.
        other = core_info(None, OTHER_KEY, 5)
        other["key"] = OTHER_KEY.hex()
        return {"cores": [core_info("chat", length=3), other]}
    if method == "core.tail":
        n = p.get("n", 10)
        start = max(0, 10 - n)
        return {"start": start, "blocks": [block(i, enc) for i in range(start, 10)],
                "encoding": enc}
    if method == "daemon.status":
        return {"version": "0.1.0", "cores": 2, "uptime_ms": 61500}
    raise RpcError(-32601, f"method not found: {method}")


def serve(conn, log):
    reader = conn.makefile("rb")
    for raw in reader:
        try:
            req = json.loads(raw)
            entry = json.dumps(req, sort_keys=True, separators=(",", ":"))
        except ValueError:
            req, entry = None, "UNPARSEABLE " + raw.decode(errors="replace").rstrip("\n")
        with open(log, "a") as f:
            f.write(entry + "\n")
        if not isinstance(req, dict):
            return
        if req.get("method") == "core.info" and req["params"].get("name") == "hangup":
            return
        if req.get("method") == "core.info" and req["params"].get("name") == "silent":
            continue
        try:
            reply = {"jsonrpc": "2.0", "id": req["id"],
                     "result": answer(req["method"], req.get("params", {}))}
        except RpcError as e:
            reply = {"jsonrpc": "2.0", "id": req["id"],
                     "error": {"code": e.code, "message": str(e)}}
        conn.sendall((json.dumps(reply) + "\n").encode())


def main():
    path, log = sys.argv[1], sys.argv[2]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(8)
    os.rename(path + ".tmp", path)  # appears only once it can be connected to
    server.settimeout(20)
    while True:
        try:
            conn, _ = server.accept()
        except socket.timeout:
            return
        with conn:
            conn.settimeout(10)
            try:
                serve(conn, log)
            except (OSError, socket.timeout):
                pass


if __name__ == "__main__":
    main()
