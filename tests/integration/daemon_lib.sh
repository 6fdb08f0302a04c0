# Sourced by the medsecd integration tests (daemon_basic.sh, daemon_api.sh,
# daemon_audit_durable.sh): the checks that skip a run, the scratch
# directory, a device provisioned with the CLI, the daemon started in the
# foreground on a plain-HTTP debug listener on loopback, and curl as the
# client. Not a test by itself (CTest runs the files that source it).
#
# Set before sourcing: daemon_test (names the scratch directory), and
# optionally device_id. Hooks a test file may define: conf_more (printed
# at the end of the configuration), provision_more (run after the users
# are made), cleanup_more (run at exit, before the scratch directory
# goes). [limits] keys may be given as variables: login_burst, login_rate,
# request_burst, request_rate; limits_more adds lines to [limits].
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}" "${MEDSEC_BINARY_DIR:?}"
MEDSECD=$MEDSEC_BINARY_DIR/bin/medsecd
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the worker drops to nobody)"; exit 77; }
[ -x "$MEDSECD" ] || { echo "SKIP: medsecd not built"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: needs curl"; exit 77; }
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }

work=$(mktemp -d "/tmp/medsecd-${daemon_test:-test}-XXXXXX")
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
	if declare -F cleanup_more >/dev/null; then cleanup_more; fi
	[ -n "${MEDSEC_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=provision_once.sh
. "$(dirname "${BASH_SOURCE[0]}")/provision_once.sh"

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
${limits_more:-}
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
$(if declare -F conf_more >/dev/null; then conf_more; fi)
CONF
	chmod 600 "$conf"
}

msd() { "$MEDSEC" "$@" --state "$state"; }
ms() { msd "$@"; }

# A device with an administrator (chief), a clinician (nurse01) and an
# auditor (aud01), made with the CLI before the daemon holds the device:
# once per test file and configuration, then copied (provision_once.sh).
# A test file whose provision_more makes files outside the state
# directory names them in provision_keeps (paths relative to $work).
provision() { # [allow]
	write_conf "${1:-}"
	provision_once "dev ${provision_keeps:-}" provision_device "${device_id:-daemon-test-01}"
}

provision_device() {
	"$MEDSEC" init --state "$state" --config "$conf" --device-id "${device_id:-daemon-test-01}" >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
	code=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' "$work/init.out" | head -1)
	printf '%s\n%s\n' "$code" "$admin_pw" | msd user setup chief --password-stdin >"$work/setup.out" 2>&1 || die "setup: $(cat "$work/setup.out")"
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | msd user add nurse01 --role clinician --as chief --password-stdin >"$work/add.out" 2>&1 || die "add: $(cat "$work/add.out")"
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | msd passwd nurse01 --password-stdin >"$work/pw.out" 2>&1 || die "passwd: $(cat "$work/pw.out")"
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | msd user add aud01 --role auditor --as chief --password-stdin >"$work/add.out" 2>&1 || die "add: $(cat "$work/add.out")"
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | msd passwd aud01 --password-stdin >"$work/pw.out" 2>&1 || die "passwd: $(cat "$work/pw.out")"
	if declare -F provision_more >/dev/null; then provision_more; fi
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

# The daemon on the device provisioned; "nowait" when it is expected not
# to serve (a configuration that refuses every client).
launch() { # [nowait]
	"$MEDSECD" -f -c "$conf" >"$work/d.log" 2>&1 &
	daemon_pid=$!
	if [ -z "${1:-}" ]; then wait_ready; else sleep 0.5; fi
}

start() { # [allow]
	provision "${1:-}"
	launch "${1:-}"
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

body_has() { grep -q -- "$1" "$work/body" || die "body lacks $1: $(cat "$work/body")"; }

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
	grep "\"$1\"" "$work/trail.jsonl" | grep -q -- "${2:-.}" || die "no $1 record ${2:-} in the trail"
}

# A control command signed as a client does: HMAC-SHA-256 under the
# session's control key over "seq\ncommand\nargs" (args compact, keys
# sorted: jq -cS), with openssl; no interpreter is started per command.
control() { # token key seq command args-json [mac-override]
	local mac args hexkey
	args=$(printf '%s' "$5" | jq -cS .) || die "control: args not JSON: $5"
	if [ -n "${6:-}" ]; then
		mac=$6
	else
		hexkey=$(printf '%s' "$2" | base64 -d | od -An -tx1 | tr -d ' \n')
		mac=$(printf '%s\n%s\n%s' "$3" "$4" "$args" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64)
	fi
	req POST /v1/control "$1" "{\"seq\":$3,\"command\":\"$4\",\"args\":$5,\"mac\":\"$mac\"}"
}
