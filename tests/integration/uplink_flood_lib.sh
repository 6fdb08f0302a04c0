# Sourced by daemon_uplink_flood.sh and bench/uplink_latency.sh (MFDS
# 2.4): medsecd with its uplink fed at a steady rate through the source
# socket (tests/integration/uplink_steady.py, each reading stamped with
# its send time), a real nginx as the hospital's collector with mutual
# TLS that logs every request's arrival ($msec) and keeps its body, and
# the operator API flooded by wrk, slowhttptest (slowloris) and curl
# loops from 127.0.0.2..127.0.0.50. Not a test by itself.
#
# Set before sourcing (all optional): delivery_bound (seconds, 5),
# request_burst / request_rate (the guard's per-source limits, low so
# that the flood is answered 429), flood_conns (wrk), slow_conns
# (slowhttptest).
: "${MEDSEC_SOURCE_DIR:?}"
command -v nginx >/dev/null || { echo "SKIP: needs nginx (nginx-light)"; exit 77; }
[ -e /usr/share/nginx/modules/ngx_http_echo_module.so ] || { echo "SKIP: needs libnginx-mod-http-echo"; exit 77; }
for tool in openssl python3 wrk slowhttptest; do
	command -v "$tool" >/dev/null || { echo "SKIP: needs $tool"; exit 77; }
done
daemon_test=${daemon_test:-uplink-flood}
device_id=${device_id:-uplink-flood-01}
delivery_bound=${delivery_bound:-5}
request_burst=${request_burst:-2}
request_rate=${request_rate:-1}
# One THROTTLED record per source, and one delivery-bound report, every 2 s.
limits_more="throttle_report_seconds = 2"
# shellcheck source=daemon_lib.sh
. "$MEDSEC_SOURCE_DIR/tests/integration/daemon_lib.sh"
STEADY=$MEDSEC_SOURCE_DIR/tests/integration/uplink_steady.py
pki=$work/pki
bodies=$work/bodies
cport=$(free_port)
nginx_up=
flood_pids=()

conf_more() {
	cat <<CONF
[source]
simulator = off
socket = $work/source.sock
[uplink]
url = https://127.0.0.1:$cport/fhir
client_cert = $pki/uplink.pem
client_key = $pki/uplink.key
ca_file = $pki/hospital-ca.pem
batch_max = 8
timeout = 5
delivery_bound = $delivery_bound
CONF
}

cleanup_more() {
	flood_stop
	collector_stop
}

# ---- the PKI: the hospital's CA, the collector's and the uplink's
# certificates.
pki_leaf() { # name cn ext
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$pki/$1.key" -out "$pki/$1.csr" -subj "/CN=$2" 2>/dev/null || die "csr $1"
	printf '%s\n' "$3" >"$pki/$1.ext"
	openssl x509 -req -in "$pki/$1.csr" -CA "$pki/hospital-ca.pem" \
	    -CAkey "$pki/hospital-ca.key" -CAcreateserial -days 30 \
	    -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>/dev/null || die "cert $1"
}

make_pki() {
	mkdir -p "$pki"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$pki/hospital-ca.key" -out "$pki/hospital-ca.pem" -days 30 \
	    -subj "/CN=hospital-ca" 2>/dev/null || die "CA"
	pki_leaf collector 127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
	pki_leaf uplink "uplink.$device_id" "extendedKeyUsage=clientAuth"
	chmod 600 "$pki"/*.key
}

# ---- the collector: nginx, mutual TLS; the access log has each
# request's arrival in milliseconds and the file its body was kept in.
collector_start() {
	mkdir -p "$bodies" "$work/logs"
	cat >"$work/nginx.conf" <<NGINX
load_module /usr/share/nginx/modules/ngx_http_echo_module.so;
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 64; }
http {
	log_format arrival '\$msec \$request_body_file \$status';
	access_log $work/nginx.access arrival;
	client_body_temp_path $bodies;
	proxy_temp_path $work/logs;
	fastcgi_temp_path $work/logs;
	uwsgi_temp_path $work/logs;
	scgi_temp_path $work/logs;
	server {
		listen 127.0.0.1:$cport ssl;
		ssl_certificate $pki/collector.pem;
		ssl_certificate_key $pki/collector.key;
		ssl_client_certificate $pki/hospital-ca.pem;
		ssl_verify_client on;
		ssl_protocols TLSv1.2 TLSv1.3;
		location = /fhir {
			client_body_in_file_only on;
			client_body_buffer_size 1m;
			client_max_body_size 1m;
			echo_read_request_body;
			default_type application/fhir+json;
			echo '{"resourceType":"Bundle","type":"transaction-response"}';
		}
	}
}
NGINX
	nginx -p "$work" -c "$work/nginx.conf" 2>"$work/nginx.start" || die "nginx: $(cat "$work/nginx.start")"
	nginx_up=1
}

collector_stop() {
	[ -n "$nginx_up" ] || return 0
	nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null
	for _ in $(seq 100); do [ -e "$work/nginx.pid" ] || break; sleep 0.05; done
	nginx_up=
}

# The device, the collector (unless "down") and medsecd with its worker
# and its uplink.
gateway_start() { # [down]
	make_pki
	[ "${1:-}" = down ] || collector_start
	provision
	launch
	for _ in $(seq 200); do
		[ -S "$work/source.sock" ] && grep -q "uplink .* delivering" "$work/d.log" && return 0
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	die "the uplink did not start"
}

# ---- the acquisition process ----

steady_start() { # first count rate: in the background, "seq time_ms" to sent.FIRST
	timeout 300 python3 "$STEADY" send "$work/source.sock" "$1" "$2" "$3" \
	    >"$work/sent.$1" 2>"$work/steady.$1.err" &
	steady_pid=$!
}

steady_wait() { # first
	wait "$steady_pid" || die "source: $(cat "$work/steady.$1.err")"
}

# The uplink's own counters, from its last delivery-bound report:
# "<late> <delivered>" since it started.
uplink_counters() {
	sed -n 's/.*; \([0-9]*\) of \([0-9]*\) late in all$/\1 \2/p' "$work/d.log" | tail -1
}

# Until the uplink reports at least COUNT readings delivered (it reports
# every throttle_report_seconds); bounded by tries, not a timed check.
wait_delivered() { # count
	local c
	for _ in $(seq 600); do
		c=$(uplink_counters)
		[ -n "$c" ] && [ "${c#* }" -ge "$1" ] && return 0
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.1
	done
	die "the uplink reports ${c:-no} deliveries, not $1"
}

# Delivery latency of the readings in sent.FIRST, as key=value figures.
figures() { # first
	python3 "$STEADY" latency "$work/sent.$1" "$work/nginx.access" "$delivery_bound" \
	    2>"$work/figures.err" || die "figures: $(cat "$work/figures.err")"
}

field() { # name figures-line
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# ---- the flood of the operator API ----

# Curl from one source address, ten requests per connection, until the
# deadline; prints every answer's status.
source_loop() { # address seconds
	local end args=() _
	end=$(($(date +%s) + $2))
	for _ in $(seq 10); do args+=(-o /dev/null "$base/v1/health"); done
	while [ "$(date +%s)" -lt "$end" ]; do
		timeout 10 curl -s -w '%{http_code}\n' --interface "$1" "${args[@]}"
	done
}

flood_start() { # seconds
	local secs=$1 i
	cat >"$work/count.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("counts")) do total[s] = (total[s] or 0) + n end
  end
  for s, n in pairs(total) do io.write(string.format("status %d %d\n", s, n)) end
end
LUA
	timeout $((secs + 30)) wrk -t2 -c"${flood_conns:-200}" -d"${secs}s" \
	    --timeout 5s -s "$work/count.lua" "$base/v1/health" >"$work/wrk.txt" 2>&1 &
	flood_pids+=($!)
	timeout $((secs + 30)) slowhttptest -H -c "${slow_conns:-300}" -i 10 -r 100 \
	    -x 24 -l "$secs" -u "$base/v1/health" >"$work/slow.txt" 2>&1 &
	flood_pids+=($!)
	for i in $(seq 2 50); do
		source_loop "127.0.0.$i" "$secs" >"$work/src.$i" 2>/dev/null &
		flood_pids+=($!)
	done
}

flood_wait() {
	local p
	for p in "${flood_pids[@]}"; do wait "$p" 2>/dev/null; done
	flood_pids=()
}

flood_stop() {
	local p
	for p in "${flood_pids[@]}"; do kill "$p" 2>/dev/null; done
	flood_wait
}

# What the flood did: "wrk_requests wrk_429 sources_answers sources_429
# sources_active slow_connected".
flood_figures() {
	local wrk_all wrk_429 src_all src_429 active slow
	wrk_all=$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$work/wrk.txt" | tail -1)
	wrk_429=$(awk '$1 == "status" && $2 == 429 {s += $3} END {print s + 0}' "$work/wrk.txt")
	src_all=$(cat "$work"/src.* | grep -c '^[1-5][0-9][0-9]$')
	src_429=$(cat "$work"/src.* | grep -c '^429$')
	active=$(grep -l '^[1-5][0-9][0-9]$' "$work"/src.* | wc -l)
	slow=$(sed 's/\x1b\[[0-9;]*m//g' "$work/slow.txt" |
	    sed -n 's/.*connected: *\([0-9][0-9]*\).*/\1/p' | sort -n | tail -1)
	echo "${wrk_all:-0} $wrk_429 $src_all $src_429 $active ${slow:-0}"
}
