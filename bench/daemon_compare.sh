#!/bin/bash
# The daemon beside nginx, in one run, as ratios:
#
#   bench/daemon_compare.sh URL PKIDIR [TOKEN] [PIDS]
#
# URL     an HTTPS route of the daemon, e.g. https://localhost:8443/v1/session
#         (GET with Bearer TOKEN when TOKEN is given)
# PKIDIR  made by tests/pki/mkpki.sh; its server certificate is the one the
#         daemon was started with, so nginx serves the same certificate,
#         TLS 1.3 only, groups X25519:P-256:P-384 (tests/attacks/daemon/standin.sh)
# PIDS    space-separated PIDs of the daemon (monitor and worker) whose peak
#         RSS at 1,000 idle keep-alive connections is reported
#
# Measures, each for $BENCH_SECONDS (default 10):
#   keep-alive request rate (wrk -t2 -c$BENCH_CONNECTIONS, default 50);
#   new full handshakes per second (two `openssl s_time -new` clients at
#   once: a fresh handshake every time, no session resumption, which wrk
#   with Connection: close would attempt through SSL_clear);
#   p50/p99 latency of an in-limit probe (one request per 0.2 s from
#   127.0.0.2) during a wrk flood, against the target and against nginx with
#   limit_req (20 r/s, burst 40 per source); peak RSS of each of PIDS and of
#   nginx's worker after 1,000 idle keep-alive TLS connections (from
#   127.0.0.3-.22).
# BENCH_LIMITS_CMD, when set, is run with "flood" before the flood row and
# with "open" after it (bench/daemon.sh reloads the daemon's limits).
# Prints a table with target/nginx ratios. Every step is bounded in time.
set -u
[ $# -ge 2 ] || { echo "usage: $0 URL PKIDIR [TOKEN] [PIDS]" >&2; exit 2; }
url=$1 pki=$(cd "$2" && pwd) token=${3:-} pids=${4:-}
secs=${BENCH_SECONDS:-10} conns=${BENCH_CONNECTIONS:-50}
here=$(cd "$(dirname "$0")" && pwd)
for t in wrk nginx curl openssl; do
	command -v "$t" >/dev/null || { echo "$0: $t not installed" >&2; exit 2; }
done
work=$(mktemp -d /tmp/medsec-bench-XXXXXX)
# shellcheck source=../tests/attacks/daemon/standin.sh
. "$here/../tests/attacks/daemon/standin.sh"
trap 'standin_stop_all; rm -rf "$work"' EXIT
standin_init "$work/standin" "$pki"
ngx_plain=$(standin_port)
ngx_limited=$(standin_port)
standin_nginx plain "$ngx_plain" nolimits
standin_nginx limited "$ngx_limited"
ngx_url=https://localhost:$ngx_plain/health
ngx_limited_url=https://localhost:$ngx_limited/health

auth_lua() { # file [close]
	{
		[ -n "$token" ] && echo "wrk.headers[\"Authorization\"] = \"Bearer $token\""
		[ "${2:-}" = close ] && echo 'wrk.headers["Connection"] = "close"'
		echo 'local n = {} function response(s) n[s] = (n[s] or 0) + 1 end'
	} >"$1"
}

# CPU time (user + system, clock ticks) of PIDS so far
ticks() { # pids
	local t=0 p
	for p in $1; do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
hz=$(getconf CLK_TCK)

# server CPU microseconds per operation: ticks spent over count
cpu_per() { # ticks count
	awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-" }'
}

# "requests/s cpu_us" of wrk on URL (Lua file): the rate from its
# "Requests/sec:" line, and the CPU PIDS spent per request. The CPU figure
# moves much less than the rate with the load of a shared machine.
wrk_rate() { # url lua pids
	local t0 t1 out
	t0=$(ticks "$3")
	out=$(timeout $((secs + 30)) wrk -t2 -c"$conns" -d"${secs}s" --timeout 5s -s "$2" "$1" 2>/dev/null)
	t1=$(ticks "$3")
	echo "$(echo "$out" | awk '/^Requests\/sec:/ {printf "%d", $2}')" \
	    "$(cpu_per $((t1 - t0)) "$(echo "$out" | awk '/requests in/ {print $1}')")"
}

# "handshakes/s cpu_us": new full handshakes per second of two s_time
# clients for $secs each, and the CPU PIDS spent per handshake
handshake_rate() { # port pids
	local i total=0 n t0 t1
	t0=$(ticks "$2")
	for i in 1 2; do
		timeout $((secs + 30)) openssl s_time -connect "127.0.0.1:$1" -new -time "$secs" \
		    -CAfile "$pki/ca.pem" >"$work/stime.$i" 2>&1 &
	done
	wait
	t1=$(ticks "$2")
	for i in 1 2; do
		n=$(awk '/connections in [0-9.]+ real seconds/ {print $1; exit}' "$work/stime.$i")
		total=$((total + ${n:-0}))
	done
	echo "$((total / secs)) $(cpu_per $((t1 - t0)) "$total")"
}

# p50 and p99 (ms) of a probe from 127.0.0.2 during a wrk flood of URL
probe_latency() { # url
	local f=$work/probe.$RANDOM wrk_pid
	auth_lua "$work/flood.lua"
	timeout $((secs + 30)) wrk -t2 -c"$conns" -d"${secs}s" --timeout 5s -s "$work/flood.lua" "$1" \
	    >/dev/null 2>&1 &
	wrk_pid=$!
	sleep 1
	while kill -0 "$wrk_pid" 2>/dev/null; do
		curl -s -o /dev/null --max-time 5 --cacert "$pki/ca.pem" --interface 127.0.0.2 \
		    ${token:+-H "Authorization: Bearer $token"} -w '%{http_code} %{time_total}\n' "$1" >>"$f" || true
		sleep 0.2
	done
	wait "$wrk_pid" || true
	awk '$1 ~ /^2/ {print $2 * 1000}' "$f" | sort -n |
	    awk '{a[NR] = $1} END {if (NR) printf "%.1f %.1f %d", a[int((NR-1)*0.5)+1], a[int((NR-1)*0.99)+1], NR; else print "- - 0"}'
}

# peak RSS (KiB) of each of PIDS while 1,000 idle keep-alive TLS
# connections are open to HOST:PORT: "peak_of_pid1 [peak_of_pid2...] held"
idle_rss() { # port pids
	local holder now p
	declare -A peak
	for p in $2; do peak[$p]=0; done
	"${MEDSEC_PYTHON:-python3}" - "$1" "$pki/ca.pem" >"$work/hold.log" 2>&1 <<-'PY' &
		import socket, ssl, sys, time
		port, ca = int(sys.argv[1]), sys.argv[2]
		ctx = ssl.create_default_context(cafile=ca)
		held = []
		for i in range(1000):
		    raw = socket.socket()
		    raw.bind(("127.0.0.%d" % (3 + i // 50), 0))
		    raw.settimeout(5)
		    try:
		        raw.connect(("127.0.0.1", port))
		        s = ctx.wrap_socket(raw, server_hostname="localhost")
		        held.append(s)
		    except (OSError, ssl.SSLError):
		        raw.close()
		print("held", len(held), flush=True)
		time.sleep(8)
	PY
	holder=$!
	for _ in $(seq 1 60); do
		for p in $2; do
			now=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
			[ "${now:-0}" -gt "${peak[$p]}" ] && peak[$p]=$now
		done
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.25
	done
	wait "$holder" || true
	for p in $2; do printf '%s ' "${peak[$p]}"; done
	awk '/^held/ {print $2}' "$work/hold.log"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else print "-" }'; }

echo "# daemon_compare: $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# wrk $(wrk --version 2>&1 | head -1 | awk '{print $2}'), nginx $(nginx -v 2>&1 | sed 's/.*\///'), $(openssl version | cut -d' ' -f1-2)"
echo "# wrk -t2 -c$conns -d${secs}s; TLS 1.3, same certificate (ECDSA P-256), groups X25519:P-256:P-384"
echo "# target: $url; nginx: static 16-byte file"
echo "# server CPU: user+system time of the target's PIDS ($pids) or of nginx's worker, per operation"

auth_lua "$work/ka.lua"
ngx_pid=$(standin_pid plain)
read -r t_ka t_kacpu < <(wrk_rate "$url" "$work/ka.lua" "$pids")
read -r n_ka n_kacpu < <(wrk_rate "$ngx_url" "$work/ka.lua" "$ngx_pid")
target_port=$(echo "$url" | sed -n 's#^https://[^/:]*:\([0-9]*\).*#\1#p')
read -r t_hs t_hscpu < <(handshake_rate "$target_port" "$pids")
read -r n_hs n_hscpu < <(handshake_rate "$ngx_plain" "$ngx_pid")
[ -n "${BENCH_LIMITS_CMD:-}" ] && "$BENCH_LIMITS_CMD" flood
read -r t50 t99 tn < <(probe_latency "$url")
[ -n "${BENCH_LIMITS_CMD:-}" ] && "$BENCH_LIMITS_CMD" open
read -r n50 n99 nn < <(probe_latency "$ngx_limited_url")

printf '\n%-46s %12s %12s %8s\n' measure target nginx ratio
printf '%-46s %12s %12s %8s\n' "keep-alive requests/s" "$t_ka" "$n_ka" "$(ratio "$t_ka" "$n_ka")"
printf '%-46s %12s %12s %8s\n' "  server CPU us per request" "$t_kacpu" "$n_kacpu" "$(ratio "$t_kacpu" "$n_kacpu")"
printf '%-46s %12s %12s %8s\n' "new full handshakes/s (2x openssl s_time -new)" "$t_hs" "$n_hs" "$(ratio "$t_hs" "$n_hs")"
printf '%-46s %12s %12s %8s\n' "  server CPU us per handshake" "$t_hscpu" "$n_hscpu" "$(ratio "$t_hscpu" "$n_hscpu")"
printf '%-46s %12s %12s %8s\n' "probe p50 ms during flood (nginx: limit_req)" "$t50" "$n50" "$(ratio "$t50" "$n50")"
printf '%-46s %12s %12s %8s\n' "probe p99 ms during flood (nginx: limit_req)" "$t99" "$n99" "$(ratio "$t99" "$n99")"
printf '%-46s %12s %12s\n' "probes answered 2xx" "$tn" "$nn"

read -r n_rss n_held < <(idle_rss "$ngx_plain" "$ngx_pid")
t_mon=- t_wrk=- t_rss=- t_held=-
if [ -n "$pids" ] && [ -n "$target_port" ]; then
	read -r t_mon t_wrk t_held < <(idle_rss "$target_port" "$pids")
	[ -n "$t_held" ] || { t_held=$t_wrk; t_wrk=-; }
	t_rss=$(awk -v a="$t_mon" -v b="$t_wrk" 'BEGIN { print (b == "-") ? a : a + b }')
fi
printf '%-46s %12s %12s %8s\n' "peak RSS KiB, 1,000 idle keep-alive conns" "$t_rss" "$n_rss" "$(ratio "$t_rss" "$n_rss")"
printf '%-46s %12s %12s\n' "  of which monitor / worker" "$t_mon / $t_wrk" "- / $n_rss"
printf '%-46s %12s %12s\n' "connections actually held" "$t_held" "$n_held"
