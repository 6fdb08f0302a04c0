# Stand-in servers the attack harness is proven against, before (and beside)
# medsecd: openssl s_server, nginx and standin_https.py. Source it, then:
#
#   standin_init DIR PKIDIR          # a work directory, and a PKI made by tests/pki/mkpki.sh
#   port=$(standin_port)             # a free loopback port
#   standin_sserver NAME PORT [s_server options...]
#   standin_nginx NAME PORT [tls12] [nolimits] [slow]
#   standin_pystub NAME PORT [standin_https.py options...]
#   standin_pid NAME                 # the PID serving (nginx: its worker)
#   standin_stop_all                 # stops every stand-in this shell started
#
# Every stand-in listens on 127.0.0.1 with the PKI's server certificate
# (ECDSA P-256, DNS:localhost and IP:127.0.0.1).

STANDIN_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${MEDSEC_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then MEDSEC_PYTHON=/usr/bin/python3; else MEDSEC_PYTHON=python3; fi
fi

standin_init() { # dir pkidir
	STANDIN_DIR=$1
	STANDIN_PKI=$2
	mkdir -p "$STANDIN_DIR/www"
	chmod 755 "$STANDIN_DIR" "$STANDIN_DIR/www"
	echo '{"status":"ok"}' >"$STANDIN_DIR/www/health"
	head -c 1048576 /dev/zero | tr '\0' x >"$STANDIN_DIR/www/big"
	chmod 644 "$STANDIN_DIR/www/"*
}

standin_port() {
	"$MEDSEC_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

standin_wait_port() { # port: until it accepts TCP connections, at most 10 s
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "stand-in: nothing listens on 127.0.0.1:$1 after 10 s" >&2
	return 1
}

_standin_started() { # name pid port
	echo "$2" >"$STANDIN_DIR/$1.pid"
	standin_wait_port "$3"
}

# openssl s_server answering GET with its status page (-www). TLS and
# client-certificate policy come from the options.
standin_sserver() { # name port [options...]
	local name=$1 port=$2
	shift 2
	openssl s_server -accept "127.0.0.1:$port" -naccept 1000 -www \
	    -cert "$STANDIN_PKI/server.pem" -key "$STANDIN_PKI/server.key" "$@" \
	    </dev/null >"$STANDIN_DIR/$name.log" 2>&1 &
	_standin_started "$name" $! "$port"
}

# nginx with the certificate, TLS 1.3 only and the groups of the daemon's
# default policy; /health, /big (1 MiB), /body (reads the request body).
# Flags: tls12 (TLS 1.2 too), nolimits (no limit_req), slow (timeouts of
# 120 s and only 256 connections: what slow attacks exploit), early (TLS 1.3
# 0-RTT accepted).
standin_nginx() { # name port [flags...]
	local name=$1 port=$2 flag protocols="TLSv1.3" limits=1 timeout=3s conns=4096 dir early=off
	shift 2
	for flag in "$@"; do
		case $flag in
		tls12) protocols="TLSv1.2 TLSv1.3" ;;
		nolimits) limits=0 ;;
		slow) timeout=120s conns=256 ;;
		early) early=on ;;
		*) echo "standin_nginx: unknown flag $flag" >&2; return 1 ;;
		esac
	done
	dir=$STANDIN_DIR/nginx-$name
	mkdir -p "$dir/tmp"
	local limit_http="" limit_loc=""
	if [ "$limits" = 1 ]; then
		limit_http="limit_req_zone \$binary_remote_addr zone=req:1m rate=20r/s;
	limit_req_status 429;"
		limit_loc="limit_req zone=req burst=40 nodelay;"
	fi
	cat >"$dir/nginx.conf" <<-EOF
		load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
		worker_processes 1;
		user root root;
		pid $dir/nginx.pid;
		error_log $dir/error.log warn;
		events { worker_connections $conns; }
		http {
			access_log off;
			server_tokens off;
			client_body_temp_path $dir/tmp/body;
			proxy_temp_path $dir/tmp/proxy;
			fastcgi_temp_path $dir/tmp/fastcgi;
			uwsgi_temp_path $dir/tmp/uwsgi;
			scgi_temp_path $dir/tmp/scgi;
			client_header_timeout $timeout;
			client_body_timeout $timeout;
			send_timeout $timeout;
			keepalive_timeout 60s;
			keepalive_requests 100000;
			client_max_body_size 64k;
			default_type application/json;
			$limit_http
			server {
				# A small send buffer, so a client that reads slowly leaves nginx
				# with unsent data and send_timeout applies.
				listen 127.0.0.1:$port ssl sndbuf=32k;
				ssl_certificate $STANDIN_PKI/server-chain.pem;
				ssl_certificate_key $STANDIN_PKI/server.key;
				ssl_protocols $protocols;
				ssl_ecdh_curve X25519:prime256v1:secp384r1;
				ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256;
				ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256;
				ssl_session_cache shared:tls:1m;
				ssl_early_data $early;
				root $STANDIN_DIR/www;
				location / { $limit_loc }
				location = /body { $limit_loc echo_read_request_body; echo ok; }
				# Unlimited, so a slow reader gets the whole MiB to (not) read.
				location = /big { }
				error_page 429 /429.json;
				location = /429.json {
					internal;
					add_header Retry-After 1 always;
					return 429 '{"error":{"code":"rate_limited","message":"slow down"}}';
				}
			}
		}
	EOF
	nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' \
	    >"$STANDIN_DIR/$name.log" 2>&1 &
	_standin_started "$name" $! "$port"
}

# The Python model of the daemon's HTTP front end (see standin_https.py).
standin_pystub() { # name port [options...]
	local name=$1 port=$2
	shift 2
	"$MEDSEC_PYTHON" "$STANDIN_HOME/standin_https.py" --port "$port" \
	    --cert "$STANDIN_PKI/server-chain.pem" --key "$STANDIN_PKI/server.key" "$@" \
	    >"$STANDIN_DIR/$name.log" 2>&1 &
	_standin_started "$name" $! "$port"
}

# The PID that does the serving: nginx's (single) worker, else the process.
standin_pid() { # name
	local pid child
	pid=$(cat "$STANDIN_DIR/$1.pid")
	child=$(pgrep -P "$pid" | head -1)
	echo "${child:-$pid}"
}

standin_stop() { # name
	local pid
	[ -f "$STANDIN_DIR/$1.pid" ] || return 0
	pid=$(cat "$STANDIN_DIR/$1.pid")
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$STANDIN_DIR/$1.pid"
}

standin_stop_all() {
	local f
	[ -n "${STANDIN_DIR:-}" ] || return 0
	for f in "$STANDIN_DIR"/*.pid; do
		[ -e "$f" ] || continue
		standin_stop "$(basename "$f" .pid)"
	done
}
