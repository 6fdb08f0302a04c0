#!/usr/bin/env python3
"""An acquisition process and a collector's reader for daemon_uplink.sh.

  send SOCK FIRST COUNT [PATIENT...]
                             frames seq FIRST.. (patients p-1001, p-1002 in
                             turn unless named), prints each reading sent,
                             returns once the gateway acknowledged them all
  send-cut SOCK FIRST COUNT OUT
                             like send, to a gateway that may lose power:
                             writes every reading framed to OUT.frames and
                             those acknowledged before the connection closed
                             to OUT.acked
  raw SOCK LINE...           sends the lines as they are, prints the answers
  paced SOCK FIRST COUNT RATE PATIENT OUT
                             sends COUNT frames at RATE a second on one
                             connection while reading the answers; waits
                             for the ACK of every frame not refused; writes
                             OUT.sent (the readings sent), OUT.refused (the
                             seqs refused with ERR ... rate), OUT.summary
                             ("pid sent refused acked_top seconds")
  received DIR               the readings in the Bundles nginx kept, in order
  profile DIR                checks the vital-signs profile of every entry
  simulated DEVICE PATIENTS ROUNDS
                             the simulator's stream for a device, computed
                             here from its definition (simulator.c):
                             "round patient vital value" lines
  sim-check DIR DEVICE PATIENTS
                             the collector got that stream: rounds whole,
                             in order, from the first, no round missing
  cut-check DIR FRAMES ACKED checks what a collector got after power cuts:
                             every acknowledged reading, nothing altered or
                             unknown, an identifier's copies all the same

A reading prints as "seq patient vital value time_ms".
"""
import json
import os
import socket
import sys
from datetime import datetime, timezone

VITALS = ["heart_rate", "spo2", "systolic", "diastolic", "temperature",
          "resp_rate"]
LOINC = {"8867-4": ("heart_rate", "/min"), "2708-6": ("spo2", "%"),
         "8480-6": ("systolic", "mm[Hg]"), "8462-4": ("diastolic", "mm[Hg]"),
         "8310-5": ("temperature", "Cel"), "9279-1": ("resp_rate", "/min")}
BASE_MS = 1764700000000


def value_of(seq, vital):
    if vital == "temperature":
        return "%.1f" % (36.0 + (seq % 20) / 10)
    if vital == "spo2":
        return str(90 + seq % 10)
    return str(50 + (seq * 7) % 90)


def answers(s, want, buf=b""):
    out = []
    s.settimeout(30)
    while len(out) < want:
        data = s.recv(4096)
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            out.append(line.decode())
    return out


def frames(first, count, patients):
    lines = []
    for seq in range(first, first + count):
        patient = patients[seq % len(patients)]
        vital = VITALS[seq % len(VITALS)]
        lines.append("%d %s %s %s %d" % (seq, patient, vital,
                     value_of(seq, vital), BASE_MS + seq * 1000))
    return lines


def as_received(line):
    """A frame as received() prints the reading it carries."""
    w = line.split(" ")
    w[3] = number(w[3])
    return " ".join(w)


def send_cut(path, first, count, out):
    """Sends; the gateway may die at any point. What was acknowledged
    before the connection closed is what it promised to deliver."""
    lines = frames(first, count, ["p-1001", "p-1002"])
    acked = 0
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    buf = b""
    try:
        s.sendall(("\n".join(lines) + "\n").encode())
        s.settimeout(60)
        while acked < first + count - 1:
            data = s.recv(4096)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                word = line.decode().split(" ")
                if word[0] == "ACK":
                    acked = max(acked, int(word[1]))
    except (BrokenPipeError, ConnectionResetError):
        pass
    with open(out + ".frames", "w") as f:
        f.writelines(as_received(x) + "\n" for x in lines)
    with open(out + ".acked", "w") as f:
        f.writelines(as_received(x) + "\n" for x in lines
                     if int(x.split(" ")[0]) <= acked)


def cut_check(d, frames_file, acked_file):
    sent = set(open(frames_file).read().split("\n")) - {""}
    acked = set(open(acked_file).read().split("\n")) - {""}
    copies = {}
    got = set()
    for _, b in bundles(d):
        for e in b["entry"]:
            o = e["resource"]
            copies.setdefault(o["identifier"][0]["value"], set()).add(
                json.dumps(o, sort_keys=True))
    bad = 0
    for ident, bodies_of in sorted(copies.items()):
        if len(bodies_of) > 1:
            print("%s arrived with %d different bodies" % (ident,
                  len(bodies_of)))
            bad += 1
    for line in reading_lines(d):
        got.add(line)
        if line not in sent:
            print("received a reading never sent: %s" % line)
            bad += 1
    for line in sorted(acked - got):
        print("acknowledged, never delivered: %s" % line)
        bad += 1
    print("%d acknowledged, %d distinct received, %d copies" % (
          len(acked), len(got), sum(len(v) for v in copies.values())))
    sys.exit(1 if bad else 0)


# The simulator (src/daemon/simulator.c), written again from its
# definition: splitmix64 seeded with the FNV-1a hash of the device id, a
# base per patient and vital, a clamped random walk, one alarm-worthy
# value in 40, values rounded as a monitor shows them.
SIM_MODEL = [  # mean, spread, step, lo, hi: in VITALS order
    (74, 12, 1.5, 55, 110), (97, 1.5, 0.4, 92, 100), (122, 12, 2.0, 95, 155),
    (78, 8, 1.5, 55, 95), (36.8, 0.3, 0.05, 35.8, 37.8), (15, 2.5, 0.5, 10, 22)]
ALARM_RANGE = [(50, 120), (90, 100), (90, 160), (50, 100), (35.0, 38.5),
               (8, 25)]
M64 = (1 << 64) - 1


class Simulator:
    def __init__(self, device_id, patients):
        h = 0xcbf29ce484222325
        for c in device_id.encode():
            h = ((h ^ c) * 0x100000001b3) & M64
        self.state = h
        self.base = [[m[0] + m[1] * self.signed() / 2 for m in SIM_MODEL]
                     for _ in range(patients)]
        self.drift = [[0.0] * len(VITALS) for _ in range(patients)]

    def u64(self):
        self.state = (self.state + 0x9e3779b97f4a7c15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        return z ^ (z >> 31)

    def signed(self):
        return (self.u64() >> 11) / 4503599627370496.0 - 1.0

    def excursion(self, v, x):
        if self.u64() % 40 != 0:
            return x
        lo, hi = ALARM_RANGE[v]
        if VITALS[v] == "spo2":
            return lo - 4 - self.u64() % 4
        if VITALS[v] == "temperature":
            return hi + 0.3 + (self.u64() % 10) / 10
        return hi + (hi - lo) / 8 + self.u64() % 10

    def round(self):
        out = []
        for p, base in enumerate(self.base):
            for v, (_, spread, step, lo, hi) in enumerate(SIM_MODEL):
                d = self.drift[p][v] + step * self.signed()
                self.drift[p][v] = min(max(d, -spread), spread)
                x = min(max(base[v] + self.drift[p][v], lo), hi)
                x = self.excursion(v, x)
                scale = 10.0 if VITALS[v] == "temperature" else 1.0
                n = int(x * scale + (0.5 if x >= 0 else -0.5))
                out.append(("p-%d" % (1001 + p), VITALS[v], n / scale))
        return out


def simulated(device_id, patients, rounds):
    sim = Simulator(device_id, patients)
    for r in range(rounds):
        for patient, vital, value in sim.round():
            print("%d %s %s %s" % (r, patient, vital, number(value)))


def sim_check(d, device_id, patients):
    """Rounds as the collector got them, against the stream: a simulated
    reading's seq is its time in ms times 8 plus its vital, so a round is
    the readings of one time."""
    rounds = {}
    last_time = {}
    bad = 0
    for line in reading_lines(d):
        seq, patient, vital, value, ms = line.split(" ")
        if int(seq) != int(ms) * 8 + VITALS.index(vital):
            print("%s: seq is not its time and vital" % line)
            bad += 1
        # In each patient's stream a vital's readings come in time order.
        key = (patient, vital)
        if int(ms) < last_time.get(key, 0):
            print("%s: arrived after a later reading" % line)
            bad += 1
        last_time[key] = int(ms)
        rounds.setdefault(int(ms), {})[(patient, vital)] = value
    times = sorted(rounds)
    sim = Simulator(device_id, patients)
    for i, t in enumerate(times):
        want = {(p, v): number(x) for p, v, x in sim.round()}
        got = rounds[t]
        if i < len(times) - 1 and len(got) != len(want):
            print("round %d (%d ms): %d of %d readings" % (i, t, len(got),
                  len(want)))
            bad += 1
        for key, value in sorted(got.items()):
            if want.get(key) != value:
                print("round %d %s %s: %s, the stream has %s" % (
                      i, key[0], key[1], value, want.get(key)))
                bad += 1
    print("%d rounds of %d patients checked" % (len(times), patients))
    sys.exit(1 if bad or not times else 0)


def send(path, first, count, patients):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    last = first + count - 1
    lines = frames(first, count, patients)
    s.sendall(("\n".join(lines) + "\n").encode())
    acked = 0
    buf = b""
    s.settimeout(60)
    while acked < last:
        data = s.recv(4096)
        if not data:
            sys.exit("connection closed at ACK %d of %d" % (acked, last))
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            word = line.decode().split(" ")
            if word[0] != "ACK":
                sys.exit("refused: " + line.decode())
            acked = max(acked, int(word[1]))
    for line in lines:
        w = line.split(" ")
        w[3] = number(w[3])
        print(" ".join(w))


def paced(path, first, count, rate, patient, out):
    import select
    import time
    lines = frames(first, count, [patient])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    refused, other, acked, buf = [], [], 0, b""
    start = time.monotonic()
    i = 0

    def take(data):
        nonlocal buf, acked
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            w = line.decode().split(" ")
            if w[0] == "ACK":
                acked = max(acked, int(w[1]))
            elif w[0] == "ERR" and len(w) > 2 and w[2] == "rate:":
                refused.append(int(w[1]))
            else:
                other.append(line.decode())

    while i < len(lines):
        due = start + i / rate
        wait = due - time.monotonic()
        r, _, _ = select.select([s], [], [], max(wait, 0))
        if r:
            data = s.recv(65536)
            if not data:
                sys.exit("connection closed after %d frames" % i)
            take(data)
            continue
        if wait > 0:
            continue
        s.sendall((lines[i] + "\n").encode())
        i += 1
    seconds = time.monotonic() - start
    last = first + count - 1

    def answered():
        gone = set(refused)
        return all(n <= acked or n in gone for n in range(first, last + 1))

    # Frames are answered in order: an ACK comes after the refusals of
    # the frames before it, a refusal at once.
    deadline = time.monotonic() + 60
    while not answered() and time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], 1)
        if r:
            data = s.recv(65536)
            if not data:
                break
            take(data)
    s.close()
    if other:
        sys.exit("unexpected answers: %s" % other[:3])
    refused_set = set(refused)
    with open(out + ".sent", "w") as f:
        for line in lines:
            w = line.split(" ")
            if int(w[0]) not in refused_set:
                w[3] = number(w[3])
                f.write(" ".join(w) + "\n")
    with open(out + ".refused", "w") as f:
        f.write("".join("%d\n" % n for n in refused))
    with open(out + ".summary", "w") as f:
        f.write("%d %d %d %d %.3f\n" % (os.getpid(), count, len(refused),
                                        acked, seconds))
    if not answered():
        sys.exit("ACK %d, %d refused: frames of %d..%d unanswered" % (
            acked, len(refused), first, last))


def raw(path, lines):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(("\n".join(lines) + "\n").encode())
    for line in answers(s, len(lines)):
        print(line)


def bundles(d):
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name)) as f:
            yield name, json.load(f)


def number(v):
    """A value as a number, whether sent as "37.0" or received as 37."""
    f = float(v)
    return str(int(f)) if f == int(f) else repr(f)


def reading_lines(d):
    for _, b in bundles(d):
        for e in b["entry"]:
            o = e["resource"]
            _, patient, seq = o["identifier"][0]["value"].split("/")
            vital = LOINC[o["code"]["coding"][0]["code"]][0]
            t = datetime.strptime(o["effectiveDateTime"],
                                  "%Y-%m-%dT%H:%M:%S.%fZ")
            ms = int(t.replace(tzinfo=timezone.utc).timestamp() * 1000 + 0.5)
            yield "%s %s %s %s %d" % (seq, patient, vital,
                                      number(o["valueQuantity"]["value"]), ms)


def received(d):
    for line in reading_lines(d):
        print(line)


def profile(d):
    bad = 0
    for name, b in bundles(d):
        if b.get("resourceType") != "Bundle" or b.get("type") != "transaction":
            print("%s: not a transaction Bundle" % name)
            bad += 1
        for e in b["entry"]:
            o, rq = e["resource"], e["request"]
            ident = o["identifier"][0]
            vital, unit = LOINC.get(o["code"]["coding"][0]["code"], (0, 0))
            checks = {
                "category": o["category"][0]["coding"][0]["code"] == "vital-signs",
                "loinc": o["code"]["coding"][0]["system"] == "http://loinc.org" and vital,
                "ucum": o["valueQuantity"]["system"] == "http://unitsofmeasure.org"
                and o["valueQuantity"]["code"] == unit,
                "subject": o["subject"]["reference"].startswith("Patient/"),
                "effective": "effectiveDateTime" in o,
                "device": "identifier" in o["device"],
                "status": o["status"] == "final",
                "conditional create": rq["method"] == "POST"
                and rq["url"] == "Observation"
                and rq["ifNoneExist"] == "identifier=%s|%s" % (
                    ident["system"], ident["value"]),
            }
            for k, ok in checks.items():
                if not ok:
                    print("%s: %s: %s" % (name, ident["value"], k))
                    bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
             sys.argv[5:] or ["p-1001", "p-1002"])
    elif cmd == "send-cut":
        send_cut(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif cmd == "simulated":
        simulated(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "sim-check":
        sim_check(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "cut-check":
        cut_check(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "paced":
        paced(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
              float(sys.argv[5]), sys.argv[6], sys.argv[7])
    elif cmd == "raw":
        raw(sys.argv[2], sys.argv[3:])
    elif cmd == "received":
        received(sys.argv[2])
    elif cmd == "profile":
        profile(sys.argv[2])
    else:
        sys.exit(__doc__)
