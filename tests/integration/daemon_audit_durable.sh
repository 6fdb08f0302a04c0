#!/bin/bash
# medsecd's audit records are durable before the reply that depends on
# them (MFDS 2.1, fail closed): the monitor commits them asynchronously,
# once per turn of its loop, and holds the reply until the commit is on
# stable storage. Killing the monitor (SIGKILL, no clean shutdown) right
# after a reply must leave the reply's record in a trail that verifies.
# The failed-sync half (a 503, never a success) is proven under the I/O
# fault seam in tests/unit/test_daemon_audit_gate.c.
# Run by CTest as: bash daemon_audit_durable.sh <test_name>. Skips (77)
# unless root, since the worker drops to nobody.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}" "${MEDSEC_BINARY_DIR:?}"
MEDSECD=$MEDSEC_BINARY_DIR/bin/medsecd
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the worker drops to nobody)"; exit 77; }
[ -x "$MEDSECD" ] || { echo "SKIP: medsecd not built"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: needs curl"; exit 77; }
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }

work=$(mktemp -d /tmp/medsecd-durable-XXXXXX)
chmod 755 "$work"
state=$work/dev
conf=$work/medsecd.conf
admin_pw='Adm1n-Pass!word'
nurse_pw='Correct-Horse-7'
initial_pw='Initial-Pass-4u'
daemon_pid=

die() { echo "FAIL: $*" >&2; [ -f "$work/d.log" ] && sed 's/^/  medsecd: /' "$work/d.log" >&2; exit 1; }

cleanup() {
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
	fi
	[ -n "${MEDSEC_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
base=http://127.0.0.1:$port

write_conf() { # [allow]
	cat >"$conf" <<CONF
[device]
state_dir = $state
[auth]
max_failures = 3
source_max_failures = 50
[listen]
api =
debug_http = 127.0.0.1:$port
debug_allow = ${1:-127.0.0.0/8}
[limits]
login_burst = ${login_burst:-100}
login_rate = ${login_rate:-100}
request_burst = ${request_burst:-400}
request_rate = ${request_rate:-200}
[daemon]
user = nobody
restart_backoff_max = 2
[incident]
contact = Example Medical Co. product security
phone = +82-2-0000-0000
email = security@example.com
url = https://example.com/security
step1 = Disconnect the gateway from the network if it behaves unexpectedly.
step2 = Call the security contact.
CONF
	chmod 600 "$conf"
}

ms() { "$MEDSEC" "$@" --state "$state"; }

# A device with an administrator (chief) and a clinician (nurse01), made
# with the CLI before the daemon holds the device.
provision() { # [allow]
	write_conf "${1:-}"
	"$MEDSEC" init --state "$state" --config "$conf" --device-id daemon-test-01 >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
	code=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' "$work/init.out" | head -1)
	printf '%s\n%s\n' "$code" "$admin_pw" | ms user setup chief --password-stdin >"$work/setup.out" 2>&1 || die "setup: $(cat "$work/setup.out")"
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | ms user add nurse01 --role clinician --as chief --password-stdin >"$work/add.out" 2>&1 || die "add: $(cat "$work/add.out")"
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | ms passwd nurse01 --password-stdin >"$work/pw.out" 2>&1 || die "passwd: $(cat "$work/pw.out")"
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | ms user add aud01 --role auditor --as chief --password-stdin >"$work/add.out" 2>&1 || die "add: $(cat "$work/add.out")"
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | ms passwd aud01 --password-stdin >"$work/pw.out" 2>&1 || die "passwd: $(cat "$work/pw.out")"
}

worker_pid() { pgrep -P "$daemon_pid" -f medsecd | head -1; }

# Waits until the worker answers (bounded: 200 tries), not a timed check.
wait_ready() {
	local i
	for i in $(seq 200); do
		curl -s -o /dev/null "$base/v1/health" 2>/dev/null && [ -n "$(worker_pid)" ] && return 0
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	die "medsecd not ready"
}

start() { # [allow]
	provision "${1:-}"
	"$MEDSECD" -f -c "$conf" >"$work/d.log" 2>&1 &
	daemon_pid=$!
	if [ "${1:-}" = "" ]; then wait_ready; else sleep 0.5; fi
}

stop() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	stop_status=$?
	daemon_pid=
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/trail.jsonl" 2>"$work/export.err" || die "export: $(cat "$work/export.err")"
}

# curl: prints the status code; the body goes to $work/body.
req() { # method path [token] [json]
	local args=(-s -o "$work/body" -w '%{http_code}' -X "$1")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}" "$base$2"
}

login() { # user password -> $st (HTTP status) and $token
	st=$(req POST /v1/session "" "{\"user\":\"$1\",\"password\":\"$2\"}")
	token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$work/body")
}

body_has() { grep -q "$1" "$work/body" || die "body lacks $1: $(cat "$work/body")"; }

# Raw bytes to the server; prints the whole answer. The server must close:
# a connection left open ends the read by timeout, which fails the test.
raw() {
	local out
	# shut-none: the client keeps its side open, as a smuggler would;
	# socat ends when the server closes (or timeout fails the test).
	out=$(printf "$1" | timeout 10 socat -t 20 - "TCP:127.0.0.1:$port,shut-none" 2>/dev/null) || die "connection not closed after: $1"
	printf '%s' "$out"
}

trail_has() { # event [pattern]
	grep "\"$1\"" "$work/trail.jsonl" | grep -q "${2:-.}" || die "no $1 record ${2:-} in the trail"
}

# A control command signed as a client does: HMAC-SHA-256 under the
# session's control key over "seq\ncommand\nargs" (args compact, sorted).
control() { # token key seq command args-json [mac-override]
	local mac
	mac=${6:-$(python3 -c '
import base64, hashlib, hmac, json, sys
key = base64.b64decode(sys.argv[1])
args = json.dumps(json.loads(sys.argv[4]), separators=(",", ":"), sort_keys=True)
text = "%s\n%s\n%s" % (sys.argv[2], sys.argv[3], args)
print(base64.b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).decode())
' "$2" "$3" "$4" "$5")}
	req POST /v1/control "$1" "{\"seq\":$3,\"command\":\"$4\",\"args\":$5,\"mac\":\"$mac\"}"
}


# SIGKILL to the monitor and its worker: no shutdown code runs.
crash() {
	local w
	w=$(worker_pid)
	kill -KILL "$daemon_pid"
	[ -n "$w" ] && kill -KILL "$w" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/trail.jsonl" 2>"$work/export.err" || die "export: $(cat "$work/export.err")"
	"$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/verify.out" 2>&1 || die "audit verify after SIGKILL: $(cat "$work/verify.out")"
}

test_req_2_1_daemon_record_durable_before_its_reply() {
	command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
	start
	login aud01 "$nurse_pw"; [ "$st" = 201 ] || die "auditor login: $(cat "$work/body")"
	[ "$(req GET '/v1/audit?after=0&limit=5' "$token")" = 200 ] || die "audit read: $(cat "$work/body")"
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	key=$(sed -n 's/.*"control_key":"\([^"]*\)".*/\1/p' "$work/body")
	[ "$(control "$token" "$key" 1 set_sampling_interval '{"seconds":45}')" = 200 ] || die "command: $(cat "$work/body")"
	crash
	trail_has AUDIT_EXPORTED aud01
	trail_has CONFIG_CHANGED 'seconds[^0-9]*45'
	# No clean shutdown happened: the records came from the commits.
	grep '"APP_STOP"' "$work/trail.jsonl" | grep -q '"object":"medsecd"' && die "a shutdown record after SIGKILL"
	true
}

# A refused command's record is durable before its refusal, too.
test_req_2_1_daemon_refusal_record_durable_before_its_reply() {
	command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }
	start
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	key=$(sed -n 's/.*"control_key":"\([^"]*\)".*/\1/p' "$work/body")
	[ "$(control "$token" "$key" 1 set_sampling_interval '{"seconds":30}' AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=)" = 403 ] || die "bad MAC accepted: $(cat "$work/body")"
	crash
	trail_has PERMISSION_DENIED 'bad command MAC'
}

"$1"
