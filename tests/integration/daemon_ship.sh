#!/bin/bash
# Audit shipping (MFDS 2.1): medsecd sends its audit records to a real
# rsyslog (imtcp, ossl driver, mutual TLS) as RFC 5424 messages and IHE
# ATNA messages with RFC 5425 framing. The collector is restarted in the
# middle of the stream and medsecd itself is restarted; afterwards every
# record of the trail (`medsec audit export`) is found at the collector by
# its sequence number (duplicates allowed, and identical). A collector
# whose certificate is not the pinned one gets nothing, and the refusal
# is audited.
# Run by CTest as: bash daemon_ship.sh <test_name>. Skips (77) unless root
# (the worker and the shipper drop to nobody) and rsyslog with the ossl
# driver is installed.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}" "${MEDSEC_BINARY_DIR:?}"
MEDSECD=$MEDSEC_BINARY_DIR/bin/medsecd
COLLECTOR=$MEDSEC_SOURCE_DIR/scripts/demo-syslog.sh
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the worker drops to nobody)"; exit 77; }
[ -x "$MEDSECD" ] || { echo "SKIP: medsecd not built"; exit 77; }
command -v rsyslogd >/dev/null || { echo "SKIP: needs rsyslog"; exit 77; }
ls /usr/lib/*/rsyslog/lmnsd_ossl.so >/dev/null 2>&1 || { echo "SKIP: needs rsyslog-openssl"; exit 77; }
for tool in curl openssl xmllint python3 setpriv; do
	command -v $tool >/dev/null || { echo "SKIP: needs $tool"; exit 77; }
done
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }

work=$(mktemp -d /tmp/medsecd-ship-XXXXXX)
chmod 755 "$work"
state=$work/dev
conf=$work/medsecd.conf
collector=$work/collector
admin_pw='Adm1n-Pass!word'
nurse_pw='Correct-Horse-7'
initial_pw='Initial-Pass-4u'
daemon_pid=

die() {
	echo "FAIL: $*" >&2
	[ -f "$work/d.log" ] && sed 's/^/  medsecd: /' "$work/d.log" | tail -40 >&2
	exit 1
}

cleanup() {
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
	fi
	"$COLLECTOR" stop "$collector" >/dev/null 2>&1
	[ -n "${MEDSEC_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
syslog_port=$(free_port)
base=http://127.0.0.1:$port

write_conf() { # [pin]
	cat >"$conf" <<CONF
[device]
state_dir = $state
[auth]
source_max_failures = 500
[listen]
api =
debug_http = 127.0.0.1:$port
debug_allow = 127.0.0.0/8
[limits]
login_burst = 100
login_rate = 100
[daemon]
user = nobody
restart_backoff_max = 2
CONF
	if [ -n "${1:-}" ]; then
		sed "s/^pin = .*/pin = $1/" "$collector/ship.conf" >>"$conf"
	else
		cat "$collector/ship.conf" >>"$conf"
	fi
	echo "replay_window = 16" >>"$conf"
	chmod 600 "$conf"
}

ms() { "$MEDSEC" "$@" --state "$state"; }

provision() { # [pin]
	"$COLLECTOR" start "$collector" "$syslog_port" >"$work/collector.out" 2>&1 || die "collector: $(cat "$work/collector.out")"
	# The shipper reads its key as the monitor's user, before it drops.
	write_conf "${1:-}"
	"$MEDSEC" init --state "$state" --config "$conf" --device-id ship-test-01 >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
	code=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' "$work/init.out" | head -1)
	printf '%s\n%s\n' "$code" "$admin_pw" | ms user setup chief --password-stdin >"$work/o" 2>&1 || die "setup: $(cat "$work/o")"
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | ms user add aud01 --role auditor --as chief --password-stdin >"$work/o" 2>&1 || die "add: $(cat "$work/o")"
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | ms passwd aud01 --password-stdin >"$work/o" 2>&1 || die "passwd: $(cat "$work/o")"
}

worker_pid() { pgrep -P "$daemon_pid" -f medsecd | head -1; }

start_daemon() {
	"$MEDSECD" -f -c "$conf" >>"$work/d.log" 2>&1 &
	daemon_pid=$!
	local i
	for i in $(seq 200); do
		curl -s -o /dev/null "$base/v1/health" 2>/dev/null && return 0
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	die "medsecd not ready"
}

stop_daemon() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	daemon_pid=
}

req() { # method path [token] [json]
	local args=(-s -o "$work/body" -w '%{http_code}' -X "$1")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}" "$base$2"
}

# Audit records through the API: failed and successful logins, logouts.
activity() { # rounds
	local i st token
	for i in $(seq "$1"); do
		st=$(req POST /v1/session "" '{"user":"aud01","password":"wrong-password-1"}')
		[ "$st" = 401 ] || die "bad login answered $st"
		st=$(req POST /v1/session "" "{\"user\":\"aud01\",\"password\":\"$nurse_pw\"}")
		[ "$st" = 201 ] || die "login answered $st: $(cat "$work/body")"
		token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$work/body")
		st=$(req DELETE /v1/session "$token")
		[ "$st" = 204 ] || die "logout answered $st"
	done
}

# The newest record's sequence number, as an auditor reads it, in $last.
last_seq() {
	local st token
	st=$(req POST /v1/session "" "{\"user\":\"aud01\",\"password\":\"$nurse_pw\"}")
	[ "$st" = 201 ] || die "auditor login answered $st"
	token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$work/body")
	local after=0 next
	while :; do
		st=$(req GET "/v1/audit?after=$after&limit=100" "$token")
		[ "$st" = 200 ] || die "audit read answered $st"
		next=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["next_after"], int(d["more"]))' "$work/body")
		after=${next% *}
		[ "${next#* }" = 1 ] || break
	done
	req DELETE /v1/session "$token" >/dev/null
	last=$after
}

cursor() { sed -n 's/^acked //p' "$state/ship.cursor" 2>/dev/null; }

# Bounded wait until the collector's TCP acknowledged record $1.
wait_shipped() {
	local i
	for i in $(seq 600); do
		[ "$(cursor)" -ge "$1" ] 2>/dev/null && return 0
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.1
	done
	die "cursor $(cursor) never reached $1"
}

# Every record of the export up to $1 is at the collector, in both
# formats; duplicates carry the same sequence number and the same text.
check_all_received() { # upto
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/trail.jsonl" 2>"$work/o" || die "export: $(cat "$work/o")"
	python3 - "$work/trail.jsonl" "$collector/raw.log" "$1" <<'PY' || die "records missing at the collector"
import json, re, sys
trail = [json.loads(l) for l in open(sys.argv[1])]
upto = int(sys.argv[3])
syslog, atna = {}, {}
dups = 0
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    m = re.match(r'<\d+>1 \S+ \S+ \S+ \S+ (\S+) \[meta sequenceId="(\d+)"\]', line)
    if not m:
        continue
    seq = int(m.group(2))
    table = atna if m.group(1) == "IHE+RFC-3881" else syslog
    if seq in table:
        dups += 1
        assert table[seq] == line, ("duplicate differs", seq)
    table[seq] = line
want = [r for r in trail if r["seq"] <= upto]
assert len(want) >= 20, len(want)
missing = [r["seq"] for r in want if r["seq"] not in syslog]
assert not missing, ("syslog missing", missing[:20])
missing = [r["seq"] for r in want if r["seq"] not in atna]
assert not missing, ("atna missing", missing[:20])
for r in want:
    assert syslog[r["seq"]].split(" ")[5] == r["event"], (r["seq"], r["event"])
print("records", len(want), "duplicates", dups)
PY
}

test_req_2_1_daemon_ship_every_record_reaches_collector_across_restarts() {
	provision
	start_daemon
	activity 5
	last_seq
	wait_shipped "$last"
	# The collector goes away mid-stream: records pile up, then flow.
	"$COLLECTOR" stop "$collector"
	activity 5
	"$COLLECTOR" start "$collector" "$syslog_port" >/dev/null || die "collector restart"
	activity 5
	last_seq
	wait_shipped "$last"
	# medsecd restarts: the cursor resumes where it was.
	stop_daemon
	grep -q "acked" "$state/ship.cursor" || die "no cursor after shutdown"
	start_daemon
	activity 3
	last_seq
	upto=$last
	wait_shipped "$upto"
	stop_daemon
	check_all_received "$upto" >"$work/check.out" || die "check failed"
	cat "$work/check.out"
	grep -q "connected (TLSv1.3" "$work/d.log" || die "no TLS 1.3 connection logged"
}

test_req_2_1_daemon_ship_atna_messages_validate_against_dicom_schema() {
	provision
	start_daemon
	activity 2
	last_seq
	wait_shipped "$last"
	stop_daemon
	n=0
	# The MSG of each ATNA syslog message, after the BOM.
	python3 - "$collector/raw.log" "$work/atna" <<'PY' || die "no ATNA messages"
import sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    if " IHE+RFC-3881 " in line:
        open("%s-%d.xml" % (sys.argv[2], n), "w", encoding="utf-8").write(line.split("\ufeff", 1)[1])
        n += 1
assert n >= 10, n
PY
	for f in "$work"/atna-*.xml; do
		xmllint --noout --relaxng "$MEDSEC_SOURCE_DIR/tests/vectors/audit/dicom-audit-message.rng" "$f" 2>"$work/x.err" || die "invalid ATNA message $f: $(cat "$work/x.err")"
		n=$((n + 1))
	done
	[ "$n" -ge 10 ] || die "only $n ATNA messages"
	grep -q '^<8[0-7]>1 .* IHE+RFC-3881 \[meta sequenceId="[0-9]*"\]' "$collector/raw.log" || die "ATNA header not RFC 5424 with MSGID IHE+RFC-3881"
}

test_req_2_1_daemon_ship_wrong_pin_refused_and_audited() {
	"$COLLECTOR" start "$collector" "$syslog_port" >"$work/collector.out" 2>&1 || die "collector: $(cat "$work/collector.out")"
	# A pin of another certificate from the same CA: the chain verifies,
	# the certificate is not the one configured.
	wrong="cert-sha256:$(openssl x509 -in "$collector/pki/client.pem" -outform DER | sha256sum | cut -d' ' -f1)"
	provision "$wrong"
	start_daemon
	activity 2
	for i in $(seq 300); do
		grep -q "does not match the pin" "$work/d.log" && break
		sleep 0.1
	done
	grep -q "does not match the pin" "$work/d.log" || die "no refusal logged"
	stop_daemon
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/trail.jsonl" 2>"$work/o" || die "export: $(cat "$work/o")"
	refused=$(grep '"PEER_REFUSED"' "$work/trail.jsonl" | grep '"audit collector"' | grep -c 'does not match the pin')
	[ "$refused" -ge 1 ] || die "refusal not audited"
	# Rate-limited: at most one record a minute whatever the retries.
	[ "$refused" -le 2 ] || die "$refused refusal records: not rate-limited"
	presented="cert-sha256:$(openssl x509 -in "$collector/pki/server.pem" -outform DER | sha256sum | cut -d' ' -f1)"
	grep '"PEER_REFUSED"' "$work/trail.jsonl" | grep -q "\"presented\":\"$presented\"" || die "presented certificate not named"
	grep '"PEER_REFUSED"' "$work/trail.jsonl" | grep -q "\"pinned\":\"$wrong\"" || die "pinned certificate not named"
	if grep -q 'ship-test-01' "$collector/raw.log"; then die "the collector received records"; fi
	[ ! -e "$state/ship.cursor" ] || die "a cursor was written"
}

"$1"
