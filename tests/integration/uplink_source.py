#!/usr/bin/env python3
"""An acquisition process and a collector's reader for daemon_uplink.sh.

  send SOCK FIRST COUNT      frames seq FIRST.., prints each reading sent,
                             returns once the gateway acknowledged them all
  raw SOCK LINE...           sends the lines as they are, prints the answers
  received DIR               the readings in the Bundles nginx kept, in order
  profile DIR                checks the vital-signs profile of every entry

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


def send(path, first, count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    last = first + count - 1
    lines = []
    for seq in range(first, last + 1):
        patient = "p-%d" % (1001 + seq % 2)
        vital = VITALS[seq % len(VITALS)]
        lines.append("%d %s %s %s %d" % (seq, patient, vital,
                     value_of(seq, vital), BASE_MS + seq * 1000))
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


def received(d):
    for _, b in bundles(d):
        for e in b["entry"]:
            o = e["resource"]
            _, patient, seq = o["identifier"][0]["value"].split("/")
            vital = LOINC[o["code"]["coding"][0]["code"]][0]
            t = datetime.strptime(o["effectiveDateTime"],
                                  "%Y-%m-%dT%H:%M:%S.%fZ")
            ms = int(t.replace(tzinfo=timezone.utc).timestamp() * 1000 + 0.5)
            print("%s %s %s %s %d" % (seq, patient, vital,
                  number(o["valueQuantity"]["value"]), ms))


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
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "raw":
        raw(sys.argv[2], sys.argv[3:])
    elif cmd == "received":
        received(sys.argv[2])
    elif cmd == "profile":
        profile(sys.argv[2])
    else:
        sys.exit(__doc__)
