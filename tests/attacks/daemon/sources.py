#!/usr/bin/env python3
"""H2: from each source 127.0.0.2..127.0.0.50, CAP + 2 TLS connections, each
sending one keep-alive GET and held open. A connection is "served" when it
got an HTTP answer other than 429/503, "refused" otherwise (closed, reset,
no handshake, 429 or 503 within 3 s). With all of them held, one probe from
127.0.0.1; then everything is released and a second probe must be served.
The summary says how long the connections took to open and how many of
the served ones the server had closed by then (its idle timeout), since
only connections held together count against the global cap.
Prints a JSON summary.

Usage: sources.py HOST PORT CAP GLOBAL_CAP SNI PATH
"""
import json
import socket
import ssl
import sys
import threading
import time


def try_one(host, port, sni, path, src, ctx, held):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        raw.bind((src, 0))
        raw.settimeout(3)
        raw.connect((host, port))
        s = ctx.wrap_socket(raw, server_hostname=sni)
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, sni)).encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        parts = data.split(b" ", 2)
        if len(parts) < 2 or parts[1] in (b"429", b"503"):
            s.close()
            return False
        held.append(s)
        return True
    except (OSError, ssl.SSLError):
        raw.close()
        return False


def still_open(s):
    """True unless the server has closed s (the rest of its answer is read)."""
    s.setblocking(False)
    try:
        while True:
            if not s.recv(65536):
                return False
    except (ssl.SSLWantReadError, BlockingIOError):
        return True
    except (OSError, ssl.SSLError):
        return False


def main():
    host, port, cap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    sni, path = sys.argv[5], sys.argv[6]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    served, refused, held = {}, {}, []
    lock = threading.Lock()

    def source(src):
        mine = []
        ok = bad = 0
        for _ in range(cap + 2):
            if try_one(host, port, sni, path, src, ctx, mine):
                ok += 1
            else:
                bad += 1
        with lock:
            served[src], refused[src] = ok, bad
            held.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=source, args=("127.0.0.%d" % i,)) for i in range(2, 51)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    # The served connections count against the caps together only if
    # none was closed by the server meanwhile (a timeout frees its slot).
    closed = sum(1 for s in held if not still_open(s))
    probe_held = try_one(host, port, sni, path, "127.0.0.1", ctx, [])
    for s in held:
        s.close()
    time.sleep(1)
    probe_after = any(try_one(host, port, sni, path, "127.0.0.1", ctx, []) or time.sleep(1)
                      for _ in range(5))
    print(json.dumps({"served": served, "refused": refused, "probe_held": probe_held,
                      "probe_after": probe_after, "closed_while_held": closed,
                      "seconds": round(seconds, 2)}))


if __name__ == "__main__":
    main()
