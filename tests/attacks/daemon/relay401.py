#!/usr/bin/env python3
"""A plain-HTTP to HTTPS relay for hydra, for two limits of hydra 9.4.

1. Its http-post-form takes
any 401 answer for HTTP authentication and aborts the attempt ("the target
is using HTTP auth, not a web form"), then retries, and has been seen to
report passwords it never confirmed. The daemon answers a wrong password
with 401 invalid_credentials, so the relay rewrites the status line of a 401
answer to 400 (body, headers and every other status untouched) and lets
hydra see the daemon's refusal as a failed form login.

2. A JSON body needs its ':' escaped as '\:' in hydra's form string, and
with such an escape present hydra 9.4 refuses any further option ("no valid
optional parameter type given"), so H=Content-Type cannot be set: hydra
sends application/x-www-form-urlencoded. The relay replaces that request
header with application/json; the body is hydra's, unchanged.

Usage: relay401.py LISTEN_PORT HOST PORT SNI CAFILE
Prints "ready" once listening; serves until killed.
"""
import socket
import ssl
import sys
import threading


def answer(data):
    return data.replace(b"HTTP/1.1 401 ", b"HTTP/1.1 400 ").replace(b"HTTP/1.0 401 ", b"HTTP/1.0 400 ")


def request(data):
    return data.replace(b"Content-Type: application/x-www-form-urlencoded\r\n",
                        b"Content-Type: application/json\r\n")


def read_request(client):
    """One HTTP/1.0 request from hydra: the head, then Content-Length bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def serve(client, host, port, sni, ctx):
    # One request, then the answer until the server closes: hydra speaks
    # HTTP/1.0. Strictly in turn, as one TLS connection must not be read
    # and written from two threads at once.
    client.settimeout(30)
    try:
        req = read_request(client)
        with ctx.wrap_socket(socket.create_connection((host, port), timeout=30),
                             server_hostname=sni) as up:
            up.sendall(request(req))
            while True:
                data = up.recv(65536)
                if not data:
                    break
                client.sendall(answer(data))
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        client.close()


def main():
    listen, host, port, sni, cafile = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    ctx = ssl.create_default_context(cafile=cafile)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen))
    ls.listen(64)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c, host, port, sni, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
