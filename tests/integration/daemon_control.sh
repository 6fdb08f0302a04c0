#!/bin/bash
# medsecd's local control socket (<state>/medsecd.sock): while the daemon
# holds the device, `medsec user revoke-cert|disable|enable|unlock` send
# their request to it, the daemon makes the change as the administrator
# named (password checked as an API login), puts a revocation in force at
# once and closes the revoked peer's live connections. Only the daemon's
# own user may talk; bad requests change nothing; a silent client is cut
# off by a timeout; the socket lives and dies with the daemon.
#
# Run by CTest as: bash daemon_control.sh <test_name>. Skips (77) unless
# root (the worker drops to nobody) or a tool is missing.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}" "${MEDSEC_BINARY_DIR:?}"
MEDSECD=$MEDSEC_BINARY_DIR/bin/medsecd
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the worker drops to nobody)"; exit 77; }
[ -x "$MEDSECD" ] || { echo "SKIP: medsecd not built"; exit 77; }
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }
for t in curl openssl python3 setpriv; do
	command -v "$t" >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done

attacks=$MEDSEC_SOURCE_DIR/tests/attacks/daemon
: "${MEDSEC_ATTACK_RESULTS:=$MEDSEC_BINARY_DIR/attack-results}"
export MEDSEC_ATTACK_RESULTS=$MEDSEC_ATTACK_RESULTS/daemon
# shellcheck source=../attacks/daemon/lib.sh
. "$attacks/lib.sh"
# shellcheck source=provision_once.sh
. "$(dirname "$0")/provision_once.sh"

work=$(mktemp -d /tmp/medsecd-control-XXXXXX)
chmod 755 "$work"
state=$work/dev
sock=$state/medsecd.sock
conf=$work/medsecd.conf
pki=$work/pki
admin_pw='Adm1n-Pass!word'
nurse_pw='Correct-Horse-7'
initial_pw='Initial-Pass-4u'
daemon_pid=
client=
export MEDSEC_ATTACK_CA=$pki/ca.pem MEDSEC_ATTACK_SNI=localhost

die() { echo "FAIL: $*" >&2; [ -f "$work/d.log" ] && tail -40 "$work/d.log" | sed 's/^/  medsecd: /' >&2; exit 1; }

cleanup() {
	if [ -n "$client" ] && kill -0 "$client" 2>/dev/null; then
		kill "$client"; wait "$client" 2>/dev/null
	fi
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
	fi
	[ -n "${MEDSEC_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_conf() {
	cat >"$conf" <<CONF
[device]
state_dir = $state
[auth]
max_failures = 3
source_max_failures = 50
[listen]
api = 127.0.0.1:$api_port
api_allow = 127.0.0.0/8
peer = 127.0.0.1:$peer_port
peer_allow = 127.0.0.0/8
[tls]
cert_file = $pki/server-chain.pem
key_file = $pki/server.key
peer_ca_file = $pki/ca.pem
crl_file = $pki/crl.pem
[limits]
header_timeout = 60
idle_timeout = 60
[daemon]
user = nobody
restart_backoff_max = 2
control_socket = ${control_socket:-on}
[incident]
contact = Example Medical Co. product security
email = security@example.com
CONF
	chmod 600 "$conf"
}

ms() { "$MEDSEC" "$@" --state "$state"; }

provision() {
	write_conf
	provision_once "pki dev" provision_device "mkpki $(sha256sum <"$MEDSEC_SOURCE_DIR/tests/pki/mkpki.sh")"
}

provision_device() {
	"$MEDSEC_SOURCE_DIR/tests/pki/mkpki.sh" "$pki" >/dev/null || die "mkpki"
	chmod 644 "$pki"/*.pem
	chmod 600 "$pki"/*.key
	write_conf
	"$MEDSEC" init --state "$state" --config "$conf" --device-id control-gw-01 >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
	code=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' "$work/init.out" | head -1)
	printf '%s\n%s\n' "$code" "$admin_pw" | ms user setup chief --password-stdin >"$work/o" 2>&1 || die "setup: $(cat "$work/o")"
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | ms user add nurse01 --role clinician --as chief --password-stdin >"$work/o" 2>&1 || die "add: $(cat "$work/o")"
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | ms passwd nurse01 --password-stdin >"$work/o" 2>&1 || die "passwd: $(cat "$work/o")"
	printf '%s\n' "$admin_pw" | ms user add collector01 --role machine --cert-sha256 "$(cat "$pki/client-good.sha256")" --as chief --password-stdin >"$work/o" 2>&1 || die "peer add: $(cat "$work/o")"
}

worker_pid() { pgrep -P "$daemon_pid" -f medsecd | head -1; }

api() { # curl args... against the API over TLS
	curl -s --max-time 10 --cacert "$pki/ca.pem" --resolve "localhost:$api_port:127.0.0.1" "$@"
}

health() { api -o /dev/null -w '%{http_code}' "https://localhost:$api_port/v1/health"; }

wait_ready() {
	local i
	for i in $(seq 200); do
		[ "$(health)" = 200 ] && [ -n "$(worker_pid)" ] && [ -S "$sock" ] && return 0
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	die "medsecd not ready"
}

launch() {
	"$MEDSECD" -f -c "$conf" >"$work/d.log" 2>&1 &
	daemon_pid=$!
	wait_ready
	url=https://localhost:$api_port
}

start() {
	api_port=${api_port:-$(free_port)}
	peer_port=${peer_port:-$(free_port)}
	provision
	launch
}

stop_and_trail() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	local st=$?
	daemon_pid=
	[ "$st" = 0 ] || die "medsecd exited $st on SIGTERM"
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/trail.jsonl" 2>"$work/o" || die "export: $(cat "$work/o")"
	"$MEDSEC" audit verify --state "$state" >"$work/o" 2>&1 || die "audit verify: $(cat "$work/o")"
}

trail_has() { # event [pattern]
	grep "\"$1\"" "$work/trail.jsonl" | grep -q -- "${2:-.}" || die "no $1 record ${2:-} in the trail"
}

# The administrator's record from the control socket: actor chief, the
# local source naming the uid and the client's pid.
local_source='"local:uid=0,pid=[0-9][0-9]*"'

# Nothing was reloaded by a signal: SIGHUP records CONFIG_CHANGED
# "reloaded" on the configuration file, the watcher "changed in the
# database"; the control socket's change is neither.
no_signal_reload() {
	! grep '"CONFIG_CHANGED"' "$work/trail.jsonl" | grep -q -e '"reloaded"' -e 'changed in the database' ||
	    die "the change was applied by a reload, not by the control socket: $(grep CONFIG_CHANGED "$work/trail.jsonl")"
}

login_status() { # user password -> HTTP status of POST /v1/session
	api -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}" "$url/v1/session"
}

# A peer's live keep-alive connection with the given client certificate,
# served once; $client is its process, $out its transcript.
live_peer() { # name
	out=$MEDSEC_ATTACK_RESULTS/python
	mkdir -p "$out"
	out=$out/${FUNCNAME[1]}-live-connection-$1
	"$MEDSEC_PYTHON" "$attacks/keepalive.py" 127.0.0.1 "$peer_port" "$pki/ca.pem" \
	    "$pki/client-$1.pem" "$pki/client-$1.key" /v1/peer 40 idle >"$out.txt" 2>&1 &
	client=$!
	local i
	for i in $(seq 100); do grep -q '^200' "$out.txt" && break; sleep 0.1; done
	grep -q '^200 .*collector01' "$out.txt" || die "the peer's keep-alive connection was not served: $(cat "$out.txt")"
}

# The live connection closes by itself (no signal is sent to anyone) and a
# new handshake with the certificate is refused with certificate_revoked.
revoked_peer_shut_out() { # name
	wait "$client" || die "the revoked peer's live connection stayed open: $(tail -5 "$out.txt")"
	client=
	grep -q '^closed' "$out.txt" || die "no close after the revocation: $(cat "$out.txt")"
	_ma_s_client "$out.new-handshake.txt" 127.0.0.1 "$peer_port" "$pki/ca.pem" \
	    'GET /v1/peer HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' -tls1_3 \
	    -cert "$pki/client-$1.pem" -key "$pki/client-$1.key"
	! _ma_http_answered "$out.new-handshake.txt" && [ "$(_ma_alert "$out.new-handshake.txt" | cut -d' ' -f1)" = 44 ] ||
	    die "a new handshake of the revoked peer was not refused with alert 44: $(_ma_alert "$out.new-handshake.txt")"
}

peer_served() { # name -> HTTP status of GET /v1/peer with that certificate
	curl -s --max-time 10 --cacert "$pki/ca.pem" --cert "$pki/client-$1.pem" \
	    --key "$pki/client-$1.key" --resolve "localhost:$peer_port:127.0.0.1" \
	    -o /dev/null -w '%{http_code}' "https://localhost:$peer_port/v1/peer"
}

# Raw bytes (a file) to the control socket, as user (default root); the
# reply, or "refused: <errno name>" when the connection is not made.
ctl_raw() { # file [user]
	local run=()
	[ -n "${2:-}" ] && run=(setpriv --reuid="$2" --regid="$(id -g "$2")" --clear-groups)
	"${run[@]}" "$MEDSEC_PYTHON" - "$sock" "$1" <<'PY'
import errno, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("refused: " + errno.errorcode.get(e.errno, str(e.errno)))
    sys.exit(0)
data = open(sys.argv[2], "rb").read()
if data:
    s.sendall(data)
reply = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
print(reply.decode(errors="replace").strip())
PY
}

# ---- revocation while the daemon runs (MFDS 1.6) ----

# An administrator on the device types `medsec user revoke-cert` while the
# gateway runs: the CLI finds the device held and the daemon answering on
# its control socket, the daemon revokes as chief, the live connection of
# that peer closes and a new handshake is refused, all without a signal.
test_req_1_6_cli_revoke_cert_while_daemon_runs_closes_live_connection() {
	start
	local fp
	fp=$(cat "$pki/client-good.sha256")
	live_peer good
	printf '%s\n' "$admin_pw" | ms user revoke-cert "$fp" --as chief --password-stdin --subject collector01 --reason "key compromise" >"$work/o" 2>"$work/e" ||
	    die "revoke-cert while medsecd runs: $(cat "$work/o" "$work/e")"
	grep -q 'medsecd is running and made the change' "$work/e" || die "no word that medsecd made the change: $(cat "$work/e")"
	revoked_peer_shut_out good
	kill -0 "$daemon_pid" || die "medsecd exited"
	stop_and_trail
	trail_has CERT_REVOKED "\"chief\".*$local_source.*\"collector01\".*key compromise.*\"cert_sha256\":\"$fp\""
	trail_has LOGIN_SUCCESS "\"chief\".*$local_source"
	trail_has PEER_REFUSED "$fp.*live connection closed"
	trail_has TLS_FAILURE '"revoked (revocation list)"'
	no_signal_reload
	ms user revocation-list | grep -q "$fp" || die "the revocation is not in the database"
}

# Disabling a machine account revokes its certificate: through the
# control socket its live connection closes at once. A person's account
# disabled the same way cannot log in, and enabled again can.
test_req_1_6_cli_disable_peer_while_daemon_runs() {
	start
	local st
	live_peer good
	printf '%s\n' "$admin_pw" | ms user disable collector01 --as chief --password-stdin >"$work/o" 2>"$work/e" ||
	    die "disable while medsecd runs: $(cat "$work/o" "$work/e")"
	grep -qx 'collector01: disable done' "$work/o" || die "not the direct path's text: $(cat "$work/o")"
	revoked_peer_shut_out good
	printf '%s\n' "$admin_pw" | ms user disable nurse01 --as chief --password-stdin >"$work/o" 2>"$work/e" || die "disable nurse01: $(cat "$work/e")"
	st=$(login_status nurse01 "$nurse_pw")
	[ "$st" = 403 ] && grep -q account_disabled "$work/body" || die "a disabled account logged in: $st $(cat "$work/body")"
	printf '%s\n' "$admin_pw" | ms user enable nurse01 --as chief --password-stdin >"$work/o" 2>"$work/e" || die "enable nurse01: $(cat "$work/e")"
	grep -qx 'nurse01: enable done' "$work/o" || die "not the direct path's text: $(cat "$work/o")"
	st=$(login_status nurse01 "$nurse_pw")
	[ "$st" = 201 ] || die "an enabled account cannot log in: $st $(cat "$work/body")"
	stop_and_trail
	trail_has USER_DISABLED "\"chief\".*$local_source.*collector01"
	trail_has CERT_REVOKED "\"chief\".*$local_source.*\"collector01\".*peer disabled"
	trail_has PEER_REFUSED "$(cat "$pki/client-good.sha256").*live connection closed"
	trail_has USER_DISABLED "\"chief\".*$local_source.*nurse01"
	no_signal_reload
}

# Fail closed: a revocation that is stored but whose list cannot be put
# in force is never reported as done. Here the list cannot be parsed (a
# malformed entry committed to the database behind the daemon's back), so
# the daemon restarts its worker, which closes the peer's live connection,
# refuses the revoked peer's requests from the database, records why, and
# the CLI says the revocation is stored but not applied (exit 1).
test_req_1_6_revocation_not_in_force_restarts_worker_and_is_reported() {
	start
	local fp i st
	fp=$(cat "$pki/client-good.sha256")
	live_peer good
	"$MEDSEC_PYTHON" - "$state/medsec.db" <<'PY' || die "the malformed entry was not committed"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
with db:
    db.execute("INSERT INTO revoked_certificate (cert_sha256, subject, revoked_us, reason) "
               "VALUES ('not-a-digest', 'junk', ?, 'malformed')", (int(time.time() * 1e6),))
db.close()
PY
	printf '%s\n' "$admin_pw" | ms user revoke-cert "$fp" --as chief --password-stdin --subject collector01 >"$work/o" 2>"$work/e" &&
	    die "a revocation not in force was reported as done: $(cat "$work/o" "$work/e")"
	grep -q 'medsecd refused (revocation_not_applied).*stored' "$work/e" || die "not the fail-closed report: $(cat "$work/e")"
	wait "$client" || die "the revoked peer's live connection stayed open: $(tail -5 "$out.txt")"
	client=
	for i in $(seq 100); do
		st=$(peer_served good)
		[ "$st" != 000 ] && break
		sleep 0.1
	done
	[ "$st" = 403 ] || die "the revoked peer got $st from the restarted worker"
	stop_and_trail
	trail_has CERT_REVOKED "\"chief\".*$local_source.*\"collector01\""
	trail_has CONFIG_CHANGED "\"chief\".*$local_source.*\"revocation list\".*\"failure\".*worker restarted"
	trail_has PEER_REFUSED "$fp"
}

# A user locked out by failed logins over the API is unlocked by the
# administrator on the device while the daemon runs, and can log in at
# once (MFDS 1.4: the lockout is released only by an administrator).
test_req_1_4_cli_unlock_locked_user_while_daemon_runs() {
	start
	local i st
	for i in 1 2 3; do login_status nurse01 "wrong-$i" >/dev/null; done
	st=$(login_status nurse01 "$nurse_pw")
	[ "$st" = 403 ] && grep -q account_locked "$work/body" || die "nurse01 not locked: $st $(cat "$work/body")"
	printf '%s\n' "$admin_pw" | ms user unlock nurse01 --as chief --password-stdin >"$work/o" 2>"$work/e" ||
	    die "unlock while medsecd runs: $(cat "$work/o" "$work/e")"
	grep -qx 'nurse01: unlock done' "$work/o" || die "not the direct path's text: $(cat "$work/o")"
	st=$(login_status nurse01 "$nurse_pw")
	[ "$st" = 201 ] || die "nurse01 still refused after the unlock: $st $(cat "$work/body")"
	stop_and_trail
	trail_has ACCOUNT_LOCKED nurse01
	trail_has ACCOUNT_UNLOCKED "\"chief\".*$local_source.*nurse01"
}

# A wrong administrator password over the socket: refused with the
# daemon's message, counted toward chief's lockout and recorded; nothing
# is revoked and the peer is still served.
test_req_1_4_control_socket_wrong_password_counted_and_audited() {
	start
	local fp
	fp=$(cat "$pki/client-good.sha256")
	printf '%s\n' 'Not-The-Password-1' | ms user revoke-cert "$fp" --as chief --password-stdin >"$work/o" 2>"$work/e" &&
	    die "revoke-cert with a wrong password succeeded: $(cat "$work/o" "$work/e")"
	grep -q 'medsecd refused (invalid_credentials)' "$work/e" || die "not the daemon's refusal: $(cat "$work/e")"
	[ "$(peer_served good)" = 200 ] || die "the peer is no longer served after a refused revocation"
	stop_and_trail
	trail_has LOGIN_FAILURE "\"chief\".*$local_source"
	! grep -q '"CERT_REVOKED"' "$work/trail.jsonl" || die "a certificate was revoked: $(grep CERT_REVOKED "$work/trail.jsonl")"
	ms user list >"$work/o" 2>&1 || die "user list: $(cat "$work/o")"
	grep -Eq '^chief .* 1$' "$work/o" || die "the failure was not counted toward chief's lockout: $(cat "$work/o")"
	! ms user revocation-list | grep -q "$fp" || die "the certificate is on the revocation list"
}

# Only the daemon's own user may talk. The socket is 0600 and root's, so
# the service user (the worker's, here nobody) cannot even connect; with
# the file's mode loosened by mistake, the peer-credential check still
# refuses the connection, and records it.
test_control_socket_refuses_other_uid() {
	start
	[ "$(stat -c '%a %u %F' "$sock")" = "600 0 socket" ] || die "socket mode/owner: $(stat -c '%a %u %F' "$sock")"
	printf '{"op":"unlock","as":"chief","password":"x","target":"nurse01"}\n' >"$work/req"
	chmod 644 "$work/req"
	ctl_raw "$work/req" nobody >"$work/r"
	grep -q '^refused: EACCES' "$work/r" || die "the service user reached the socket: $(cat "$work/r")"
	# Nor does the worker hold the listening socket by inheritance: the
	# monitor has it open, the worker does not.
	local ino
	# (The kernel shows the path it was bound by, /proc/self/fd/N/...:
	# the listening medsecd.sock among the monitor's own sockets.)
	ino=$(ls -l "/proc/$daemon_pid/fd" | grep -o 'socket:\[[0-9]*\]' | tr -dc '0-9\n' |
	    while read -r i; do awk -v i="$i" '$7 == i && $6 == "01" && $8 ~ /\/medsecd\.sock$/ { print i }' /proc/net/unix; done | head -1)
	[ -n "$ino" ] || die "the monitor holds no listening medsecd.sock"
	! ls -l "/proc/$(worker_pid)/fd" | grep -q "socket:\[$ino\]" || die "the worker inherited the control socket"
	chmod 755 "$state"
	chmod 666 "$sock"
	ctl_raw "$work/req" nobody >"$work/r"
	grep -q '"code":"permission_denied"' "$work/r" || die "a connection of another uid was served: $(cat "$work/r")"
	[ "$(health)" = 200 ] || die "the API stopped answering"
	stop_and_trail
	trail_has PERMISSION_DENIED '"local:uid=65534,pid=[0-9]*".*"control socket"'
	! grep '"LOGIN_' "$work/trail.jsonl" | grep -q 'local:uid=65534' || die "the other uid's request was read"
}

# Oversized, malformed and unknown requests are refused by name before any
# password work and change nothing; a client that says nothing is closed
# by the read timeout while the API keeps answering.
test_control_socket_bad_requests_refused_silent_client_closed() {
	start
	local silent
	python3 -c 'import sys; sys.stdout.write("{\"op\":\"unlock\",\"password\":\"" + "p" * 5000 + "\"}\n")' >"$work/req"
	ctl_raw "$work/req" >"$work/r"
	grep -q '"code":"too_large".*over 4096 bytes' "$work/r" || die "oversized: $(cat "$work/r")"
	printf '{"op":"unlock", "as":\n' >"$work/req"
	ctl_raw "$work/req" >"$work/r"
	grep -q '"code":"invalid_request".*not JSON' "$work/r" || die "malformed: $(cat "$work/r")"
	printf '{"op":"reboot","as":"chief","password":"%s","target":"nurse01"}\n' "$admin_pw" >"$work/req"
	ctl_raw "$work/req" >"$work/r"
	grep -q '"code":"invalid_request".*unknown operation \\"reboot\\"' "$work/r" || die "unknown op: $(cat "$work/r")"
	printf '{"op":"unlock","as":"chief","password":"%s","target":"nurse01","force":"yes"}\n' "$admin_pw" >"$work/req"
	ctl_raw "$work/req" >"$work/r"
	grep -q 'unknown member \\"force\\"' "$work/r" || die "unknown member: $(cat "$work/r")"
	printf '{"op":"revoke-cert","as":"chief","password":"%s","target":"ABC123"}\n' "$admin_pw" >"$work/req"
	ctl_raw "$work/req" >"$work/r"
	grep -q 'target \\"ABC123\\" is not a certificate' "$work/r" || die "bad fingerprint: $(cat "$work/r")"
	# The silent client: connected, sending nothing, answered by the timeout.
	: >"$work/empty"
	ctl_raw "$work/empty" >"$work/silent" &
	silent=$!
	[ "$(health)" = 200 ] || die "the API did not answer while a control client was silent"
	wait "$silent" || die "the silent client failed"
	grep -q '"code":"timeout"' "$work/silent" || die "the silent client was not closed by the timeout: $(cat "$work/silent")"
	[ "$(health)" = 200 ] || die "the API stopped answering"
	stop_and_trail
	! grep 'local:uid=' "$work/trail.jsonl" | grep -q -e '"LOGIN_' -e '"CERT_REVOKED"' -e '"ACCOUNT_UNLOCKED"' ||
	    die "a refused request reached a login or a change: $(grep 'local:uid=' "$work/trail.jsonl")"
}

# The socket exists while the daemon runs and is listed as a service; it
# is gone after SIGTERM; one that answers is never taken over, a stale
# file from a crash is replaced at start; a second medsecd on the same
# device is refused and the first keeps its socket.
test_control_socket_lifecycle() {
	api_port=$(free_port)
	peer_port=$(free_port)
	provision
	"$MEDSECD" -c "$conf" --print-services >"$work/svc" || die "print-services failed"
	grep -q "^control unix $sock" "$work/svc" || die "the control socket is not listed: $(cat "$work/svc")"
	# A live socket someone answers on is not taken over: medsecd refuses
	# to start and leaves it as it is.
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4); time.sleep(120)' "$sock" &
	client=$!
	local i
	for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || die "no live socket made"
	"$MEDSECD" -f -c "$conf" >"$work/taken.log" 2>&1 && die "medsecd started over a live control socket"
	grep -q 'another medsecd answers on .*medsecd.sock' "$work/taken.log" || die "the refusal's message: $(cat "$work/taken.log")"
	[ -S "$sock" ] || die "the live socket was removed"
	# Its owner killed, the file stays behind as a crash leaves it: stale.
	kill "$client"
	wait "$client" 2>/dev/null
	client=
	[ -S "$sock" ] || die "no stale socket left"
	launch
	grep -q 'replacing .*medsecd.sock' "$work/d.log" || die "the stale socket was not replaced: $(cat "$work/d.log")"
	printf '{"op":"enable","as":"chief","password":"%s","target":"nurse01"}\n' "$admin_pw" >"$work/req"
	ctl_raw "$work/req" >"$work/r"
	grep -q '"status":0,"code":"done"' "$work/r" || die "the replaced socket does not answer: $(cat "$work/r")"
	"$MEDSECD" -f -c "$conf" >"$work/second.log" 2>&1 && die "a second medsecd started on the same device"
	grep -q 'another process is writing the audit trail' "$work/second.log" || die "the second medsecd's message: $(cat "$work/second.log")"
	[ -S "$sock" ] || die "the second medsecd removed the first one's socket"
	ctl_raw "$work/req" >"$work/r"
	grep -q '"code":"done"' "$work/r" || die "the first medsecd's socket stopped answering: $(cat "$work/r")"
	stop_and_trail
	[ ! -e "$sock" ] || die "the socket is still there after SIGTERM"
}

# control_socket = off: no socket, and the CLI gets the device's BUSY
# refusal, as before the socket existed.
test_control_socket_off_leaves_cli_busy() {
	control_socket=off
	start_nowait_socket
	[ ! -e "$sock" ] || die "a socket was made with control_socket = off"
	printf '%s\n' "$admin_pw" | ms user unlock nurse01 --as chief --password-stdin >"$work/o" 2>"$work/e" &&
	    die "the CLI changed a device held by medsecd"
	grep -q 'another process is writing the audit trail' "$work/e" || die "not the BUSY refusal: $(cat "$work/e")"
	"$MEDSECD" -c "$conf" --print-services >"$work/svc" || die "print-services failed"
	! grep -q '^control' "$work/svc" || die "an unbound control socket is listed: $(cat "$work/svc")"
	stop_and_trail
}

start_nowait_socket() {
	api_port=$(free_port)
	peer_port=$(free_port)
	provision
	"$MEDSECD" -f -c "$conf" >"$work/d.log" 2>&1 &
	daemon_pid=$!
	local i
	for i in $(seq 200); do
		[ "$(health)" = 200 ] && [ -n "$(worker_pid)" ] && break
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	url=https://localhost:$api_port
}

"$1"
