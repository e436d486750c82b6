#!/usr/bin/env python3
"""A stand-in for hypercored's control socket, for corectl's tests.

Listens on a Unix stream socket (argv[1]), reads one JSON-RPC request per
line, appends each to a log (argv[2]) as compact JSON with sorted keys, and
answers with canned results in proto/methods.cpp's wire forms. Serves one
connection at a time; exits after 20 s without a new connection.

Canned behaviour: core key = 32 zero bytes, discovery key = 32 bytes 0x11;
core.get/core.tail/core.follow blocks are "block <index>" (a core has 10
blocks), except in core "mixed", whose odd blocks are the bytes 00 ff '\n'
then the index (not UTF-8: under "utf8", core.get and core.tail refuse them
with invalid_params and core.follow sends them in base64, as the daemon);
core.tail of name "paged" answers only the last 2 blocks whatever n (as the
daemon does when n blocks would not fit in one line);
core.follow answers, sends a core.block of another subscription (to be
ignored), the blocks from start to 9, then closes the connection;
core.append in base64 refuses a block that is not strict base64 as the daemon;
name "missing" -> core_not_found; name "readonly" -> not_writable on append;
name "flaky" -> storage_error from its second append on;
core.info of name "hangup" closes the connection without an answer;
core.info of name "silent" never answers, keeping the connection open.
"""
import base64
import binascii
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


LENGTH = 10


class RpcError(Exception):
    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code = code
        self.data = data


def block_bytes(name, index):
    if name == "mixed" and index % 2:
        return b"\x00\xff\n" + str(index).encode()
    return f"block {index}".encode()


def encode(data, encoding, lenient=False):
    """(string, encoding) of a block; lenient: base64 for non-UTF-8, as core.block."""
    if encoding == "base64":
        return base64.b64encode(data).decode(), "base64"
    try:
        return data.decode("utf-8"), "utf8"
    except UnicodeDecodeError:
        if lenient:
            return base64.b64encode(data).decode(), "base64"
        raise RpcError(-32602, '"block" is not valid UTF-8 text: ask for it with '
                       '"encoding":"base64"', {"field": "block"})


def check_base64(blocks):
    for i, b in enumerate(blocks):
        try:
            base64.b64decode(b, validate=True)
        except (binascii.Error, ValueError):
            raise RpcError(-32602, f'"blocks[{i}]" is not valid base64 (standard alphabet, '
                           'with padding)', {"field": f"blocks[{i}]"}) from None


def block_notifications(name, start, encoding):
    """The core.block notifications of a follow: another subscription's, then ours."""
    yield {"jsonrpc": "2.0", "method": "core.block",
           "params": {"subscription": 7, "index": 0, "block": "not ours", "encoding": "utf8"}}
    for i in range(start, LENGTH):
        text, enc = encode(block_bytes(name, i), encoding, lenient=True)
        yield {"jsonrpc": "2.0", "method": "core.block",
               "params": {"subscription": 1, "index": i, "block": text, "encoding": enc}}


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
        if enc == "base64":
            check_base64(p["blocks"])
        created = name not in lengths
        lengths[name] = lengths.get(name, 0) + len(p["blocks"])
        return {"key": z32(KEY), "length": lengths[name], "created": created}
    if method == "core.get":
        text, enc = encode(block_bytes(name, p["index"]), enc)
        return {"index": p["index"], "block": text, "encoding": enc}
    if method == "core.info":
        return core_info(name, length=LENGTH)
    if method == "core.list":
        # The second core's key comes in hex: proto accepts either form.
        other = core_info(None, OTHER_KEY, 5)
        other["key"] = OTHER_KEY.hex()
        return {"cores": [core_info("chat", length=3), other]}
    if method == "core.tail":
        n = p.get("n", 10)
        if name == "paged":
            n = min(n, 2)
        start = max(0, LENGTH - n)
        blocks = [encode(block_bytes(name, i), enc)[0] for i in range(start, LENGTH)]
        return {"start": start, "blocks": blocks, "encoding": enc}
    if method == "core.follow":
        return {"subscription": 1}
    if method == "daemon.status":
        return {"version": "0.1.0", "cores": 2, "uptime_ms": 61500}
    if method == "core.seed":
        return core_info(None, OTHER_KEY, 0)
    if method == "peer.connect":
        return {}
    if method == "peer.list":
        return {"peers": [{"remote_public_key": OTHER_KEY.hex(), "address": "127.0.0.1:4000",
                           "initiator": True, "cores": [z32(KEY), z32(OTHER_KEY)],
                           "bytes_in": 2048, "bytes_out": 512, "uptime_ms": 3500}]}
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
            if e.data is not None:
                reply["error"]["data"] = e.data
        conn.sendall((json.dumps(reply) + "\n").encode())
        if req.get("method") == "core.follow" and "result" in reply:
            params = req.get("params", {})
            for n in block_notifications(params.get("name"), params.get("start", 0),
                                         params.get("encoding", "utf8")):
                conn.sendall((json.dumps(n) + "\n").encode())
            return


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
