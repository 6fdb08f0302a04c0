#!/bin/bash
# The attack catalog's T (TLS), H (flood), F3 (smuggling) rows and the
# hydra login attack, run with the real tools against a running medsecd
# on loopback: the operator API over server-authenticated TLS 1.3 and the
# machine-peer listener over mutual TLS. The tools' raw output goes to
# $MEDSEC_ATTACK_RESULTS/daemon (make report collects it). Each test is
# bounded in time; see tests/attacks/daemon/README.md for the pass rules.
#
# Run by CTest as: bash daemon_attacks.sh <test_name>. Skips (77) unless
# root (the worker drops to nobody), or when a tool is missing. The
# sanitizer suite runs the attacks that exercise the daemon's parsers and
# TLS refusals; the long tool runs (testssl, slowhttptest, wrk, hydra, the
# full port scan) run in the normal suite only.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}" "${MEDSEC_BINARY_DIR:?}"
MEDSECD=$MEDSEC_BINARY_DIR/bin/medsecd
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the worker drops to nobody)"; exit 77; }
[ -x "$MEDSECD" ] || { echo "SKIP: medsecd not built"; exit 77; }
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }
for t in curl openssl python3 socat; do
	command -v "$t" >/dev/null || { echo "SKIP: needs $t"; exit 77; }
done

attacks=$MEDSEC_SOURCE_DIR/tests/attacks/daemon
: "${MEDSEC_ATTACK_RESULTS:=$MEDSEC_BINARY_DIR/attack-results}"
export MEDSEC_ATTACK_RESULTS=$MEDSEC_ATTACK_RESULTS/daemon
export MEDSEC_ATTACK_WRK_SECONDS=${MEDSEC_ATTACK_WRK_SECONDS:-8}
export MEDSEC_ATTACK_SLOW_SECONDS=${MEDSEC_ATTACK_SLOW_SECONDS:-15}
export MEDSEC_ATTACK_SLOW_CONNECTIONS=${MEDSEC_ATTACK_SLOW_CONNECTIONS:-300}
# shellcheck source=../attacks/daemon/lib.sh
. "$attacks/lib.sh"
# shellcheck source=provision_once.sh
. "$(dirname "$0")/provision_once.sh"

work=$(mktemp -d /tmp/medsecd-attacks-XXXXXX)
chmod 755 "$work"
state=$work/dev
conf=$work/medsecd.conf
pki=$work/pki
admin_pw='Adm1n-Pass!word'
nurse_pw='Correct-Horse-7'
initial_pw='Initial-Pass-4u'
daemon_pid=
export MEDSEC_ATTACK_CA=$pki/ca.pem MEDSEC_ATTACK_SNI=localhost

die() { echo "FAIL: $*" >&2; [ -f "$work/d.log" ] && tail -40 "$work/d.log" | sed 's/^/  medsecd: /' >&2; exit 1; }

cleanup() {
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
	fi
	[ -n "${MEDSEC_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# The long tool runs: the normal suite only.
long_run() {
	case ${MEDSEC_SANITIZED:-OFF} in
	ON | on | 1 | TRUE | true)
		echo "SKIP: $1 runs in the normal suite (a long tool run; the sanitizer suite covers the daemon's parsers)"
		exit 77 ;;
	esac
}

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed"; exit 77; }
	done
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_conf() {
	cat >"$conf" <<CONF
[device]
state_dir = $state
[auth]
max_failures = 5
source_max_failures = 2000
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
handshake_timeout = 3
[limits]
header_timeout = ${header_timeout:-3}
body_timeout = 5
write_timeout = 5
idle_timeout = ${idle_timeout:-10}
max_connections = 400
source_connections = ${source_connections:-16}
connection_rate = ${connection_rate:-40}
request_rate = ${request_rate:-50}
request_burst = ${request_burst:-100}
login_rate = ${login_rate:-20}
login_burst = ${login_burst:-40}
[daemon]
user = nobody
restart_backoff_max = 2
[incident]
contact = Example Medical Co. product security
email = security@example.com
CONF
	chmod 600 "$conf"
}

ms() { "$MEDSEC" "$@" --state "$state"; }

# The PKI and the device, once per configuration (provision_once.sh).
provision() {
	write_conf
	provision_once "pki dev" provision_device "mkpki $(sha256sum <"$MEDSEC_SOURCE_DIR/tests/pki/mkpki.sh")"
}

provision_device() {
	"$MEDSEC_SOURCE_DIR/tests/pki/mkpki.sh" "$pki" >/dev/null || die "mkpki"
	chmod 644 "$pki"/*.pem
	chmod 600 "$pki"/*.key
	write_conf
	"$MEDSEC" init --state "$state" --config "$conf" --device-id attack-gw-01 >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
	code=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' "$work/init.out" | head -1)
	printf '%s\n%s\n' "$code" "$admin_pw" | ms user setup chief --password-stdin >"$work/o" 2>&1 || die "setup: $(cat "$work/o")"
	printf '%s\n%s\n' "$admin_pw" "$initial_pw" | ms user add nurse01 --role clinician --as chief --password-stdin >"$work/o" 2>&1 || die "add: $(cat "$work/o")"
	printf '%s\n%s\n' "$initial_pw" "$nurse_pw" | ms passwd nurse01 --password-stdin >"$work/o" 2>&1 || die "passwd: $(cat "$work/o")"
	# The peers: the good and the revoked client certificates are known
	# machines; the revoked one is then revoked by fingerprint too.
	printf '%s\n' "$admin_pw" | ms user add collector01 --role machine --cert-sha256 "$(cat "$pki/client-good.sha256")" --as chief --password-stdin >"$work/o" 2>&1 || die "peer add: $(cat "$work/o")"
	printf '%s\n' "$admin_pw" | ms user add collector02 --role machine --cert-sha256 "$(cat "$pki/client-revoked.sha256")" --as chief --password-stdin >"$work/o" 2>&1 || die "peer add: $(cat "$work/o")"
	printf '%s\n' "$admin_pw" | ms user revoke-cert "$(cat "$pki/client-revoked.sha256")" --as chief --password-stdin >"$work/o" 2>&1 || die "revoke: $(cat "$work/o")"
}

worker_pid() { pgrep -P "$daemon_pid" -f medsecd | head -1; }

api() { # curl args... against the API over TLS
	curl -s --max-time 10 --cacert "$pki/ca.pem" --resolve "localhost:$api_port:127.0.0.1" "$@"
}

wait_ready() {
	local i
	for i in $(seq 200); do
		[ "$(api -o /dev/null -w '%{http_code}' "https://localhost:$api_port/v1/health")" = 200 ] &&
		    [ -n "$(worker_pid)" ] && return 0
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	die "medsecd not ready"
}

start() {
	api_port=${api_port:-$(free_port)}
	peer_port=${peer_port:-$(free_port)}
	provision
	"$MEDSECD" -f -c "$conf" >"$work/d.log" 2>&1 &
	daemon_pid=$!
	wait_ready
	MEDSEC_ATTACK_PIDS="$daemon_pid $(worker_pid)"
	export MEDSEC_ATTACK_PIDS
	url=https://localhost:$api_port
}

login() { # user password -> $token
	api -o "$work/body" -H 'Content-Type: application/json' \
	    --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}" "$url/v1/session" >/dev/null
	token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$work/body")
	[ -n "$token" ] || die "login of $1 failed: $(cat "$work/body")"
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

# ---- TLS (MFDS 1.15, 1.16, 1.17) ----

test_req_1_15_attack_t1_only_tls13_offered() {
	start
	attack_t1_downgrade 127.0.0.1 "$api_port" "$pki/ca.pem" || die "T1 on the API listener"
	attack_t1_downgrade 127.0.0.1 "$peer_port" "$pki/ca.pem" || true # mutual TLS: TLS 1.3 without a certificate is refused, so only the downgrade half applies
	stop_and_trail
	# Logged: one TLS_FAILURE per source, listener and reason, alert 70.
	trail_has TLS_FAILURE '"protocol version".*"listener":"api".*"alert":70'
	trail_has TLS_FAILURE '"protocol version".*"listener":"peer".*"alert":70'
}

test_req_1_17_attack_t8_testssl() {
	long_run testssl
	need testssl
	# testssl opens hundreds of connections from one source in bursts:
	# the flood guard is not what this scan is about.
	source_connections=400 connection_rate=500 start
	# The private test PKI's server certificate names no CRL or OCSP URI.
	printf 'cert_revocation\n' >"$work/allow"
	attack_t8_testssl 127.0.0.1 "$api_port" "$pki/ca.pem" "$work/allow" || die "T8 testssl"
}

test_req_1_17_attack_t8_sslscan_and_nmap_grade() {
	need sslscan nmap
	start
	attack_t8_sslscan 127.0.0.1 "$api_port" || die "T8 sslscan"
	attack_t8_nmap_grade 127.0.0.1 "$api_port" || die "T8 nmap"
}

test_req_1_15_attack_t10_no_early_data() {
	start
	attack_t10_0rtt 127.0.0.1 "$api_port" "$pki/ca.pem" /v1/health || die "T10"
}

# ---- peers (MFDS 1.5, 1.6) ----

peer() { # client-cert-name curl-args... against the peer listener (mutual TLS)
	local n=$1
	shift
	curl -s --max-time 10 --cacert "$pki/ca.pem" --cert "$pki/client-$n.pem" \
	    --key "$pki/client-$n.key" --resolve "localhost:$peer_port:127.0.0.1" "$@"
}

issue_client() { # name: a clientAuth certificate from the test CA, as mkpki makes them
	local n=$pki/client-$1
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$n.key" -subj "/CN=$1" -out "$n.csr" 2>/dev/null &&
	    printf 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n' >"$n.ext" &&
	    openssl x509 -req -in "$n.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
	    -CAcreateserial -days 30 -sha256 -extfile "$n.ext" -out "$n.pem" 2>/dev/null ||
	    die "cannot issue the client certificate $1"
	chmod 644 "$n.pem"
}

# T2-T6 on the peer listener: each bad certificate refused in the
# handshake with its alert, and each refusal logged as a TLS failure
# with its reason (one record per source and reason per interval).
test_req_1_6_attack_t2_t6_peer_certificates() {
	start
	attack_t2_t7_client_certs 127.0.0.1 "$peer_port" "$pki/ca.pem" "$pki" || die "T2-T6"
	stop_and_trail
	trail_has TLS_FAILURE '"no client certificate".*"alert":116'
	trail_has TLS_FAILURE '"unknown CA".*"alert":48'
	trail_has TLS_FAILURE '"certificate expired".*"alert":45'
	trail_has TLS_FAILURE '"certificate not yet valid"'
	trail_has TLS_FAILURE '"wrong certificate usage (no clientAuth)"'
	trail_has TLS_FAILURE '"revoked (\(CRL\|revocation list\))".*"alert":44'
	# Two certificates from other CAs, one record (aggregated).
	[ "$(grep -c '"unknown CA"' "$work/trail.jsonl")" = 1 ] || die "unknown CA recorded $(grep -c '"unknown CA"' "$work/trail.jsonl") times, expected once per interval"
}

# T7: a certificate of the right CA is mapped to a machine identity by
# its exact fingerprint; the request runs under that identity's roles, so
# a device certificate asking for operator routes is refused (403,
# recorded), and one whose fingerprint is no known machine is refused.
test_req_1_5_attack_t7_peer_identity_mapped_to_role() {
	start
	issue_client stranger
	local out code
	out=$MEDSEC_ATTACK_RESULTS/curl
	mkdir -p "$out"
	out=$out/t7-peer-identity
	code=$(peer good -o "$out.peer.json" -w '%{http_code}' "https://localhost:$peer_port/v1/peer")
	[ "$code" = 200 ] && grep -q '"peer":"collector01"' "$out.peer.json" &&
	    grep -q '"roles":\["machine"\]' "$out.peer.json" ||
	    die "T7: the good certificate is not mapped to collector01: $code $(cat "$out.peer.json")"
	code=$(peer good -o "$out.health.json" -w '%{http_code}' "https://localhost:$peer_port/v1/health")
	[ "$code" = 200 ] || die "T7: GET /v1/health as collector01: $code"
	for path in /v1/users /v1/audit; do
		code=$(peer good -o "$out.denied.json" -w '%{http_code}' "https://localhost:$peer_port$path")
		[ "$code" = 403 ] && grep -q '"permission_denied"' "$out.denied.json" ||
		    die "T7: GET $path as the device certificate: $code $(cat "$out.denied.json"), expected 403 permission_denied"
	done
	code=$(peer stranger -o "$out.stranger.json" -w '%{http_code}' "https://localhost:$peer_port/v1/health")
	[ "$code" = 403 ] && grep -q '"unknown_peer"' "$out.stranger.json" ||
	    die "T7: a certificate of no known machine: $code $(cat "$out.stranger.json"), expected 403 unknown_peer"
	stop_and_trail
	trail_has PERMISSION_DENIED '"collector01".*"users"'
	trail_has PERMISSION_DENIED '"collector01".*"audit"'
	trail_has PEER_REFUSED "$(cat "$pki/client-stranger.sha256").*unknown peer"
}

# A peer's live keep-alive connection with the given client certificate,
# served once; $client is its process, $out its transcript.
live_peer() { # name
	out=$MEDSEC_ATTACK_RESULTS/python
	mkdir -p "$out"
	# Named after the calling test too: two tests may run at once.
	out=$out/${FUNCNAME[1]}-live-connection-$1
	"$MEDSEC_PYTHON" "$attacks/keepalive.py" 127.0.0.1 "$peer_port" "$pki/ca.pem" \
	    "$pki/client-$1.pem" "$pki/client-$1.key" /v1/peer 40 idle >"$out.txt" 2>&1 &
	client=$!
	local i
	for i in $(seq 100); do grep -q '^200' "$out.txt" && break; sleep 0.1; done
	grep -q '^200 .*collector01' "$out.txt" || die "the peer's keep-alive connection was not served: $(cat "$out.txt")"
}

# The revoked peer's connection closes by itself (no signal is sent) and a
# new handshake of it is refused with certificate_revoked.
revoked_peer_shut_out() { # name
	wait "$client" || die "the revoked peer's live connection stayed open: $(tail -5 "$out.txt")"
	grep -q '^closed' "$out.txt" || die "no close after the revocation: $(cat "$out.txt")"
	_ma_s_client "$out.new-handshake.txt" 127.0.0.1 "$peer_port" "$pki/ca.pem" \
	    'GET /v1/peer HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' -tls1_3 \
	    -cert "$pki/client-$1.pem" -key "$pki/client-$1.key"
	! _ma_http_answered "$out.new-handshake.txt" && [ "$(_ma_alert "$out.new-handshake.txt" | cut -d' ' -f1)" = 44 ] ||
	    die "a new handshake of the revoked peer was not refused with alert 44: $(_ma_alert "$out.new-handshake.txt")"
}

# A revoked peer loses its live keep-alive connection, not only its next
# handshake. The trail's lock is the daemon's while it runs, so the
# administrator acts through the API: disabling a machine account revokes
# its certificate, and the daemon reloads the list at once. The header
# and idle timeouts are raised so that nothing but the revocation can end the idle
# connection within the test.
test_req_1_6_attack_revoked_peer_live_connection_closed() {
	header_timeout=60 idle_timeout=60 start
	local out client code
	live_peer good
	login chief "$admin_pw"
	code=$(api -o "$work/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" "$url/v1/users/collector01/disable")
	[ "$code" = 204 ] || die "disabling collector01: $code $(cat "$work/body")"
	revoked_peer_shut_out good
	stop_and_trail
	trail_has CERT_REVOKED collector01
	trail_has PEER_REFUSED "$(cat "$pki/client-good.sha256").*live connection closed"
	trail_has TLS_FAILURE '"revoked (revocation list)"'
}

# POST /v1/peers/revoke: an administrator revokes a peer certificate by
# its SHA-256 while the daemon runs (the CLI cannot: the daemon holds the
# trail's lock). Only after a fresh re-authentication; a malformed
# fingerprint is refused by name; the peer's live connection closes.
test_req_1_6_attack_peer_revoked_over_api_live_connection_closed() {
	header_timeout=60 idle_timeout=60 start
	local out client code fp
	fp=$(cat "$pki/client-good.sha256")
	live_peer good
	login chief "$admin_pw"
	code=$(api -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	    --data-binary "{\"fingerprint\":\"$fp\"}" "$url/v1/peers/revoke")
	[ "$code" = 403 ] && grep -q '"reauth_required"' "$work/body" || die "revocation without re-authentication: $code $(cat "$work/body")"
	api -o "$work/body" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	    --data-binary "{\"password\":\"$admin_pw\"}" "$url/v1/session/reauth" >/dev/null
	token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$work/body")
	[ -n "$token" ] || die "re-authentication: $(cat "$work/body")"
	code=$(api -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	    --data-binary '{"fingerprint":"ABC123"}' "$url/v1/peers/revoke")
	[ "$code" = 400 ] && grep -q "ABC123" "$work/body" || die "a malformed fingerprint: $code $(cat "$work/body")"
	grep -q '^closed' "$out.txt" && die "the connection closed before the revocation: $(cat "$out.txt")"
	code=$(api -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	    --data-binary "{\"fingerprint\":\"$fp\",\"reason\":\"key compromise\"}" "$url/v1/peers/revoke")
	[ "$code" = 200 ] && grep -q "\"fingerprint\":\"$fp\"" "$work/body" || die "revocation: $code $(cat "$work/body")"
	revoked_peer_shut_out good
	# A clinician may not revoke (user administration only).
	login nurse01 "$nurse_pw"
	code=$(api -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	    --data-binary "{\"fingerprint\":\"$(cat "$pki/client-revoked.sha256")\"}" "$url/v1/peers/revoke")
	[ "$code" = 403 ] && grep -q '"permission_denied"' "$work/body" || die "a clinician revoking: $code $(cat "$work/body")"
	stop_and_trail
	trail_has CERT_REVOKED '"chief".*key compromise'
	trail_has CERT_REVOKED 'fresh re-authentication'
	trail_has PEER_REFUSED "$fp.*live connection closed"
	trail_has PERMISSION_DENIED '"nurse01"'
}

# A revocation committed by another process while the daemon runs takes
# effect without a signal: the monitor's watcher sees the database change
# (PRAGMA data_version) and reloads the list as SIGHUP does. While medsecd
# runs it holds the trail's lock, so `medsec user revoke-cert` cannot
# open the device; the commit is made here by a second connection to the
# database, as the command makes it when it can. Nothing is signalled:
# the live keep-alive connection closes, a new handshake gets alert 44,
# and the reload is recorded.
test_req_1_6_attack_revoked_in_database_takes_effect_without_signal() {
	header_timeout=60 idle_timeout=60 start
	local out client fp
	fp=$(cat "$pki/client-good.sha256")
	live_peer good
	"$MEDSEC_PYTHON" - "$state/medsec.db" "$fp" <<'PY' || die "the revocation was not committed"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
with db:
    db.execute("INSERT INTO revoked_certificate (cert_sha256, subject, revoked_us, reason) "
               "VALUES (?, 'collector01', ?, 'key compromise')", (sys.argv[2], int(time.time() * 1e6)))
db.close()
PY
	revoked_peer_shut_out good
	kill -0 "$daemon_pid" || die "medsecd exited"
	stop_and_trail
	trail_has CONFIG_CHANGED '"revocation list".*changed in the database'
	trail_has PEER_REFUSED "$fp.*live connection closed"
	trail_has TLS_FAILURE '"revoked (revocation list)"'
}

# ---- floods and slow clients (MFDS 2.4) ----

test_req_2_4_attack_t11_stalled_handshakes() {
	start
	attack_t11_stalled_handshakes 127.0.0.1 "$api_port" 200 3 "$url/v1/health" || die "T11"
	stop_and_trail
	# Logged in aggregate: a record per source, not one per connection
	# (200 connections from 127.0.0.2..11, 20 each).
	trail_has TLS_FAILURE '"127.0.0.2".*"handshake timeout"'
	local n
	n=$(grep '"TLS_FAILURE"' "$work/trail.jsonl" | grep -c '"handshake timeout"')
	[ "$n" -le 20 ] || die "$n TLS_FAILURE records for 200 stalled handshakes from 10 sources: not aggregated"
}

test_req_2_4_attack_h1_request_flood() {
	long_run wrk
	need wrk
	request_rate=20 request_burst=40 start
	login chief "$admin_pw"
	# The in-limit probe comes from its own source and must get 200 (-f).
	attack_h1_wrk_flood "$url/v1/session" "$token" \
	    "curl -sS -f --max-time 5 --cacert $pki/ca.pem --resolve localhost:$api_port:127.0.0.1 --interface 127.0.0.60 -o /dev/null $url/v1/health" || die "H1"
	stop_and_trail
	trail_has THROTTLED
}

test_req_2_4_attack_h2_many_sources() {
	start
	attack_h2_many_sources 127.0.0.1 "$api_port" 16 400 || die "H2"
}

test_req_2_4_attack_h3_h4_h5_slow_clients() {
	long_run slowhttptest
	need slowhttptest
	# One source opens every slow connection: the per-source caps are
	# raised so the timeouts, not the caps, are what closes them.
	# A slow reader of a small answer has it all in its socket buffer:
	# the server then sees an idle keep-alive connection, let go after
	# idle_timeout, which is kept as short as the header timeout here.
	idle_timeout=3 source_connections=400 connection_rate=500 start
	attack_h3_slowloris "$url/v1/health" || die "H3"
	attack_h4_slow_body "$url/v1/session" || die "H4"
	attack_h5_slow_read "$url/v1/health" || die "H5"
}

test_req_2_4_attack_h6_oversized_inputs() {
	start
	attack_h6_oversized "$url/v1/session" || die "H6"
}

test_req_1_15_attack_f3_smuggling_refused() {
	start
	attack_f3_smuggling 127.0.0.1 "$api_port" "$pki/ca.pem" || die "F3"
}

# ---- attack surface (MFDS 1.19) ----

# The daemon and the scan in a namespace of their own: only its ports can
# be open there.
h8_inner() {
	start
	attack_h8_port_scan 127.0.0.1 "$api_port,$peer_port" || die "H8"
}

test_req_1_19_attack_h8_only_configured_ports_open() {
	long_run "the full port scan"
	need nmap unshare ip
	unshare -n true 2>/dev/null || { echo "SKIP: network namespaces not allowed"; exit 77; }
	run_in_netns bash "$0" h8_inner || die "H8 in a namespace"
}

# ---- login guessing (MFDS 1.3, 1.4) ----

test_req_1_4_attack_hydra_login_locks_and_finds_nothing() {
	long_run hydra
	need hydra
	start
	attack_hydra_login 127.0.0.1 "$api_port" nurse01 "$attacks/wordlist-1000.txt" "chief:$admin_pw" || die "hydra"
	stop_and_trail
	trail_has ACCOUNT_LOCKED nurse01
}

"$1"
