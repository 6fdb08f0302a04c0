#!/usr/bin/env python3
"""T11: N TCP connections that stall the TLS handshake, from 127.0.0.2 on
(20 connections per source address), half sending nothing and half sending
the first half of a real ClientHello. Waits until the server has closed
every one or DEADLINE seconds have passed, and prints a JSON summary.

Usage: stall.py HOST PORT N DEADLINE
"""
import json
import selectors
import socket
import ssl
import sys
import time


def half_client_hello():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    return hello[:len(hello) // 2]


def main():
    host, port, n, deadline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    partial = half_client_hello()
    sel = selectors.DefaultSelector()
    opened = refused = 0
    start = time.monotonic()
    for i in range(n):
        src = "127.0.0.%d" % (2 + i // 20)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((src, 0))
            s.settimeout(5)
            s.connect((host, port))
            if i % 2:
                s.sendall(partial)
        except OSError:
            refused += 1
            s.close()
            continue
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        opened += 1
    last_close = 0.0
    open_count = opened
    while open_count and time.monotonic() - start < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except (ConnectionResetError, BlockingIOError, OSError):
                data = b""
            if data:
                continue  # an alert before the close is fine
            sel.unregister(s)
            s.close()
            open_count -= 1
            last_close = time.monotonic() - start
    print(json.dumps({"opened": opened, "refused": refused, "still_open": open_count,
                      "last_close_s": last_close, "partial_hello_bytes": len(partial)}))


if __name__ == "__main__":
    main()
