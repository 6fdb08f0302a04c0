#!/usr/bin/env python3
"""A stand-in for medsecd's HTTPS front end, for proving the attack harness.

It speaks just enough of the daemon's contract (GET /v1/health,
POST /v1/session with a JSON {"user","password"} body) to be attacked, and
has two personalities:

  strict (default): TLS 1.3 only, per-source connection cap decided before
    the TLS handshake, handshake and header timeouts, request line, header
    and body sizes bounded before the body is read (414/431/413), smuggling
    forms (Content-Length with Transfer-Encoding, duplicate Content-Length,
    obs-fold, bare LF) refused with 400 and a closed connection, JSON depth
    bounded (400), a per-source login bucket (429 with Retry-After) and an
    account lockout after 5 failures (403 account_locked).
  --weak: none of that (TLS 1.2 allowed too), so every attack should
    report FAIL against it.

Usage: standin_https.py --port P --cert C --key K [--weak]
       [--user U --password PW] [--per-source-connections N]
It prints "ready" on stdout once listening.
"""
import argparse
import json
import socket
import ssl
import sys
import threading
import time

MAX_LINE = 8192
MAX_HEADER_BYTES = 8192
MAX_HEADERS = 100
MAX_BODY = 65536
MAX_JSON_DEPTH = 32
LOCKOUT_FAILURES = 5


class Refuse(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           408: "Request Timeout", 413: "Content Too Large", 414: "URI Too Long",
           429: "Too Many Requests", 431: "Request Header Fields Too Large"}


class Bucket:
    def __init__(self, rate, burst):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.per_source = {}
        self.login_buckets = {}
        self.failures = {}

    def enter(self, ip):
        with self.lock:
            n = self.per_source.get(ip, 0)
            if not self.args.weak and n >= self.args.per_source_connections:
                return False
            self.per_source[ip] = n + 1
            return True

    def leave(self, ip):
        with self.lock:
            self.per_source[ip] -= 1

    def login_allowed(self, ip):
        if self.args.weak:
            return True
        with self.lock:
            b = self.login_buckets.setdefault(ip, Bucket(1.0, 5))
            return b.take()

    def login(self, user, password):
        with self.lock:
            if not self.args.weak and self.failures.get(user, 0) >= LOCKOUT_FAILURES:
                return 403
            if user == self.args.user and password == self.args.password:
                self.failures[user] = 0
                return 201
            self.failures[user] = self.failures.get(user, 0) + 1
            return 401


def json_depth(text):
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


class Connection:
    def __init__(self, state, sock, ip):
        self.state, self.sock, self.ip = state, sock, ip
        self.buf = bytearray()
        self.weak = state.args.weak

    def fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.sock.settimeout(left)
        data = self.sock.recv(16384)
        if not data:
            raise EOFError()
        self.buf += data

    def bare_lf(self):
        at = self.buf.find(b"\n")
        while at >= 0:
            if at == 0 or self.buf[at - 1] != 13:
                return True
            at = self.buf.find(b"\n", at + 1)
        return False

    def read_head(self):
        deadline = time.monotonic() + self.state.args.header_timeout
        while b"\r\n\r\n" not in self.buf and (not self.weak or b"\n\n" not in self.buf):
            if not self.weak and self.bare_lf():
                raise Refuse(400, "bad_request", "bare LF in the request head")
            if not self.weak and len(self.buf) > MAX_HEADER_BYTES:
                first = self.buf.split(b"\n", 1)[0]
                if len(first) > MAX_LINE and b"\n" not in self.buf[:MAX_LINE]:
                    raise Refuse(414, "uri_too_long", "request line over %d bytes" % MAX_LINE)
                raise Refuse(431, "headers_too_large", "headers over %d bytes" % MAX_HEADER_BYTES)
            self.fill(deadline)
        if self.weak:
            end = self.buf.find(b"\n\n")
            crlf = self.buf.find(b"\r\n\r\n")
            if crlf >= 0 and (end < 0 or crlf < end):
                head, self.buf = self.buf[:crlf], self.buf[crlf + 4:]
            else:
                head, self.buf = self.buf[:end], self.buf[end + 2:]
            lines = [bytes(l).rstrip(b"\r") for l in head.split(b"\n")]
        else:
            end = self.buf.find(b"\r\n\r\n")
            head, self.buf = bytes(self.buf[:end]), self.buf[end + 4:]
            if len(head) > MAX_HEADER_BYTES:
                raise Refuse(431, "headers_too_large", "headers over %d bytes" % MAX_HEADER_BYTES)
            lines = head.split(b"\r\n")
            for l in lines:
                if b"\n" in l or b"\r" in l:
                    raise Refuse(400, "bad_request", "bare CR or LF in the request head")
        return lines

    def parse(self, lines):
        try:
            method, target, version = lines[0].decode("ascii").split(" ")
        except ValueError:
            raise Refuse(400, "bad_request", "malformed request line")
        headers = []
        for l in lines[1:]:
            if l[:1] in (b" ", b"\t"):
                if not self.weak:
                    raise Refuse(400, "bad_request", "obs-fold header continuation")
                if headers:
                    headers[-1] = (headers[-1][0], headers[-1][1] + " " + l.strip().decode("latin-1"))
                continue
            name, sep, value = l.partition(b":")
            if not sep or not name or name != name.strip():
                raise Refuse(400, "bad_request", "malformed header line")
            headers.append((name.decode("ascii").lower(), value.strip().decode("latin-1")))
        if not self.weak and len(headers) > MAX_HEADERS:
            raise Refuse(431, "headers_too_large", "more than %d header fields" % MAX_HEADERS)
        return method, target, version, headers

    def body_length(self, headers):
        lengths = [v for n, v in headers if n == "content-length"]
        chunked = [v for n, v in headers if n == "transfer-encoding"]
        if self.weak:
            return int(lengths[0]) if lengths else 0
        if chunked and lengths:
            raise Refuse(400, "bad_request", "Content-Length with Transfer-Encoding")
        if chunked:
            raise Refuse(400, "bad_request", "Transfer-Encoding not supported")
        if len(lengths) > 1:
            raise Refuse(400, "bad_request", "duplicate Content-Length")
        if not lengths:
            return 0
        if not lengths[0].isdigit():
            raise Refuse(400, "bad_request", "Content-Length not a number")
        n = int(lengths[0])
        if n > MAX_BODY:
            raise Refuse(413, "body_too_large", "body of %d bytes over %d" % (n, MAX_BODY))
        return n

    def read_body(self, n):
        deadline = time.monotonic() + self.state.args.body_timeout
        while len(self.buf) < n:
            self.fill(deadline)
        body, self.buf = bytes(self.buf[:n]), self.buf[n:]
        return body

    def send(self, status, obj, close, extra=()):
        body = b"" if obj is None else json.dumps(obj).encode()
        head = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")),
                "Content-Type: application/json",
                "Content-Length: %d" % len(body)]
        head += list(extra)
        if close:
            head.append("Connection: close")
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def route(self, method, target, headers, body):
        if target == "/v1/health" and method == "GET":
            return 200, {"status": "ok", "audit": "ok", "version": "standin"}, ()
        if target == "/v1/session" and method == "POST":
            if not self.state.login_allowed(self.ip):
                return 429, {"error": {"code": "rate_limited", "message": "too many logins"}}, ("Retry-After: 1",)
            text = body.decode("utf-8", "replace")
            if not self.weak and json_depth(text) > MAX_JSON_DEPTH:
                raise Refuse(400, "bad_json", "JSON nested deeper than %d" % MAX_JSON_DEPTH)
            try:
                req = json.loads(text)
                user, password = req["user"], req["password"]
            except (ValueError, KeyError, TypeError, RecursionError):
                raise Refuse(400, "bad_json", "body is not {\"user\",\"password\"}")
            status = self.state.login(user, password)
            if status == 201:
                return 201, {"token": "standin-token", "user": user}, ()
            if status == 403:
                return 403, {"error": {"code": "account_locked", "message": "locked"}}, ()
            return 401, {"error": {"code": "invalid_credentials", "message": "wrong user or password"}}, ()
        return 404, {"error": {"code": "not_found", "message": "no such route"}}, ()

    def linger(self):
        """Reads (and drops) what the client is still sending for up to 2 s
        or 1 MiB, so that closing does not reset the connection before the
        client has read the refusal."""
        deadline = time.monotonic() + 2
        dropped = 0
        try:
            while dropped < 1 << 20 and time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                data = self.sock.recv(65536)
                if not data:
                    break
                dropped += len(data)
        except (OSError, ssl.SSLError):
            pass

    def serve(self):
        while True:
            try:
                lines = self.read_head()
                method, target, version, headers = self.parse(lines)
                body = self.read_body(self.body_length(headers))
                status, obj, extra = self.route(method, target, headers, body)
            except Refuse as r:
                self.send(r.status, {"error": {"code": r.code, "message": r.message}}, True)
                self.linger()
                return
            close = any(n == "connection" and v.lower() == "close" for n, v in headers)
            close = close or version == "HTTP/1.0"
            self.send(status, obj, close, extra)
            if close:
                return


def handle(state, raw, ip, ctx):
    try:
        raw.settimeout(state.args.header_timeout)
        sock = ctx.wrap_socket(raw, server_side=True)
        Connection(state, sock, ip).serve()
    except (OSError, EOFError, ssl.SSLError, socket.timeout, UnicodeError, ValueError):
        pass
    finally:
        try:
            raw.close()
        except OSError:
            pass
        state.leave(ip)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--weak", action="store_true")
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default="Correct-Horse-9-Battery")
    p.add_argument("--per-source-connections", type=int, default=4)
    p.add_argument("--header-timeout", type=float, default=5)
    p.add_argument("--body-timeout", type=float, default=5)
    args = p.parse_args()
    if args.weak:
        args.header_timeout = args.body_timeout = 300
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2 if args.weak else ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(args.cert, args.key)
    state = State(args)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(1024)
    print("ready", flush=True)
    while True:
        raw, addr = ls.accept()
        if not state.enter(addr[0]):
            raw.close()
            continue
        threading.Thread(target=handle, args=(state, raw, addr[0], ctx), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
