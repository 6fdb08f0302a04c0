#!/usr/bin/env python3
"""One mutual-TLS keep-alive connection that sends GET PATH about three
times a second and prints each answer's status and body ("200 {...}",
"403 {...}") until the server closes the connection ("closed: how", exit
0) or SECONDS pass ("still open", exit 1). With "idle" it sends one
request and then only waits for the server to close. Used to show that a
revoked peer's live connection is closed by the server.

Usage: keepalive.py HOST PORT CA CERT KEY PATH SECONDS [idle]
"""
import socket
import ssl
import sys
import time


def read_answer(s):
    """One HTTP/1.1 answer with Content-Length; None when closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            return None
        body += chunk
    status = head.split(b"\r\n", 1)[0].split(b" ")[1].decode()
    return "%s %s" % (status, body[:length].decode(errors="replace"))


def wait_for_close(s, end):
    while time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            if not s.recv(4096):
                print("closed: end of stream", flush=True)
                return 0
        except socket.timeout:
            break
        except (OSError, ssl.SSLError) as e:
            print("closed: %s" % e, flush=True)
            return 0
    print("still open", flush=True)
    return 1


def main():
    host, port, ca, cert, key, path, seconds = sys.argv[1:8]
    idle = len(sys.argv) > 8 and sys.argv[8] == "idle"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    raw = socket.create_connection((host, int(port)), timeout=10)
    s = ctx.wrap_socket(raw, server_hostname="localhost")
    request = ("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode()
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        try:
            s.sendall(request)
            answer = read_answer(s)
        except (OSError, ssl.SSLError) as e:
            print("closed: %s" % e, flush=True)
            return 0
        if answer is None:
            print("closed: end of stream", flush=True)
            return 0
        print(answer, flush=True)
        if idle:
            return wait_for_close(s, end)
        time.sleep(0.3)
    print("still open after %s s" % seconds, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
