#!/bin/bash
# medsecd's uplink end to end (MFDS 1.16, 1.20, 2.1): a provisioned
# device, the daemon in the foreground as root with its worker and its
# uplink as nobody, a real nginx as the hospital's collector with
# ssl_verify_client on that writes every request body to a file, and an
# acquisition process (tests/integration/uplink_source.py) writing framed
# readings to the source socket. The power-cut test runs
# medsecd_faultio, medsecd under the fault shim (docs/fwdqueue.md). Every
# wait is bounded by a number of tries, never by a timed assertion.
# Run by CTest as: bash daemon_uplink.sh <test_name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}" "${MEDSEC_BINARY_DIR:?}"
MEDSECD=$MEDSEC_BINARY_DIR/bin/medsecd
SOURCE=$MEDSEC_SOURCE_DIR/tests/integration/uplink_source.py
# The interpreter itself, not a version manager's wrapper around it: the
# power-cut loop starts it often.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
VALIDATE=$MEDSEC_SOURCE_DIR/tests/validators/validate-fhir.cjs
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (the uplink drops to nobody)"; exit 77; }
[ -x "$MEDSECD" ] || { echo "SKIP: medsecd not built"; exit 77; }
command -v nginx >/dev/null || { echo "SKIP: needs nginx (nginx-light)"; exit 77; }
[ -e /usr/share/nginx/modules/ngx_http_echo_module.so ] || { echo "SKIP: needs libnginx-mod-http-echo"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: needs openssl"; exit 77; }
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }

work=$(mktemp -d /tmp/medsecd-uplink-XXXXXX)
chmod 755 "$work"
state=$work/dev
conf=$work/medsecd.conf
pki=$work/pki
bodies=$work/bodies
daemon_pid=
nginx_up=

die() {
	echo "FAIL: $*" >&2
	[ -f "$work/d.log" ] && sed 's/^/  medsecd: /' "$work/d.log" | tail -40 >&2
	[ -f "$work/nginx.err" ] && sed 's/^/  nginx: /' "$work/nginx.err" | tail -10 >&2
	exit 1
}

nginx_stop() {
	[ -n "$nginx_up" ] || return 0
	nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null
	for _ in $(seq 100); do [ -e "$work/nginx.pid" ] || break; sleep 0.05; done
	nginx_up=
}

cleanup() {
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null
	fi
	nginx_stop
	[ -n "${MEDSEC_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	"$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
cport=$(free_port)

# ---- the PKI: a hospital CA, the collector's certificate, the uplink's
# client certificate; a stranger CA and an expired collector certificate.
ca() { # name
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$pki/$1.key" -out "$pki/$1.pem" -days 30 -subj "/CN=$1" \
	    2>/dev/null || die "CA $1"
}
leaf() { # name ca cn ext [startdate enddate]
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$pki/$1.key" -out "$pki/$1.csr" -subj "/CN=$3" 2>/dev/null || die "csr $1"
	printf '%s\n' "$4" >"$pki/$1.ext"
	if [ -n "${5:-}" ]; then
		mkdir -p "$pki/ca-$1"; : >"$pki/ca-$1/index"; echo 01 >"$pki/ca-$1/serial"
		cat >"$pki/ca-$1/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $pki/ca-$1/index
serial = $pki/ca-$1/serial
new_certs_dir = $pki/ca-$1
default_md = sha256
policy = p
copy_extensions = none
[p]
commonName = supplied
CNF
		openssl ca -batch -config "$pki/ca-$1/ca.cnf" -cert "$pki/$2.pem" \
		    -keyfile "$pki/$2.key" -in "$pki/$1.csr" -out "$pki/$1.pem" \
		    -startdate "$5" -enddate "$6" -extfile "$pki/$1.ext" -notext \
		    >/dev/null 2>&1 || die "cert $1"
	else
		openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" \
		    -CAcreateserial -days 30 -extfile "$pki/$1.ext" -out "$pki/$1.pem" \
		    2>/dev/null || die "cert $1"
	fi
}
make_pki() {
	mkdir -p "$pki"
	ca hospital-ca
	ca stranger-ca
	leaf collector hospital-ca 127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
	leaf stranger stranger-ca 127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
	leaf expired hospital-ca 127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth" 20200101000000Z 20210101000000Z
	leaf uplink hospital-ca uplink.daemon-uplink-01 "extendedKeyUsage=clientAuth"
	chmod 600 "$pki"/*.key
}

# ---- the collector: nginx, mutual TLS, each body kept in a file.
nginx_start() { # cert [protocols]
	mkdir -p "$bodies" "$work/logs"
	cat >"$work/nginx.conf" <<NGINX
load_module /usr/share/nginx/modules/ngx_http_echo_module.so;
user root;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 64; }
http {
	access_log $work/nginx.access;
	client_body_temp_path $bodies;
	proxy_temp_path $work/logs;
	fastcgi_temp_path $work/logs;
	uwsgi_temp_path $work/logs;
	scgi_temp_path $work/logs;
	server {
		listen 127.0.0.1:$cport ssl;
		ssl_certificate $pki/$1.pem;
		ssl_certificate_key $pki/$1.key;
		ssl_client_certificate $pki/hospital-ca.pem;
		ssl_verify_client on;
		ssl_protocols ${2:-TLSv1.2 TLSv1.3};
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

write_conf() { # [extra lines for [source]]
	cat >"$conf" <<CONF
[device]
state_dir = $state
[listen]
api =
[daemon]
user = nobody
restart_backoff_max = 2
[source]
simulator = ${simulator:-off}
patients = 2
interval = 1
socket = $work/source.sock
${source_extra:-}
[uplink]
url = https://127.0.0.1:$cport/fhir
client_cert = $pki/uplink.pem
client_key = $pki/uplink.key
ca_file = $pki/hospital-ca.pem
batch_max = 8
timeout = 5
[limits]
throttle_report_seconds = 3600
CONF
	chmod 600 "$conf"
}

start() {
	write_conf
	"$MEDSEC" init --state "$state" --config "$conf" --device-id daemon-uplink-01 \
	    >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
	run_daemon
}

# daemon_bin: another build of medsecd; daemon_env: NAME=VALUE words
# for its environment.
run_daemon() {
	# shellcheck disable=SC2086 # daemon_env is words on purpose
	env ${daemon_env:-} "${daemon_bin:-$MEDSECD}" -f -c "$conf" >>"$work/d.log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 200); do
		[ -S "$work/source.sock" ] && grep -q "uplink .* delivering" "$work/d.log" && return 0
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	die "the uplink did not start"
}

stop() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	daemon_pid=
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/trail.jsonl" \
	    2>"$work/export.err" || die "export: $(cat "$work/export.err")"
}

# Readings from the acquisition process; it returns once every one of
# them is acknowledged (stored durably by the gateway).
send_readings() { # first count [patient...]
	timeout 120 "$PYTHON" "$SOURCE" send "$work/source.sock" "$@" \
	    >>"$work/sent.txt" 2>"$work/source.err" || die "source: $(cat "$work/source.err")"
}

# The readings the collector received, in the order it received them.
received() {
	"$PYTHON" "$SOURCE" received "$bodies" >"$work/received.txt" 2>"$work/recv.err" ||
	    die "received: $(cat "$work/recv.err")"
}

# Distinct readings the collector holds (their identifiers), counted
# without starting a program per file.
distinct_received() {
	cat "$bodies"/* 2>/dev/null | grep -o '"system":"urn:medsec:reading","value":"[^"]*"' |
	    sort -u | wc -l
}

wait_received() { # count
	for _ in $(seq 300); do
		[ "$(distinct_received)" -ge "$1" ] && break
		sleep 0.1
	done
	received
	[ "$(sort -u "$work/received.txt" | wc -l)" -ge "$1" ] ||
	    die "the collector has $(sort -u "$work/received.txt" | wc -l) of $1 readings"
}

validate_bundles() {
	[ -e "$MEDSEC_SOURCE_DIR/tests/validators/node_modules/fhir" ] || return 0
	node "$VALIDATE" "$bodies"/* >"$work/validate.out" 2>&1 || die "FHIR: $(grep -v ': OK' "$work/validate.out" | head)"
	"$PYTHON" "$SOURCE" profile "$bodies" || die "the vital-signs profile"
}

trail_has() { # event substring
	grep "\"$1\"" "$work/trail.jsonl" | grep -q -- "$2" || die "no $1 record with $2: $(grep -c . "$work/trail.jsonl") records"
}

test_req_1_16_uplink_readings_arrive_in_order_unchanged() {
	nginx_start collector
	start
	send_readings 1 60
	wait_received 60
	diff "$work/sent.txt" "$work/received.txt" >"$work/diff" || die "readings differ: $(head "$work/diff")"
	validate_bundles
	stop
	grep -q "TLS_FAILURE" "$work/trail.jsonl" && die "a refusal with the right collector"
	return 0
}

test_req_1_16_uplink_simulator_bundles_are_vital_signs() {
	nginx_start collector
	simulator=on start
	# Two patients, six vitals, a round a second: three rounds.
	wait_received 36
	validate_bundles
	stop
}

# The readings the collector gets from the simulator are the simulator's
# stream, computed apart from the daemon (uplink_source.py writes the
# generator again from its definition): every round whole and in order
# from the first, each value the stream's, seq = time and vital.
test_req_1_16_uplink_simulator_stream_arrives_whole_in_order() {
	nginx_start collector
	simulator=on start
	wait_received 36
	stop
	"$PYTHON" "$SOURCE" sim-check "$bodies" daemon-uplink-01 2 >"$work/sim.out" 2>&1 ||
	    die "not the simulator's stream: $(head -5 "$work/sim.out")"
	[ "$(sed -n 's/^\([0-9]*\) rounds.*/\1/p' "$work/sim.out")" -ge 3 ] ||
	    die "fewer than 3 rounds: $(cat "$work/sim.out")"
	# Another device's stream (another seed) is not taken for this one.
	"$PYTHON" "$SOURCE" sim-check "$bodies" daemon-uplink-02 2 >"$work/sim.other" 2>&1 &&
	    die "the check took another device's stream"
	return 0
}

refused_collector() { # cert [protocols] [what the refusal says]
	nginx_start "$1" "${2:-}"
	start
	send_readings 1 5
	for _ in $(seq 200); do
		grep -q "uplink: delivery to .* failed" "$work/d.log" && break
		sleep 0.05
	done
	grep -q "uplink: delivery to .* failed" "$work/d.log" || die "no delivery attempt"
	stop
	[ -z "$(ls -A "$bodies")" ] || die "the collector received a body"
	trail_has TLS_FAILURE "https://127.0.0.1:$cport/fhir"
}

test_req_1_16_uplink_refuses_collector_of_another_ca() {
	refused_collector stranger
}

test_req_1_16_uplink_refuses_expired_collector_certificate() {
	refused_collector expired
	grep -qi "expired" "$work/d.log" || die "the refusal does not say expired"
}

test_req_1_16_uplink_refuses_collector_below_tls_policy() {
	refused_collector collector TLSv1.2
}

test_req_1_20_uplink_outage_delivers_queued_in_order_once() {
	start
	send_readings 1 40
	for _ in $(seq 200); do
		grep -q "uplink: delivery to .* failed" "$work/d.log" && break
		sleep 0.05
	done
	nginx_start collector
	send_readings 41 8
	wait_received 48
	diff "$work/sent.txt" "$work/received.txt" >"$work/diff" || die "readings differ or repeat: $(head "$work/diff")"
	stop
	trail_has PEER_REFUSED "https://127.0.0.1:$cport/fhir"
}

test_req_1_20_uplink_sigkill_during_outage_loses_nothing_acknowledged() {
	start
	send_readings 1 24
	kill -KILL "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	wait_children_gone
	# The killed uplink left its socket, the log its start: the restart
	# is known by a socket and a log line of its own.
	rm -f "$work/source.sock"
	cat "$work/d.log" >>"$work/all.log"
	: >"$work/d.log"
	run_daemon
	send_readings 25 8
	nginx_start collector
	wait_received 32
	sort -u "$work/received.txt" | sort -n >"$work/unique.txt"
	sort -n "$work/sent.txt" >"$work/sent.sorted"
	diff "$work/sent.sorted" "$work/unique.txt" >"$work/diff" || die "acknowledged readings lost: $(head "$work/diff")"
	# In order of first arrival: the queue delivers oldest first.
	awk '!seen[$0]++' "$work/received.txt" | diff "$work/sent.txt" - >/dev/null || die "delivered out of order"
	stop
}

# Every marker (one a line) found in the raw bytes of any file under a
# directory, as "file: marker"; fails when there is one. Raw bytes: the
# database's free pages and slack, its WAL and SHM, the queue's and the
# keystore's files are read as they are on disk.
scan_markers() { # dir markers-file
	"$PYTHON" - "$1" "$2" <<'PY'
import os, stat, sys
root, listed = sys.argv[1], sys.argv[2]
markers = [m.encode() for m in open(listed).read().split("\n") if m]
found = 0
for d, _, names in os.walk(root):
    for name in names:
        path = os.path.join(d, name)
        if not stat.S_ISREG(os.lstat(path).st_mode):
            continue
        with open(path, "rb") as f:
            data = f.read()
        for m in markers:
            if m in data:
                print("%s: %s" % (path, m.decode()))
                found += 1
sys.exit(1 if found else 0)
PY
}

# The marker values of the readings the collector holds, in the forms
# they have in a Bundle: the patient ids, the references to them, the
# readings' identifiers and times, and what every Observation has.
bundle_markers() {
	cat "$bodies"/* | grep -o \
	    -e '"reference":"Patient/[^"]*"' \
	    -e '"system":"urn:medsec:reading","value":"[^"]*"' \
	    -e '"effectiveDateTime":"[^"]*"' | sort -u
	cat "$bodies"/* | grep -o '"reference":"Patient/[^"]*"' |
	    sed 's|.*Patient/||; s|"$||' | sort -u
	printf '%s\n' '"resourceType":"Observation"' 'urn:medsec:reading'
}

# Batches waiting in the queue, as medsec status counts them (daemon
# stopped: the device is the daemon's while it runs).
queued_readings() {
	"$MEDSEC" status --state "$state" >"$work/status.out" 2>&1
	sed -n 's/^store-and-forward: .* batches (\([0-9]*\) readings.*/\1/p' "$work/status.out"
}

test_req_1_20_uplink_state_dir_keeps_no_reading_after_delivery() {
	local a b
	a=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	b=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	start
	send_readings 1 24 "$a" "$b"
	# Acknowledged to the source, so stored; the queue holds all of them
	# once the daemon stopped, and no collector has seen any.
	stop
	[ "$(queued_readings)" = 24 ] || die "the queue does not hold the 24 readings: $(cat "$work/status.out")"
	printf '%s\n' "$a" "$b" >"$work/markers"
	scan_markers "$state" "$work/markers" >"$work/scan" ||
	    die "a queued reading in clear on disk: $(head -5 "$work/scan")"
	run_daemon
	nginx_start collector
	wait_received 24
	diff "$work/sent.txt" "$work/received.txt" >"$work/diff" || die "readings differ: $(head "$work/diff")"
	bundle_markers >>"$work/markers"
	# The markers are what the collector got: every one is in its files
	# (the scan finds them), and both patients are among them.
	[ "$(grep -c . "$work/markers")" -ge $((24 * 2 + 4)) ] || die "too few markers: $(cat "$work/markers")"
	"$PYTHON" - "$bodies" "$work/markers" <<'PY' || die "a marker is not in the collector's files"
import os, sys
d, listed = sys.argv[1], sys.argv[2]
data = b"".join(open(os.path.join(d, n), "rb").read() for n in os.listdir(d))
missing = [m for m in open(listed).read().split("\n") if m and m.encode() not in data]
sys.exit("missing: %s" % missing[:5] if missing else 0)
PY
	# The scan finds a marker in the state directory when there is one.
	grep -h -o '"reference":"Patient/[^"]*"' "$bodies"/* | head -1 >"$state/control.bin"
	scan_markers "$state" "$work/markers" >"$work/scan" && die "the scan missed a planted marker"
	grep -q "control.bin" "$work/scan" || die "the planted marker found elsewhere: $(head -3 "$work/scan")"
	rm -f "$state/control.bin"
	# With the daemon running: the acknowledgements (after the collector
	# answered) destroy the batches, each in its own transaction.
	for _ in $(seq 100); do
		scan_markers "$state" "$work/markers" >"$work/scan" && break
		sleep 0.1
	done
	scan_markers "$state" "$work/markers" >"$work/scan" ||
	    die "delivered readings still on disk, daemon running: $(head -5 "$work/scan")"
	stop
	scan_markers "$state" "$work/markers" >"$work/scan" ||
	    die "delivered readings still on disk, daemon stopped: $(head -5 "$work/scan")"
	[ -z "$(queued_readings)" ] || die "the queue is not empty: $(cat "$work/status.out")"
	grep -q "^WARNING: store-and-forward LOST" "$work/status.out" && die "readings lost: $(cat "$work/status.out")"
	return 0
}

# The last operation the fault shim counted, by its trace in the log.
faultio_ops() {
	sed -n 's/^faultio: op \([0-9]*\):.*/\1/p' "$work/d.log" | tail -1
}

# A fresh run of the daemon on the provisioned device kept in template.
fresh_run() {
	rm -rf "$state" "$work/source.sock"
	cp -a "$work/template" "$state"
	cat "$work/d.log" >>"$work/all.log" 2>/dev/null
	: >"$work/d.log"
}

# The monitor's children leave when their channel to it closes.
wait_children_gone() {
	for _ in $(seq 200); do pgrep -f "$conf" >/dev/null || return 0; sleep 0.05; done
	die "the children of a cut monitor stayed"
}

# The power fails at file operation k of the monitor during an outage;
# the gateway restarts and the collector returns. A last reading sent
# then is delivered after every batch stored before it (the queue goes
# oldest first): once the collector has it, all that survived the cut
# has arrived. cut_result: "cut" when the power did fail (the crash point
# was reached), "ran" when not; acked: how many readings the source had
# acknowledged before.
cut_at() { # k mode
	local rc=0
	fresh_run
	daemon_bin=$FAULTIO_D daemon_env="MEDSEC_TEST_FAULTIO=crash_at=$1,mode=$2" run_daemon
	"$PYTHON" "$SOURCE" send-cut "$work/source.sock" 1 24 "$work/run" 2>"$work/source.err" ||
	    die "source: $(cat "$work/source.err")"
	kill -TERM "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" || rc=$?
	daemon_pid=
	case $rc in
	0) cut_result="ran" ;;
	86) cut_result="cut" ;;
	*) die "medsecd_faultio at $1 ($2) exited $rc" ;;
	esac
	wait_children_gone
	rm -f "$work/source.sock"
	: >"$work/d.log"
	nginx_start collector
	run_daemon
	: >"$work/sent.txt"
	send_readings 25 1
	cat "$work/sent.txt" >>"$work/run.frames"
	cat "$work/sent.txt" >>"$work/run.acked"
	for _ in $(seq 300); do
		cat "$bodies"/* 2>/dev/null | grep -q '"value":"daemon-uplink-01/p-1002/25"' && break
		sleep 0.1
	done
	acked=$(($(grep -c . "$work/run.acked") - 1))
	"$PYTHON" "$SOURCE" cut-check "$bodies" "$work/run.frames" "$work/run.acked" \
	    >"$work/check.out" 2>&1 || die "power cut at $1 ($2): $(head -5 "$work/check.out")"
	# Once: the check sees an acknowledged reading that did not arrive.
	if [ -z "${check_checked:-}" ]; then
		sed 's/^25 /26 /' "$work/sent.txt" | cat "$work/run.acked" - >"$work/run.lost"
		"$PYTHON" "$SOURCE" cut-check "$bodies" "$work/run.frames" "$work/run.lost" \
		    >"$work/check.lost" 2>&1 && die "the check missed a lost reading"
		grep -q "acknowledged, never delivered: 26 " "$work/check.lost" ||
		    die "the lost reading not named: $(head -3 "$work/check.lost")"
		check_checked=1
	fi
	stop
	nginx_stop
	rm -rf "$bodies"
}

test_req_1_20_uplink_power_cut_during_outage_loses_nothing_acknowledged() {
	# The queue is written by the monitor: the uplink (its own process,
	# forked by the monitor and sandboxed) hands each batch over privsep
	# (UP_PUT) and acknowledges the source once the monitor has committed
	# it (monitor_uplink.c, h_put). So the shim in medsecd_faultio counts
	# and cuts in the monitor and is disarmed in the children it forks
	# (tests/helpers/medsecd_faultio/faultio_arm.c).
	FAULTIO_D=$MEDSEC_BINARY_DIR/bin/medsecd_faultio
	[ -x "$FAULTIO_D" ] || { echo "SKIP: medsecd_faultio not built"; exit 77; }
	local first last k mode offset cuts=0 runs=0 after_ack=0 step
	write_conf
	"$MEDSEC" init --state "$state" --config "$conf" --device-id daemon-uplink-01 \
	    >"$work/init.out" 2>&1 || die "init: $(cat "$work/init.out")"
	cp -a "$state" "$work/template"
	# Counting: the operations the monitor makes while it takes the
	# readings of an outage (the collector down), after it started.
	fresh_run
	daemon_bin=$FAULTIO_D daemon_env=FAULTIO_TRACE=1 run_daemon
	first=$(faultio_ops)
	send_readings 1 24
	last=$(faultio_ops)
	stop
	[ -n "$first" ] && [ "$last" -gt "$first" ] || die "the shim counted no operation ($first..$last)"
	echo "operations during the outage: $((first + 1))..$last"
	# About ten points a mode, the second mode's between the first's.
	step=$(( (last - first + 9) / 10 ))
	for mode in power_drop power_garble; do
		offset=0
		[ "$mode" = power_garble ] && offset=$((step / 2))
		for k in $(seq $((first + 1 + offset)) "$step" "$last"); do
			runs=$((runs + 1))
			cut_at "$k" "$mode"
			[ "$cut_result" = cut ] || continue
			cuts=$((cuts + 1))
			[ "$acked" -gt 0 ] && after_ack=$((after_ack + 1))
		done
	done
	echo "$runs runs, $cuts power cuts, $after_ack of them after readings were acknowledged"
	[ "$cuts" -gt 0 ] || die "no run lost power"
	[ "$after_ack" -gt 0 ] || die "no power cut came after an acknowledgement"
	return 0
}

test_req_2_1_uplink_malformed_frame_refused_counted_and_audited() {
	nginx_start collector
	start
	"$PYTHON" "$SOURCE" raw "$work/source.sock" '7 p-1001 heart_rate 72 1764700000000' \
	    '8 p-1001 pulse 72 1764700000000' '9 p-1001 spo2 140 1764700000000' \
	    >"$work/raw.out" 2>&1 || die "raw: $(cat "$work/raw.out")"
	grep -q "^ACK 7$" "$work/raw.out" || die "good frame not acknowledged: $(cat "$work/raw.out")"
	grep -q "^ERR 8 vital 'pulse': not heart_rate" "$work/raw.out" || die "bad vital: $(cat "$work/raw.out")"
	grep -q "^ERR 9 value 140: outside 0..100 for spo2" "$work/raw.out" || die "bad value: $(cat "$work/raw.out")"
	# The monitor has both refusals (counted) before the trail is read.
	for _ in $(seq 200); do grep -q "(2 in all)" "$work/d.log" && break; sleep 0.05; done
	grep -q "(2 in all)" "$work/d.log" || die "the monitor did not count the refusals"
	stop
	trail_has PHR_CREATE "vital 'pulse'\|value 140"
	grep '"PHR_CREATE"' "$work/trail.jsonl" | grep -q "frames_refused_total" || die "the refusal is not counted"
}

# Catalog H7: one acquisition process at ten times the nominal rate on
# its connection, two others at half of it. The fast one's readings over
# [source] rate are refused (ERR rate), counted, recorded in aggregate as
# THROTTLED with an alarm and an incident; every in-rate reading of the
# others is acknowledged and reaches the collector, and none refused.
test_req_2_4_attack_h7_source_overload_rate_limited_others_served() {
	nginx_start collector
	source_extra="rate = 20
burst = 40" start
	local fast a b
	"$PYTHON" "$SOURCE" paced "$work/source.sock" 1 1000 200 p-2001 "$work/fast" \
	    >"$work/fast.out" 2>&1 &
	fast=$!
	"$PYTHON" "$SOURCE" paced "$work/source.sock" 100001 50 10 p-3001 "$work/a" \
	    >"$work/a.out" 2>&1 &
	a=$!
	"$PYTHON" "$SOURCE" paced "$work/source.sock" 200001 50 10 p-3002 "$work/b" \
	    >"$work/b.out" 2>&1 &
	b=$!
	wait "$a" || die "in-rate source p-3001: $(cat "$work/a.out")"
	wait "$b" || die "in-rate source p-3002: $(cat "$work/b.out")"
	wait "$fast" || die "fast source: $(cat "$work/fast.out")"
	local pid sent refused acked seconds accepted bound
	read -r pid sent refused acked seconds <"$work/fast.summary"
	echo "fast source: $sent sent in $seconds s, $refused refused, ACK $acked"
	[ -s "$work/a.refused" ] && die "in-rate source p-3001 refused: $(head -3 "$work/a.refused")"
	[ -s "$work/b.refused" ] && die "in-rate source p-3002 refused: $(head -3 "$work/b.refused")"
	accepted=$((sent - refused))
	# The bucket: 40 at once, then 20 a second for the seconds sent (+1
	# for the last partial second and the clock's grain).
	bound=$(awk -v s="$seconds" 'BEGIN { printf "%d", 40 + 20 * (s + 1) }')
	[ "$accepted" -le "$bound" ] || die "$accepted readings taken from the fast source in $seconds s: over 40 + 20/s"
	[ "$refused" -ge $((sent / 2)) ] || die "only $refused of $sent refused at ten times the rate"
	[ "$accepted" -ge 40 ] || die "only $accepted in-rate readings of the fast source taken"
	wait_received $((100 + accepted))
	sort -u "$work/received.txt" >"$work/got"
	cat "$work/a.sent" "$work/b.sent" "$work/fast.sent" | sort -u >"$work/want"
	diff "$work/want" "$work/got" >"$work/diff" || die "the collector's readings differ from those taken: $(head "$work/diff")"
	grep -q "uplink: source local:pid=$pid,uid=0 .* over 20 readings/s" "$work/d.log" || die "no alarm naming the fast source"
	stop
	# Aggregated: the first refusal at once, the rest when the connection
	# closed; together every refusal the source was told of.
	local records total
	records=$(grep '"THROTTLED"' "$work/trail.jsonl" | grep -c "local:pid=$pid,")
	[ "$records" -ge 1 ] && [ "$records" -le 3 ] || die "$records THROTTLED records for one connection"
	total=$(grep '"THROTTLED"' "$work/trail.jsonl" | grep "local:pid=$pid," |
	    grep -o '"refused_readings":[0-9]*' | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')
	[ "$total" = "$refused" ] || die "the trail counts $total refused readings, the source was refused $refused"
	grep '"THROTTLED"' "$work/trail.jsonl" | grep "local:pid=" | grep -v "local:pid=$pid," |
	    grep -q . && die "an in-rate source recorded as throttled"
	trail_has INCIDENT "incident opened by the device"
	local id
	id=$(grep '"INCIDENT"' "$work/trail.jsonl" | grep -o '"object":"INC-[0-9-]*"' | head -1 | cut -d'"' -f4)
	"$MEDSEC" incident show "$id" --state "$state" >"$work/show" 2>&1 || die "incident show $id: $(cat "$work/show")"
	grep -q "acquisition process local:pid=$pid,uid=0 over 20 readings/s on the source socket" "$work/show" ||
	    die "the incident does not name the source: $(cat "$work/show")"
	return 0
}

# T-95: only the service user's group may write readings. The socket is
# 0660 for nobody:nogroup; a process of another user and group (daemon)
# is refused by the kernel before the uplink reads a byte; a process of
# another user in the group is served.
test_req_1_5_uplink_source_socket_refuses_other_users() {
	command -v setpriv >/dev/null || { echo "SKIP: needs setpriv"; exit 77; }
	getent passwd daemon >/dev/null || { echo "SKIP: no user daemon"; exit 77; }
	nginx_start collector
	start
	[ "$(stat -c '%a %U %G' "$work/source.sock")" = "660 nobody $(id -gn nobody)" ] ||
	    die "source socket is $(stat -c '%a %U %G' "$work/source.sock")"
	setpriv --reuid=daemon --regid=daemon --clear-groups "$PYTHON" "$SOURCE" raw "$work/source.sock" \
	    '7 p-1001 heart_rate 72 1764700000000' >"$work/other.out" 2>&1 &&
	    die "another user wrote to the source socket: $(cat "$work/other.out")"
	grep -q "Permission denied" "$work/other.out" || die "not refused by permission: $(cat "$work/other.out")"
	setpriv --reuid=daemon --regid="$(id -g nobody)" --clear-groups "$PYTHON" "$SOURCE" raw "$work/source.sock" \
	    '8 p-1001 heart_rate 72 1764700000000' >"$work/member.out" 2>&1 ||
	    die "a member of the group was refused: $(cat "$work/member.out")"
	grep -q "^ACK 8$" "$work/member.out" || die "the member's reading was not taken: $(cat "$work/member.out")"
	wait_received 1
	grep -q "^7 " "$work/received.txt" && die "the other user's reading reached the collector"
	stop
}

make_pki
"$1"
