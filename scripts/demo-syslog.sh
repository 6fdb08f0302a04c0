#!/bin/bash
# A local syslog collector for the demo and the tests: rsyslog with the
# OpenSSL driver, RFC 5425 (syslog over TLS) on loopback, mutual TLS,
# writing what it receives to DIR/received.log (RFC 5424 form) and
# DIR/raw.log (the messages as sent).
#
#   scripts/demo-syslog.sh start DIR [PORT]   writes DIR/pki (a demo CA,
#       the collector's certificate, the device's client certificate),
#       DIR/rsyslog.conf and DIR/ship.conf (the [ship] lines medsecd
#       needs, with the collector's pin), then starts rsyslogd in the
#       background; PORT defaults to 16514.
#   scripts/demo-syslog.sh stop DIR           stops it.
#
# The PKI is made once and kept, so a restart keeps the pin. rsyslogd runs
# as the calling user, or as nobody when called as root. Demo keys only.
set -eu

usage() { echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2
port=${3:-16514}
device_name=medsec-device.local

make_pki() {
	local p=$dir/pki
	[ -f "$p/client.pem" ] && return 0
	mkdir -p "$p"
	openssl ecparam -name prime256v1 -genkey -noout -out "$p/ca.key" 2>/dev/null
	openssl req -x509 -new -key "$p/ca.key" -subj "/CN=medsec demo syslog CA" -days 365 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		-out "$p/ca.pem" 2>/dev/null
	leaf "$p" server "arr.local" "DNS:arr.local,IP:127.0.0.1" serverAuth
	leaf "$p" client "$device_name" "DNS:$device_name" clientAuth
	chmod 600 "$p"/*.key
}

leaf() { # pkidir name cn san eku
	local p=$1
	openssl ecparam -name prime256v1 -genkey -noout -out "$p/$2.key" 2>/dev/null
	openssl req -new -key "$p/$2.key" -subj "/CN=$3" -out "$p/$2.csr" 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' \
		"$4" "$5" >"$p/$2.ext"
	openssl x509 -req -in "$p/$2.csr" -CA "$p/ca.pem" -CAkey "$p/ca.key" -CAcreateserial \
		-days 90 -extfile "$p/$2.ext" -out "$p/$2.pem" 2>/dev/null
	rm -f "$p/$2.csr" "$p/$2.ext"
}

pin() { # certificate -> cert-sha256:<hex>
	echo "cert-sha256:$(openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1)"
}

write_conf() {
	mkdir -p "$dir/run"
	cat >"$dir/rsyslog.conf" <<CONF
# medsec demo collector: RFC 5425 on 127.0.0.1:$port, mutual TLS (ossl)
global(
  workDirectory="$dir/run"
  DefaultNetstreamDriver="ossl"
  DefaultNetstreamDriverCAFile="$dir/pki/ca.pem"
  DefaultNetstreamDriverCertFile="$dir/pki/server.pem"
  DefaultNetstreamDriverKeyFile="$dir/pki/server.key"
  maxMessageSize="64k"
)
module(load="imtcp"
       StreamDriver.Name="ossl"
       StreamDriver.Mode="1"
       StreamDriver.AuthMode="x509/name"
       PermittedPeer=["$device_name"])
input(type="imtcp" address="127.0.0.1" port="$port" ruleset="arr")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="arr") {
  action(type="omfile" file="$dir/received.log" template="RSYSLOG_SyslogProtocol23Format")
  action(type="omfile" file="$dir/raw.log" template="raw")
}
CONF
	cat >"$dir/ship.conf" <<CONF
[ship]
target = 127.0.0.1:$port
server_name = arr.local
ca_file = $dir/pki/ca.pem
cert_file = $dir/pki/client.pem
key_file = $dir/pki/client.key
pin = $(pin "$dir/pki/server.pem")
formats = syslog, atna
CONF
}

start() {
	command -v rsyslogd >/dev/null || { echo "$0: rsyslogd not installed (rsyslog, rsyslog-openssl)" >&2; exit 1; }
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	# Started twice, a second rsyslogd would lose the port and stay
	# behind, its pid overwritten and never stopped: once is enough.
	if [ -f "$dir/rsyslog.pid" ] && kill -0 "$(cat "$dir/rsyslog.pid")" 2>/dev/null; then
		echo "collector already running (pid $(cat "$dir/rsyslog.pid")); [ship] lines in $dir/ship.conf"
		return 0
	fi
	make_pki
	write_conf
	local run_as=()
	if [ "$(id -u)" -eq 0 ]; then
		# The collector needs no privilege: its files go to nobody.
		chown -R nobody "$dir/run" "$dir/pki/server.key"
		touch "$dir/received.log" "$dir/raw.log"
		chown nobody "$dir/received.log" "$dir/raw.log"
		chmod 755 "$dir" "$dir/pki"
		chmod 644 "$dir/pki/ca.pem" "$dir/pki/server.pem"
		run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	rsyslogd -N1 -f "$dir/rsyslog.conf" >"$dir/check.log" 2>&1 || { cat "$dir/check.log" >&2; exit 1; }
	"${run_as[@]}" rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/run/rsyslogd.pid" >>"$dir/rsyslog.log" 2>&1 &
	echo $! >"$dir/rsyslog.pid"
	# Ready once the port accepts (bounded, not a timing assumption).
	local i
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "collector on 127.0.0.1:$port (pid $(cat "$dir/rsyslog.pid")); [ship] lines in $dir/ship.conf"
			return 0
		fi
		kill -0 "$(cat "$dir/rsyslog.pid")" 2>/dev/null || { cat "$dir/rsyslog.log" >&2; exit 1; }
		sleep 0.1
	done
	echo "$0: rsyslogd did not listen on $port" >&2
	exit 1
}

stop() {
	local pid
	[ -f "$dir/rsyslog.pid" ] || return 0
	pid=$(cat "$dir/rsyslog.pid")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	fi
	rm -f "$dir/rsyslog.pid"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
