#!/usr/bin/env python3
"""A steady acquisition process and the delivery-latency reader for
daemon_uplink_flood.sh and bench/uplink_latency.sh (MFDS 2.4).

  send SOCK FIRST COUNT RATE    frames seq FIRST.. at RATE readings/s, each
                                stamped with its send time (time_ms);
                                returns once the gateway acknowledged them
                                all and prints "seq time_ms" per reading
  latency SENT ACCESS BOUND_S   joins the readings sent with the collector's
                                access log ("$msec $request_body_file
                                $status") by identifier; prints one line of
                                key=value figures
"""
import json
import select
import socket
import sys
import time

VITALS = ["heart_rate", "spo2", "systolic", "diastolic", "temperature",
          "resp_rate"]


def value_of(seq, vital):
    if vital == "temperature":
        return "%.1f" % (36.0 + (seq % 20) / 10)
    if vital == "spo2":
        return str(90 + seq % 10)
    return str(50 + (seq * 7) % 90)


def frame(seq, now_ms):
    vital = VITALS[seq % len(VITALS)]
    return "%d p-%d %s %s %d\n" % (seq, 1001 + seq % 4, vital,
                                   value_of(seq, vital), now_ms)


def read_acks(s, buf):
    """Reads what the gateway answered; returns (highest ACK, rest)."""
    data = s.recv(4096)
    if not data:
        sys.exit("the gateway closed the source connection")
    buf += data
    top = 0
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        word = line.decode().split(" ")
        if word[0] != "ACK":
            sys.exit("refused: " + line.decode())
        top = max(top, int(word[1]))
    return top, buf


def send(path, first, count, rate):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    sent = []
    acked, buf = 0, b""
    start = time.monotonic()
    last = first + count - 1
    for i in range(count):
        due = start + i / rate
        while True:
            wait = due - time.monotonic()
            if wait <= 0:
                break
            ready, _, _ = select.select([s], [], [], wait)
            if ready:
                top, buf = read_acks(s, buf)
                acked = max(acked, top)
        seq = first + i
        now_ms = int(time.time() * 1000)
        s.sendall(frame(seq, now_ms).encode())
        sent.append((seq, now_ms))
    # Every reading stored durably: bounded, not a timed assertion.
    give_up = time.monotonic() + 120
    while acked < last:
        ready, _, _ = select.select([s], [], [], give_up - time.monotonic())
        if not ready:
            sys.exit("ACK %d of %d after 120 s" % (acked, last))
        top, buf = read_acks(s, buf)
        acked = max(acked, top)
    for seq, ms in sent:
        print("%d %d" % (seq, ms))


def arrivals(access):
    """First arrival (ms) of each reading's seq at the collector."""
    first = {}
    with open(access) as f:
        for line in f:
            w = line.split()
            if len(w) < 3 or not w[2].startswith("2") or w[1] == "-":
                continue
            at = int(float(w[0]) * 1000)
            with open(w[1]) as b:
                bundle = json.load(b)
            for e in bundle.get("entry", []):
                for ident in e["resource"].get("identifier", []):
                    if ident.get("system") != "urn:medsec:reading":
                        continue
                    seq = int(ident["value"].rsplit("/", 1)[1])
                    if seq not in first or at < first[seq]:
                        first[seq] = at
    return first


def percentile(sorted_values, p):
    if not sorted_values:
        return 0
    k = max(0, min(len(sorted_values) - 1,
                   int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def latency(sent_file, access, bound_s):
    bound_ms = int(bound_s) * 1000
    sent = {}
    with open(sent_file) as f:
        for line in f:
            seq, ms = line.split()
            sent[int(seq)] = int(ms)
    first = arrivals(access)
    delays = sorted(first[s] - sent[s] for s in sent if s in first)
    missing = sorted(s for s in sent if s not in first)
    within = sum(1 for d in delays if d <= bound_ms)
    # The uplink measures at the 2xx it receives, a little after the
    # collector logged the request: its count lies between these two.
    late = sum(1 for d in delays if d > bound_ms)
    late_near = sum(1 for d in delays if d > bound_ms - 1000)
    frac = within / len(sent) if sent else 0.0
    print("readings=%d arrived=%d missing=%d within=%d fraction=%.5f "
          "p50_ms=%d p99_ms=%d max_ms=%d late=%d late_near=%d "
          "first_missing=%s" % (
              len(sent), len(delays), len(missing), within, frac,
              percentile(delays, 50), percentile(delays, 99),
              delays[-1] if delays else 0, late, late_near,
              missing[0] if missing else "-"))


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
             float(sys.argv[5]))
    elif len(sys.argv) == 5 and sys.argv[1] == "latency":
        latency(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
