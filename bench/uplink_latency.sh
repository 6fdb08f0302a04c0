#!/bin/bash
# The uplink's delivery latency, idle and under a flood of the operator
# API, side by side (MFDS 2.4; part of make bench):
#
#   bench/uplink_latency.sh BUILD
#
# The setup of tests/integration/daemon_uplink_flood.sh
# (tests/integration/uplink_flood_lib.sh): medsecd with its uplink fed
# through the source socket at a steady rate, each reading stamped with
# its send time, and a real nginx as the collector with mutual TLS that
# logs each request's arrival. Two phases in one run: idle, then the same
# rate while wrk, slowhttptest (slowloris) and curl loops from
# 127.0.0.2..127.0.0.50 flood the operator API. Latency is the
# collector's arrival time minus the reading's time_ms; the fraction is
# of readings within [uplink] delivery_bound (5 s).
#
# Needs root (the worker and the uplink drop to nobody), nginx with the
# echo module, wrk, slowhttptest, curl, openssl, python3: without them it
# says what is missing and does nothing.
set -u
build=$(cd "${1:-build}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)

skip() { echo "# uplink latency bench skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (the uplink drops to nobody)"
[ -x "$build/bin/medsecd" ] || skip "medsecd not built"
getent passwd nobody >/dev/null || skip "no user nobody"
for t in nginx wrk slowhttptest curl openssl python3; do
	command -v "$t" >/dev/null || skip "$t not installed"
done
[ -e /usr/share/nginx/modules/ngx_http_echo_module.so ] || skip "libnginx-mod-http-echo not installed"

export MEDSEC=$build/bin/medsec MEDSEC_SOURCE_DIR=$src MEDSEC_BINARY_DIR=$build
daemon_test=bench-uplink
# shellcheck source=../tests/integration/uplink_flood_lib.sh
. "$src/tests/integration/uplink_flood_lib.sh"

readings=${BENCH_UPLINK_READINGS:-600}
rate=${BENCH_UPLINK_RATE:-20}
flood_first=$((readings + 1))

load1() { cut -d' ' -f1 /proc/loadavg; }

gateway_start

steady_start 1 "$readings" "$rate"
steady_wait 1
load_idle=$(load1)
wait_delivered "$readings"
idle=$(figures 1)

flood_start $((readings / rate + 5))
for _ in $(seq 100); do [ -s "$work/src.2" ] && break; sleep 0.05; done
steady_start "$flood_first" "$readings" "$rate"
steady_wait "$flood_first"
load_flood=$(load1)
flood_wait
wait_delivered $((2 * readings))
flood=$(figures "$flood_first")
read -r wrk_all wrk_429 src_all src_429 active slow <<<"$(flood_figures)"
counters=$(uplink_counters)

row() { # phase figures load
	printf '%-7s %-9s %-8s %-8s %-8s %-8s %-14s %s\n' "$1" "$(field readings "$2")" \
	    "$(field missing "$2")" "$(field p50_ms "$2")" "$(field p99_ms "$2")" \
	    "$(field max_ms "$2")" "$(awk "BEGIN{printf \"%.2f%%\", 100 * $(field fraction "$2")}")" "$3"
}
echo "# $readings readings at $rate/s per phase through the source socket; batch_max 8; delivery_bound ${delivery_bound} s; $(nproc) cores"
printf '%-7s %-9s %-8s %-8s %-8s %-8s %-14s %s\n' phase readings missing p50_ms p99_ms max_ms within_bound load1
row idle "$idle" "$load_idle"
row flood "$flood" "$load_flood"
echo "# flood: wrk $wrk_all requests from 127.0.0.1 ($wrk_429 answered 429), $src_all answers to $active of 49 sources 127.0.0.2-50 ($src_429 answered 429), slowhttptest slowloris up to $slow connections"
echo "# the uplink's own count: ${counters% *} of ${counters#* } readings later than the bound"
