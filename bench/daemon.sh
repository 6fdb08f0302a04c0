#!/bin/bash
# medsecd beside nginx, in one run (part of make bench):
#
#   bench/daemon.sh BUILD [RESULTS_DIR]
#
# Provisions a device in a scratch directory, starts medsecd on loopback
# with the test PKI's certificate (tests/pki/mkpki.sh: ECDSA P-256), TLS 1.3,
# groups X25519:P-256:P-384, logs in, and runs bench/daemon_compare.sh
# against GET /v1/session with the session's Bearer token: an authenticated
# JSON answer made by the monitor (session lookup over privsep) for every
# request. nginx serves a 16-byte static file with the same certificate,
# protocol, groups and suites. The table also goes to
# RESULTS_DIR/daemon.txt (default BUILD/bench-results).
#
# Limits: every bench client connects from loopback addresses, so with the
# default [limits] the flood guard would throttle the bench itself. For the
# request rate, handshake and memory rows the daemon runs with the limits
# raised out of the way (bench_limits open, below); for the flood row it is
# reloaded (SIGHUP) with the per-source limits nginx's limit_req has there
# (20 requests/s, burst 40), and put back afterwards.
#
# Needs root (the worker drops to nobody), wrk, nginx, curl, openssl,
# python3: without them it says what is missing and does nothing.
set -u
build=$(cd "${1:-build}" && pwd)
results=${2:-$build/bench-results}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
medsec=$build/bin/medsec
medsecd=$build/bin/medsecd

skip() { echo "# daemon bench skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (the worker drops to nobody)"
[ -x "$medsecd" ] || skip "medsecd not built"
getent passwd nobody >/dev/null || skip "no user nobody"
for t in wrk nginx curl openssl python3; do
	command -v "$t" >/dev/null || skip "$t not installed"
done

work=$(mktemp -d /tmp/medsec-bench-daemon-XXXXXX)
chmod 755 "$work"
state=$work/dev
conf=$work/medsecd.conf
pki=$work/pki
admin_pw='Adm1n-Pass!word'
daemon_pid=

cleanup() {
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"
		wait "$daemon_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
die() {
	echo "# daemon bench failed: $*"
	[ -f "$work/d.log" ] && tail -20 "$work/d.log" | sed 's/^/#   medsecd: /'
	exit 1
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# open: out of the bench's way; flood: nginx's limit_req figures per source.
write_conf() { # open|flood
	local rate=1000000 burst=1000000
	[ "$1" = flood ] && rate=20 burst=40
	cat >"$conf" <<-CONF
		[device]
		state_dir = $state
		[listen]
		api = 127.0.0.1:$port
		api_allow = 127.0.0.0/8
		[tls]
		cert_file = $pki/server-chain.pem
		key_file = $pki/server.key
		[limits]
		max_connections = 4096
		source_connections = 4096
		connection_rate = 100000
		request_rate = $rate
		request_burst = $burst
		header_timeout = 60
		idle_timeout = 120
		[daemon]
		user = nobody
		restart_backoff_max = 2
	CONF
	chmod 600 "$conf"
}

bench_limits() { # open|flood: rewrite and reload
	write_conf "$1"
	kill -HUP "$daemon_pid"
	# The reload is applied by the monitor's loop and sent to the worker;
	# a health request answered after it is answered under the new limits.
	curl -s -o /dev/null --max-time 5 --cacert "$pki/ca.pem" \
	    --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/v1/health"
}

"$src/tests/pki/mkpki.sh" "$pki" >/dev/null || die "mkpki"
chmod 644 "$pki"/*.pem
chmod 600 "$pki"/*.key
write_conf open
"$medsec" init --state "$state" --config "$conf" --device-id bench-gw-01 >"$work/init.out" 2>&1 ||
    die "init: $(cat "$work/init.out")"
code=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' "$work/init.out" | head -1)
printf '%s\n%s\n' "$code" "$admin_pw" | "$medsec" user setup chief --password-stdin --state "$state" \
    >"$work/o" 2>&1 || die "setup: $(cat "$work/o")"

# 1,000 idle connections and wrk's 50 need descriptors beyond the usual 1,024.
ulimit -n 8192 2>/dev/null || true
"$medsecd" -f -c "$conf" >"$work/d.log" 2>&1 &
daemon_pid=$!
api() { curl -s --max-time 10 --cacert "$pki/ca.pem" --resolve "localhost:$port:127.0.0.1" "$@"; }
for _ in $(seq 200); do
	[ "$(api -o /dev/null -w '%{http_code}' "https://localhost:$port/v1/health")" = 200 ] && break
	kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
	sleep 0.05
done
worker=$(pgrep -P "$daemon_pid" -f medsecd | head -1)
[ -n "$worker" ] || die "no worker"
api -o "$work/body" -H 'Content-Type: application/json' \
    --data-binary "{\"user\":\"chief\",\"password\":\"$admin_pw\"}" "https://localhost:$port/v1/session" >/dev/null
token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$work/body")
[ -n "$token" ] || die "login: $(cat "$work/body")"

mkdir -p "$results"
export BENCH_LIMITS_CMD=bench_limits
export -f bench_limits write_conf
export conf state port pki daemon_pid
"$here/daemon_compare.sh" "https://localhost:$port/v1/session" "$pki" "$token" "$daemon_pid $worker" |
    tee "$results/daemon.txt"
kill -0 "$daemon_pid" 2>/dev/null || die "medsecd died during the bench"
