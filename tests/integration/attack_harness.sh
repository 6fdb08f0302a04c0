#!/bin/bash
# The daemon attack harness (tests/attacks/daemon/lib.sh) proven against
# stand-ins: each attack must PASS a server that resists it and FAIL, for
# the stated reason, one that does not. Run by CTest as:
#   bash attack_harness.sh <name>
# Exit 77 (skip) when a tool is missing or namespaces are not allowed.
set -u
: "${MEDSEC_SOURCE_DIR:?}"
attacks=$MEDSEC_SOURCE_DIR/tests/attacks/daemon
# The stand-ins are not medsec code: proving the harness once, in the
# normal suite, is enough; the sanitizer suite would only repeat it.
case ${MEDSEC_SANITIZED:-OFF} in
ON | on | 1 | TRUE | true)
	echo "SKIP: the harness is proven in the normal suite (no medsec code runs here)"
	exit 77 ;;
esac
work=$(mktemp -d /tmp/medsec-attack-XXXXXX)
export MEDSEC_ATTACK_RESULTS=${MEDSEC_BINARY_DIR:-$work}/attack-results/harness
# Short runs: these prove verdicts, not endurance.
export MEDSEC_ATTACK_WRK_SECONDS=5 MEDSEC_ATTACK_SLOW_SECONDS=15
# shellcheck source=../attacks/daemon/lib.sh
. "$attacks/lib.sh"
# shellcheck source=../attacks/daemon/standin.sh
. "$attacks/standin.sh"
trap 'standin_stop_all; rm -rf "$work"' EXIT
die() { echo "FAIL: $*" >&2; exit 1; }

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed" >&2; exit 77; }
	done
}

setup() {
	need openssl curl "$MEDSEC_PYTHON" "$@"
	"$MEDSEC_SOURCE_DIR/tests/pki/mkpki.sh" "$work/pki" >/dev/null || die "mkpki"
	standin_init "$work/standin" "$work/pki"
	export MEDSEC_ATTACK_CA=$work/pki/ca.pem
}

# The attack must pass: its output is shown, its status checked.
must_pass() { # tag command...
	local tag=$1
	shift
	MEDSEC_ATTACK_TAG=$tag "$@" >"$work/out" 2>&1
	local rc=$?
	cat "$work/out"
	[ $rc = 0 ] && grep -q '^PASS ' "$work/out" || die "$* did not pass the $tag stand-in"
}

# The attack must fail, and its FAIL line must name REASON.
must_fail() { # tag reason command...
	local tag=$1 reason=$2
	shift 2
	MEDSEC_ATTACK_TAG=$tag "$@" >"$work/out" 2>&1
	local rc=$?
	cat "$work/out"
	[ $rc = 1 ] || die "$* passed the $tag stand-in, which it should fail"
	grep -q "^FAIL .*$reason" "$work/out" || die "$* failed the $tag stand-in without naming '$reason'"
}

test_attack_harness_t1_downgrade() {
	setup
	local good bad
	good=$(standin_port) bad=$(standin_port)
	standin_sserver tls13 "$good" -tls1_3 || die "s_server"
	standin_sserver tls12 "$bad" || die "s_server"
	must_pass tls13 attack_t1_downgrade 127.0.0.1 "$good" "$MEDSEC_ATTACK_CA"
	must_fail tls12 "TLS 1.2 handshake completed" attack_t1_downgrade 127.0.0.1 "$bad" "$MEDSEC_ATTACK_CA"
}

test_attack_harness_t2_t7_client_certs() {
	setup
	local good bad pki=$work/pki
	good=$(standin_port) bad=$(standin_port)
	standin_sserver mtls "$good" -tls1_3 -Verify 1 -verify_return_error -CAfile "$pki/ca.pem" \
	    -CRL "$pki/crl.pem" -crl_check || die "s_server"
	standin_sserver optional "$bad" -tls1_3 -verify 1 -CAfile "$pki/ca.pem" || die "s_server"
	MEDSEC_ATTACK_PATH=/ must_pass mtls attack_t2_t7_client_certs 127.0.0.1 "$good" "$pki/ca.pem" "$pki"
	MEDSEC_ATTACK_PATH=/ must_fail optional "T5 revoked certificate accepted" \
	    attack_t2_t7_client_certs 127.0.0.1 "$bad" "$pki/ca.pem" "$pki"
	grep -q "T2 none certificate accepted" "$work/out" || die "no-certificate case not reported"
	# T7: the good certificate is served, but the status is not the one expected
	MEDSEC_ATTACK_PATH=/ must_fail mtls-403 "T7 good certificate on /: HTTP/1.0 200, expected 403" \
	    attack_t2_t7_client_certs 127.0.0.1 "$good" "$pki/ca.pem" "$pki" / 403
}

test_attack_harness_t8_sslscan_nmap() {
	setup sslscan nmap nginx
	local good tls12 weak
	good=$(standin_port) tls12=$(standin_port) weak=$(standin_port)
	standin_nginx tls13 "$good" || die "nginx"
	standin_nginx tls12 "$tls12" tls12 || die "nginx"
	standin_sserver null "$weak" -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0' || die "s_server"
	must_pass tls13 attack_t8_sslscan 127.0.0.1 "$good"
	must_fail tls12 "protocols enabled: tls1.2,tls1.3" attack_t8_sslscan 127.0.0.1 "$tls12"
	must_pass tls13 attack_t8_nmap_grade 127.0.0.1 "$good"
	must_fail null "least strength F" attack_t8_nmap_grade 127.0.0.1 "$weak"
}

# testssl takes over a minute, so it runs once; the failing verdicts are
# proven on the same JSON with a stricter allow-list and a tool error code.
# The checks are those these verdicts read: the protocols (-p) and the
# server defaults (-S, where cert_revocation comes from); the daemon's own
# T8 runs the catalog's -p -S -U.
test_attack_harness_t8_testssl() {
	setup testssl nginx
	local port json
	port=$(standin_port)
	standin_nginx tls13 "$port" || die "nginx"
	printf '# private test PKI: no CRL or OCSP URI in the server certificate\ncert_revocation\n' >"$work/allow"
	: >"$work/allow-none"
	MEDSEC_ATTACK_TESTSSL_CHECKS="-p -S" must_pass tls13 attack_t8_testssl 127.0.0.1 "$port" "$MEDSEC_ATTACK_CA" "$work/allow"
	json=$MEDSEC_ATTACK_RESULTS/testssl/t8-testssl-tls13.json
	must_fail tls13 "HIGH cert_revocation" t8_testssl_verdict "$json" "$work/allow-none" 0 "127.0.0.1:$port"
	must_fail tls13 "tool error (exit 245)" t8_testssl_verdict "$json" "$work/allow" 245 "127.0.0.1:$port"
}

test_attack_harness_t10_0rtt() {
	setup nginx
	local good bad
	good=$(standin_port) bad=$(standin_port)
	standin_nginx no-early "$good" || die "nginx"
	standin_nginx early "$bad" early || die "nginx"
	must_pass no-early attack_t10_0rtt 127.0.0.1 "$good" "$MEDSEC_ATTACK_CA" /health
	must_fail early "accepted 0-RTT early data" attack_t10_0rtt 127.0.0.1 "$bad" "$MEDSEC_ATTACK_CA" /health
}

test_attack_harness_t11_stalled_handshakes() {
	setup nginx
	local good bad
	good=$(standin_port) bad=$(standin_port)
	standin_nginx timeout3 "$good" || die "nginx"
	standin_nginx timeout120 "$bad" slow || die "nginx"
	MEDSEC_ATTACK_PIDS=$(standin_pid timeout3) must_pass timeout3 \
	    attack_t11_stalled_handshakes 127.0.0.1 "$good" 200 3 "https://localhost:$good/health"
	MEDSEC_ATTACK_PIDS=$(standin_pid timeout120) must_fail timeout120 "200 of 200 stalled connections still open" \
	    attack_t11_stalled_handshakes 127.0.0.1 "$bad" 200 3 "https://localhost:$bad/health"
}

test_attack_harness_h1_wrk_flood() {
	setup wrk nginx
	local good bad probe
	good=$(standin_port) bad=$(standin_port)
	standin_nginx limit-req "$good" || die "nginx"
	standin_nginx no-limits "$bad" nolimits || die "nginx"
	probe="curl -sf -o /dev/null --max-time 5 --cacert $MEDSEC_ATTACK_CA --interface 127.0.0.2"
	MEDSEC_ATTACK_PIDS=$(standin_pid limit-req) must_pass limit-req attack_h1_wrk_flood \
	    "https://localhost:$good/health" test-token "$probe https://localhost:$good/health"
	MEDSEC_ATTACK_PIDS=$(standin_pid no-limits) must_fail no-limits "no 429 among" attack_h1_wrk_flood \
	    "https://localhost:$bad/health" test-token "$probe https://localhost:$bad/health"
}

test_attack_harness_h2_many_sources() {
	setup
	local good bad
	good=$(standin_port) bad=$(standin_port)
	standin_pystub capped "$good" --per-source-connections 4 || die "stub"
	standin_pystub uncapped "$bad" --weak || die "stub"
	MEDSEC_ATTACK_PIDS=$(standin_pid capped) must_pass capped attack_h2_many_sources 127.0.0.1 "$good" 4
	must_fail uncapped "49 sources served more than 4 connections" attack_h2_many_sources 127.0.0.1 "$bad" 4
}

# slowhttptest runs its pair (resisting and not) side by side: 15 s each.
# The one that does not resist is the lenient Python stand-in (a thread per
# connection, 300 s to send headers or body) for slowloris and slow body,
# and nginx with 120 s timeouts and 256 connections for the slow read.
# (nginx at its connection limit closes new connections itself, which makes
# slowhttptest's Closed rise for the wrong reason.)
slow_pair() { # attack url-path reason [bad-path]
	setup slowhttptest nginx
	local good bad
	good=$(standin_port) bad=$(standin_port)
	standin_nginx timeouts "$good" || die "nginx"
	if [ -n "${4:-}" ]; then
		standin_pystub slow "$bad" --weak || die "stub"
	else
		standin_nginx slow "$bad" slow || die "nginx"
	fi
	MEDSEC_ATTACK_PIDS=$(standin_pid slow) MEDSEC_ATTACK_TAG=slow \
	    "$1" "https://localhost:$bad${4:-$2}" >"$work/bad.out" 2>&1 &
	local bad_job=$!
	MEDSEC_ATTACK_PIDS=$(standin_pid timeouts) must_pass timeouts "$1" "https://localhost:$good$2"
	wait "$bad_job" && die "$1 passed a stand-in with 120 s or longer timeouts"
	cat "$work/bad.out"
	grep -q "^FAIL .*$3" "$work/bad.out" || die "$1 failed the slow stand-in without naming '$3'"
}

test_attack_harness_h3_slowloris() { slow_pair attack_h3_slowloris /health "closed none" /v1/health; }
test_attack_harness_h4_slow_body() { slow_pair attack_h4_slow_body /body "closed none" /v1/session; }
# The slow read is judged by the server's descriptors one second before the
# end: 150 readers are all connected early in the 15 s run even when a
# loaded machine halves slowhttptest's connection rate (300 were not, and
# the resisting stand-in still held the latest when the run ended), and
# stay below the lenient nginx's 256 connections, so it keeps every one.
test_attack_harness_h5_slow_read() {
	MEDSEC_ATTACK_SLOW_CONNECTIONS=150 slow_pair attack_h5_slow_read /big "descriptors at the end\|service unavailable"
}

test_attack_harness_h6_oversized() {
	setup
	local good bad
	good=$(standin_port) bad=$(standin_port)
	standin_pystub strict "$good" || die "stub"
	standin_pystub weak "$bad" --weak || die "stub"
	MEDSEC_ATTACK_PIDS=$(standin_pid strict) must_pass strict attack_h6_oversized "https://localhost:$good/v1/session"
	must_fail weak "body answered [0-9]*, expected 413" attack_h6_oversized "https://localhost:$bad/v1/session"
}

test_attack_harness_f3_smuggling() {
	setup
	local good bad
	good=$(standin_port) bad=$(standin_port)
	standin_pystub strict "$good" || die "stub"
	standin_pystub weak "$bad" --weak || die "stub"
	must_pass strict attack_f3_smuggling 127.0.0.1 "$good" "$MEDSEC_ATTACK_CA"
	must_fail weak "cl-te answered 2 times (processed twice)" attack_f3_smuggling 127.0.0.1 "$bad" "$MEDSEC_ATTACK_CA"
	grep -q "bare-lf answered 200, expected 400" "$work/out" || die "bare LF acceptance not reported"
}

# In a fresh network namespace nothing else listens: the scan sees exactly
# the stand-in's port, then the stand-in plus an undocumented one.
test_attack_harness_h8_port_scan() {
	setup nmap nginx socat unshare ip
	run_in_netns true 2>/dev/null || { echo "SKIP: unshare -n not permitted here" >&2; exit 77; }
	cat >"$work/scan.sh" <<-EOF
		set -u
		. "$attacks/lib.sh"
		. "$attacks/standin.sh"
		STANDIN_DIR=$work/standin STANDIN_PKI=$work/pki
		trap standin_stop_all EXIT
		standin_nginx scan 8443 || exit 2
		MEDSEC_ATTACK_TAG=documented attack_h8_port_scan 127.0.0.1 8443 || exit 3
		socat TCP-LISTEN:9999,bind=127.0.0.1,fork,reuseaddr /dev/null &
		socat_pid=\$!
		standin_wait_port 9999 || exit 2
		MEDSEC_ATTACK_TAG=extra attack_h8_port_scan 127.0.0.1 8443
		rc=\$?
		kill \$socat_pid
		[ \$rc = 1 ] || exit 4
	EOF
	run_in_netns bash "$work/scan.sh" >"$work/out" 2>&1
	local rc=$?
	cat "$work/out"
	[ $rc = 0 ] || die "port scan self-test ended with $rc"
	grep -q '^PASS H8: .*open ports exactly 8443' "$work/out" || die "documented port not passed"
	grep -q '^FAIL H8: .*open ports 8443,9999, expected 8443' "$work/out" || die "extra port not reported"
}

# The 1,000-word list against a stand-in that locks the account and limits
# logins (the first 300 words keep the run short; the daemon's test runs the
# whole list), and against one that does neither and whose password is in
# a list.
test_attack_harness_hydra_login() {
	setup hydra
	local good bad list=$attacks/wordlist-1000.txt
	good=$(standin_port) bad=$(standin_port)
	grep -qx 'Kettle-Orbit-41-Zebra' "$list" && die "the stand-in's password is in the word list"
	standin_pystub locking "$good" --password Kettle-Orbit-41-Zebra --per-source-connections 16 || die "stub"
	standin_pystub weak "$bad" --weak --password letmein123 || die "stub"
	head -300 "$list" >"$work/words"
	must_pass locking attack_hydra_login 127.0.0.1 "$good" admin "$work/words"
	grep -qx letmein123 "$list" || die "letmein123 should be in the list"
	must_fail weak "hydra found a password for admin" attack_hydra_login 127.0.0.1 "$bad" admin "$list"
}

test_attack_harness_wordlist() {
	local list=$MEDSEC_SOURCE_DIR/tests/attacks/daemon/wordlist-1000.txt
	[ "$(wc -l <"$list")" = 1000 ] || die "word list is not 1,000 lines"
	[ "$(sort -u "$list" | wc -l)" = 1000 ] || die "word list has duplicates"
}

"$1"
