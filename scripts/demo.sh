#!/bin/sh
# make run: the telehealth gateway on this machine, end to end.
#
# On first use it provisions ./var/demo/device (printing the one-time
# setup code), writes a demo PKI under var/demo/pki (a hospital CA, the uplink's
# client certificate and the collector's server certificate; the device's
# own server certificate is made by provisioning), then starts nginx on
# loopback as the hospital's collector (mutual TLS, every Bundle kept
# under var/demo/collector) and medsecd in the foreground on
# https://127.0.0.1:8443 with the simulator feeding the uplink, and
# rsyslog on loopback receiving the audit trail (scripts/demo-syslog.sh).
# Ctrl-C stops everything; medsecd's SIGTERM checkpoints the audit trail.
#
# Demo keys and certificates are made here on purpose: a demonstration
# device, never a template for a real one.
set -eu
medsec=$1
demo=$2
state=$demo/device
medsecd=$(dirname "$medsec")/medsecd
device_id=demo-gateway-01
api_port=8443
collector_port=8444
pki=$demo/pki
conf=$demo/medsecd.conf
collector=$demo/collector
receiver=$demo/syslog
receiver_port=16514
scripts=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -eq 0 ]; then
	service_user=nobody
else
	service_user=$(id -un)
fi

need() {
	command -v "$1" >/dev/null 2>&1 || {
		echo "demo: $1 is needed ($2)" >&2
		exit 1
	}
}
need openssl "the demo PKI"
need nginx "the collector (nginx-light, libnginx-mod-http-echo)"
need curl "the commands printed at the end"
need rsyslogd "the log receiver (rsyslog, rsyslog-openssl)"

make_pki() {
	mkdir -p "$pki"
	chmod 700 "$pki"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$pki/hospital-ca.key" -out "$pki/hospital-ca.pem" \
	    -days 365 -subj "/CN=Demo Hospital CA" 2>/dev/null
	for who in collector uplink; do
		if [ "$who" = collector ]; then
			ext="subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
			cn=127.0.0.1
		else
			ext="extendedKeyUsage=clientAuth"
			cn=uplink.$device_id
		fi
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout "$pki/$who.key" -out "$pki/$who.csr" \
		    -subj "/CN=$cn" 2>/dev/null
		printf '%s\n' "$ext" >"$pki/$who.ext"
		openssl x509 -req -in "$pki/$who.csr" -CA "$pki/hospital-ca.pem" \
		    -CAkey "$pki/hospital-ca.key" -CAcreateserial -days 365 \
		    -extfile "$pki/$who.ext" -out "$pki/$who.pem" 2>/dev/null
	done
	chmod 600 "$pki"/*.key
}

write_conf() {
	cat >"$conf" <<CONF
[device]
state_dir = $(cd "$demo" && pwd)/device
[listen]
api = 127.0.0.1:$api_port
api_allow = 127.0.0.0/8
[daemon]
user = $service_user
[source]
simulator = on
patients = 4
interval = 5
[uplink]
url = https://127.0.0.1:$collector_port/fhir
client_cert = $(cd "$pki" && pwd)/uplink.pem
client_key = $(cd "$pki" && pwd)/uplink.key
ca_file = $(cd "$pki" && pwd)/hospital-ca.pem
CONF
	chmod 600 "$conf"
}

if [ ! -e "$state/keys/master.key" ]; then
	mkdir -p "$demo"
	chmod 700 "$demo"
	rm -rf "$pki" "$state"
	make_pki
	write_conf
	echo "== provisioning $state (the setup code is shown once)"
	"$medsec" init --state "$state" --config "$conf" --device-id "$device_id"
fi

# ---- the collector: nginx with mutual TLS on loopback ----
run=$(cd "$demo" && pwd)/run
mkdir -p "$run" "$collector"
cat >"$run/nginx.conf" <<NGINX
load_module /usr/share/nginx/modules/ngx_http_echo_module.so;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
pid $run/nginx.pid;
error_log $run/nginx.err;
events { worker_connections 64; }
http {
	access_log $run/nginx.access;
	client_body_temp_path $(cd "$collector" && pwd);
	proxy_temp_path $run;
	fastcgi_temp_path $run;
	uwsgi_temp_path $run;
	scgi_temp_path $run;
	server {
		listen 127.0.0.1:$collector_port ssl;
		ssl_certificate $(cd "$pki" && pwd)/collector.pem;
		ssl_certificate_key $(cd "$pki" && pwd)/collector.key;
		ssl_client_certificate $(cd "$pki" && pwd)/hospital-ca.pem;
		ssl_verify_client on;
		ssl_protocols TLSv1.3;
		location = /fhir {
			client_body_in_file_only on;
			client_max_body_size 1m;
			echo_read_request_body;
			default_type application/fhir+json;
			echo '{"resourceType":"Bundle","type":"transaction-response"}';
		}
	}
}
NGINX

daemon_pid=
stop_all() {
	trap - INT TERM EXIT
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid"
		wait "$daemon_pid" || true
	fi
	nginx -p "$run" -e "$run/nginx.err" -c "$run/nginx.conf" -s stop \
	    2>/dev/null || true
	"$scripts/demo-syslog.sh" stop "$receiver" 2>/dev/null || true
	echo
	echo "demo: stopped; the audit trail was checkpointed by medsecd"
}
trap stop_all INT TERM EXIT

nginx -p "$run" -e "$run/nginx.err" -c "$run/nginx.conf"

# The log receiver: rsyslog over TLS (RFC 5425) with mutual TLS; medsecd's
# [ship] section (written once, with the receiver's pin) points at it.
# Started as root, rsyslogd runs as nobody: it must pass through the demo
# directory (search only; what is inside keeps its own modes).
chmod 711 "$demo"
"$scripts/demo-syslog.sh" start "$receiver" "$receiver_port"
grep -q '^\[ship\]' "$conf" || cat "$receiver/ship.conf" >>"$conf"

"$medsec" tls show --state "$state" | \
    sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' >"$run/device.pem"
tls="--cacert $run/device.pem --resolve $device_id:$api_port:127.0.0.1"
api=https://$device_id:$api_port

cat <<NEXT

== medsecd on https://127.0.0.1:$api_port (as $device_id), the simulator
   feeding 4 patients to the collector on https://127.0.0.1:$collector_port

Next, in another terminal:

1. create the administrator with the setup code printed at provisioning:
     $medsec user setup chief --state $state

2. log in with curl (the device's own certificate is the trust anchor):
     curl $tls \\
       -H 'Content-Type: application/json' \\
       -d '{"user":"chief","password":"YOUR-PASSWORD"}' $api/v1/session

3. watch readings reach the collector and the audit trail reach the
   log receiver:
     watch -n 5 'ls -t $collector | head -5; tail -n 5 $receiver/received.log'

Ctrl-C here stops medsecd, the collector and the log receiver.
NEXT

"$medsecd" -f -c "$conf" &
daemon_pid=$!
wait "$daemon_pid" || true
daemon_pid=
