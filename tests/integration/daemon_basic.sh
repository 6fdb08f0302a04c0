#!/bin/bash
# medsecd end to end on loopback: a provisioned device, the daemon in the
# foreground as root with its worker as nobody, and curl as the client.
# Run by CTest as: bash daemon_basic.sh <test_name>. Skips (77) unless
# root, since the worker's privilege drop is part of what is tested.
daemon_test=basic
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

test_req_1_19_daemon_check_config_validates_without_starting() {
	write_conf
	out=$("$MEDSECD" -c "$conf" --check-config) || die "valid file refused"
	[ "$out" = "$conf: ok" ] || die "unexpected: $out"
	sed -i 's/^debug_allow = .*/debug_allow =/' "$conf"
	if "$MEDSECD" -c "$conf" --check-config >"$work/o" 2>&1; then die "debug_http without allow list accepted"; fi
	grep -q "debug" "$work/o" || die "error does not name the key: $(cat "$work/o")"
	[ ! -e "$state" ] || die "--check-config touched the device"
}

test_req_1_19_daemon_binds_only_what_the_configuration_names() {
	write_conf
	"$MEDSECD" -c "$conf" --print-services >"$work/svc" || die "print-services failed"
	grep -q "^debug_http 127.0.0.1:$port tcp http" "$work/svc" || die "listener missing: $(cat "$work/svc")"
	grep -q "allow: 127.0.0.0/8" "$work/svc" || die "allow list missing"
	grep -q "^1 listener; nothing else is bound" "$work/svc" || die "inventory: $(cat "$work/svc")"
	rm -f "$conf"
	start
	w=$(worker_pid)
	ss -Hltnp >"$work/ss"
	ports=$(grep -E "pid=($daemon_pid|$w)," "$work/ss" | awk '{ print $4 }' | sort -u)
	[ "$ports" = "127.0.0.1:$port" ] || die "listening on: $ports"
	ss -Hlunp | grep -qE "pid=($daemon_pid|$w)," && die "a UDP socket is open"
	true
}

# Until the TLS channel is in the worker's accept path, an HTTPS listener
# is refused at start (exit 3, a message naming it), never served in clear.
test_req_1_15_daemon_https_listener_never_served_in_clear() {
	provision
	sed -i "s/^api =\$/api = 127.0.0.1:$port\napi_allow = 127.0.0.0\/8/; s/^debug_http = .*/debug_http =/; s/^debug_allow = .*/debug_allow =/" "$conf"
	"$MEDSECD" -c "$conf" --check-config >/dev/null || die "config: $("$MEDSECD" -c "$conf" --check-config 2>&1)"
	"$MEDSECD" -f -c "$conf" >"$work/d.log" 2>&1 &
	daemon_pid=$!
	# The device's own certificate, made at provisioning, is what the
	# client must trust; the name is the device id.
	ms tls show >"$work/tls.out" 2>&1 || die "tls show: $(cat "$work/tls.out")"
	sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$work/tls.out" >"$work/device.pem"
	local i code=000
	for i in $(seq 200); do
		code=$(curl -s -o "$work/body" -w '%{http_code}' --max-time 5 --cacert "$work/device.pem" \
		    --resolve "daemon-test-01:$port:127.0.0.1" "https://daemon-test-01:$port/v1/health") && [ "$code" = 200 ] && break
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	[ "$code" = 200 ] || die "HTTPS health answered $code"
	# Plain HTTP on the TLS port gets no HTTP answer, only the end of the
	# connection: nothing is ever served in clear.
	out=$(printf 'GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n' | timeout 10 socat -t 5 - "TCP:127.0.0.1:$port" 2>/dev/null | head -c 200 | tr -d '\000')
	case $out in *HTTP/1.*) die "plain HTTP answered on the HTTPS port: $out" ;; esac
	# And TLS 1.2 is not offered.
	if openssl s_client -connect "127.0.0.1:$port" -tls1_2 </dev/null >"$work/s12" 2>&1; then
		die "TLS 1.2 handshake completed"
	fi
	stop
}

test_req_2_3_incident_served_without_login() {
	start
	[ "$(req GET /v1/incident)" = 200 ] || die "incident: $(cat "$work/body")"
	body_has '"contact":"Example Medical Co. product security"'
	body_has '"steps":\["Disconnect the gateway from the network if it behaves unexpectedly.","Call the security contact."\]'
	[ "$(req GET /v1/health)" = 200 ] || die "health"
	body_has '"status":"ok"'
}

test_req_1_3_daemon_wrong_password_counted_then_locked() {
	start
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login: $(cat "$work/body")"
	admin=$token
	[ -n "$admin" ] || die "no token"
	for i in 1 2 3; do
		login nurse01 wrong-password-$i; [ "$st" = 401 ] || die "wrong password $i: $(cat "$work/body")"
		body_has invalid_credentials
	done
	login nurse01 "$nurse_pw"; [ "$st" = 403 ] || die "locked account logged in: $(cat "$work/body")"
	body_has account_locked
	[ "$(req GET /v1/users "$admin")" = 200 ] || die "users: $(cat "$work/body")"
	grep -q '"name":"nurse01"[^}]*"state":"locked"[^}]*"failures":3' "$work/body" || die "lock not shown: $(cat "$work/body")"
	[ "$(req POST /v1/users/nurse01/unlock "$admin")" = 204 ] || die "unlock: $(cat "$work/body")"
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "unlocked account refused: $(cat "$work/body")"
	stop
	[ "$(grep -c '"LOGIN_FAILURE"' "$work/trail.jsonl")" -ge 3 ] || die "failures not recorded"
	trail_has ACCOUNT_LOCKED nurse01
	trail_has ACCOUNT_UNLOCKED nurse01
}

test_req_1_8_daemon_logout_kills_the_token() {
	start
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login"
	[ "$(req GET /v1/session "$token")" = 200 ] || die "session: $(cat "$work/body")"
	body_has '"user":"chief"'
	grep -q token "$work/body" && die "GET /v1/session shows the token"
	[ "$(req DELETE /v1/session "$token")" = 204 ] || die "logout: $(cat "$work/body")"
	[ "$(req GET /v1/session "$token")" = 401 ] || die "token lives after logout"
	body_has session_ended
	[ "$(req GET /v1/session)" = 401 ] || die "no token accepted"
	body_has unauthenticated
	[ "$(req GET /v1/session "not-a-token")" = 401 ] || die "malformed token accepted"
	stop
	trail_has LOGOUT chief
}

test_req_1_1_daemon_user_admin_by_admin_denied_to_clinician() {
	start
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login"
	admin=$token
	[ "$(req POST /v1/users "$admin" '{"name":"tech01","roles":"technician","password":"Tech-Initial-42x"}')" = 201 ] || die "add: $(cat "$work/body")"
	body_has '"must_change_password":true'
	[ "$(req POST /v1/users "$admin" '{"name":"tech01","roles":"technician","password":"Other-Initial-77y"}')" = 409 ] || die "duplicate add: $(cat "$work/body")"
	body_has user_exists
	[ "$(req POST /v1/users "$admin" '{"name":"Bad Name","roles":"technician","password":"Tech-Initial-42x"}')" = 400 ] || die "bad name"
	body_has "not a valid user name"
	[ "$(req POST /v1/users "$admin" '{"name":"tech02","roles":"technician","password":"Tech-Initial-42x","admin":true}')" = 400 ] || die "unknown member accepted"
	[ "$(req POST /v1/users/tech01/disable "$admin")" = 204 ] || die "disable: $(cat "$work/body")"
	[ "$(req POST /v1/users/tech01/enable "$admin")" = 204 ] || die "enable"
	[ "$(req DELETE /v1/users/tech01 "$admin")" = 204 ] || die "delete: $(cat "$work/body")"
	[ "$(req DELETE /v1/users/ghost "$admin")" = 404 ] || die "ghost: $(cat "$work/body")"
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "nurse login"
	[ "$(req GET /v1/users "$token")" = 403 ] || die "clinician listed users"
	body_has permission_denied
	[ "$(req POST /v1/users "$token" '{"name":"evil","roles":"administrator","password":"Evil-Password-99"}')" = 403 ] || die "clinician added a user"
	stop
	trail_has USER_CREATED tech01
	trail_has USER_DELETED tech01
	trail_has PERMISSION_DENIED nurse01
}

test_req_1_2_daemon_one_session_per_user() {
	start
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "first login"
	first=$token
	login nurse01 "$nurse_pw"
	case $st in
	201) # replace policy: the first session is over
		[ "$(req GET /v1/session "$first")" = 401 ] || die "two live sessions"
		body_has session_replaced ;;
	409) body_has session_active ;;
	*) die "second login: $st $(cat "$work/body")" ;;
	esac
}

test_req_2_4_daemon_oversized_header_and_body_refused() {
	start
	big=$(head -c 9000 /dev/zero | tr '\0' a)
	s=$(curl -s -o "$work/body" -w '%{http_code}' -H "X-Big: $big" "$base/v1/health")
	case $s in 431|400|413) ;; *) die "oversized header: $s" ;; esac
	head -c 100000 /dev/zero | tr '\0' a >"$work/big.json"
	# Expect: the limit is applied to the announced length, before the
	# body is sent or stored.
	s=$(curl -s -o "$work/body" -w '%{http_code}' -H 'Expect: 100-continue' -H 'Content-Type: application/json' --data-binary @"$work/big.json" "$base/v1/session")
	[ "$s" = 413 ] || die "oversized body: $s"
	[ "$(req GET /v1/health)" = 200 ] || die "not serving after oversized requests"
}

test_req_2_4_daemon_smuggling_forms_refused_and_closed() {
	start
	out=$(raw 'POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
	printf '%s' "$out" | head -1 | grep -q ' 400 ' || die "CL+TE: $out"
	out=$(raw 'POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}')
	printf '%s' "$out" | head -1 | grep -q ' 400 ' || die "duplicate Content-Length: $out"
	out=$(raw 'GET /v1/health HTTP/1.1\nHost: x\n\n')
	printf '%s' "$out" | head -1 | grep -q ' 400 ' || die "bare LF: $out"
	out=$(raw 'GET /v1/health HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n')
	printf '%s' "$out" | head -1 | grep -q ' 400 ' || die "obs-fold: $out"
	[ "$(req GET /v1/health)" = 200 ] || die "not serving after smuggling attempts"
}

test_req_1_19_daemon_sighup_reloads_configuration() {
	start
	sed -i 's/^contact = .*/contact = New security desk/' "$conf"
	kill -HUP "$daemon_pid"
	for i in $(seq 100); do
		req GET /v1/incident >/dev/null
		grep -q 'New security desk' "$work/body" && break
		sleep 0.05
	done
	body_has 'New security desk'
	stop
	trail_has CONFIG_CHANGED reloaded
}

test_req_2_4_daemon_worker_killed_is_restarted_and_audited() {
	start
	old=$(worker_pid)
	kill -9 "$old"
	for i in $(seq 200); do
		w=$(worker_pid)
		[ -n "$w" ] && [ "$w" != "$old" ] && break
		sleep 0.05
	done
	[ -n "$w" ] && [ "$w" != "$old" ] || die "worker not restarted"
	wait_ready
	[ "$(req GET /v1/health)" = 200 ] || die "not serving after restart"
	stop
	trail_has APP_STOP '"signal":9'
	trail_has APP_STOP '"process":"worker"'
}

test_req_1_19_daemon_worker_is_unprivileged_and_holds_no_device_file() {
	start
	w=$(worker_pid)
	grep -Eq '^Uid:\s+65534\s+65534\s+65534\s+65534' "/proc/$w/status" || die "worker uid: $(grep Uid "/proc/$w/status")"
	grep -Eq '^Gid:\s+65534\s' "/proc/$w/status" || grep -Eq "^Gid:\s+$(id -g nobody)\s" "/proc/$w/status" || die "worker gid"
	grep -Eq '^NoNewPrivs:\s+1' "/proc/$w/status" || die "no_new_privs not set"
	grep -Eq '^Seccomp:\s+2' "/proc/$w/status" || die "worker not in a seccomp filter: $(grep Seccomp "/proc/$w/status")"
	for f in /proc/$w/fd/*; do
		case $(readlink "$f") in "$state"*) die "worker holds $(readlink "$f")" ;; esac
	done
	# What the worker could open as nobody: nothing of the device.
	for f in "$state/medsec.db" "$state/keys" "$state/audit"; do
		if runuser -u nobody -- cat "$f" >/dev/null 2>&1 || runuser -u nobody -- ls "$f" >/dev/null 2>&1; then die "nobody can read $f"; fi
	done
}

test_req_1_5_daemon_client_outside_allow_list_refused_and_audited() {
	start 10.0.0.0/8
	s=$(curl -s -o "$work/body" -w '%{http_code}' "$base/v1/health")
	[ "$s" = 000 ] || die "refused client got an answer: $s"
	s=$(curl -s -o "$work/body" -w '%{http_code}' "$base/v1/incident")
	[ "$s" = 000 ] || die "refused client got an answer: $s"
	stop
	trail_has PEER_REFUSED 127.0.0.1
}

test_req_2_1_daemon_audit_read_by_auditor_only() {
	start
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login"
	[ "$(req GET /v1/audit "$token")" = 403 ] || die "administrator read the trail: $(cat "$work/body")"
	login aud01 "$nurse_pw"; [ "$st" = 201 ] || die "auditor login: $(cat "$work/body")"
	[ "$(req GET '/v1/audit?after=0&limit=2' "$token")" = 200 ] || die "audit: $(cat "$work/body")"
	body_has '"more":true'
	[ "$(grep -o '"seq":' "$work/body" | wc -l)" -eq 2 ] || die "limit not honoured: $(cat "$work/body")"
	[ "$(req GET '/v1/audit?after=0&limit=100' "$token")" = 200 ] || die "audit"
	body_has '"event":"LOGIN_SUCCESS"'
	body_has '"event":"PERMISSION_DENIED"'
	[ "$(req GET '/v1/audit?limit=0' "$token")" = 400 ] || die "limit 0 accepted"
	[ "$(req GET '/v1/audit?token=x' "$token")" = 400 ] || die "unknown parameter accepted"
	[ "$(req GET '/v1/users?x=1' "$token")" = 400 ] || die "query on a path without one accepted"
	stop
	trail_has AUDIT_EXPORTED aud01
}

test_req_1_5_daemon_control_command_replay_and_reorder_refused() {
	for t in jq openssl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
	start
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	key=$(sed -n 's/.*"control_key":"\([^"]*\)".*/\1/p' "$work/body")
	[ -n "$key" ] || die "no control key at login: $(cat "$work/body")"
	[ "$(control "$token" "$key" 1 set_sampling_interval '{"seconds":30}')" = 200 ] || die "command: $(cat "$work/body")"
	body_has '"status":"applied"'
	[ "$(control "$token" "$key" 1 set_sampling_interval '{"seconds":30}')" = 409 ] || die "replay accepted: $(cat "$work/body")"
	body_has replayed_command
	[ "$(control "$token" "$key" 3 set_alarm_threshold '{"signal":"spo2","low":90,"high":100}')" = 200 ] || die "command 3: $(cat "$work/body")"
	[ "$(control "$token" "$key" 2 set_sampling_interval '{"seconds":10}')" = 409 ] || die "out-of-order accepted"
	[ "$(control "$token" "$key" 4 set_sampling_interval '{"seconds":10}' AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=)" = 403 ] || die "bad MAC accepted"
	body_has invalid_mac
	[ "$(control "$token" "$key" 4 set_sampling_interval '{"seconds":99999}')" = 400 ] || die "bad argument accepted"
	login chief "$admin_pw"; [ "$st" = 201 ] || die "admin login"
	key=$(sed -n 's/.*"control_key":"\([^"]*\)".*/\1/p' "$work/body")
	[ "$(control "$token" "$key" 1 set_sampling_interval '{"seconds":30}')" = 403 ] || die "administrator controlled the device"
	stop
	trail_has CONFIG_CHANGED '"command":"set_sampling_interval"'
	trail_has PERMISSION_DENIED 'replayed or out-of-order command'
	trail_has PERMISSION_DENIED 'bad command MAC'
	grep -q "$key" "$work/trail.jsonl" && die "a control key is in the trail"
	true
}

test_req_2_4_daemon_request_flood_gets_429_with_retry_after() {
	request_rate=1 request_burst=3 start
	n429=0 pids=""
	# At once, so that a loaded machine's slow process starts do not
	# spread them over enough seconds for the bucket to refill.
	for i in $(seq 12); do
		curl -s -D "$work/headers.$i" -o "$work/body.$i" -w '%{http_code}' \
		    "$base/v1/incident" >"$work/status.$i" &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086 # one pid per word; a bare wait would wait for the daemon too
	wait $pids
	for i in $(seq 12); do
		if [ "$(cat "$work/status.$i")" = 429 ]; then
			n429=$((n429 + 1))
			grep -qi '^Retry-After: [1-9]' "$work/headers.$i" || die "429 without Retry-After"
			grep -q rate_limited "$work/body.$i" || die "429 body: $(cat "$work/body.$i")"
		fi
	done
	# 12 requests against a burst of 3 at 1/s: most are refused.
	[ "$n429" -ge 5 ] || die "only $n429 of 12 refused"
	# Reports leave the worker once a second; give it two.
	sleep 2
	stop
	[ "$(grep -c '"THROTTLED"' "$work/trail.jsonl")" -eq 1 ] || die "not one THROTTLED record: $(grep -c THROTTLED "$work/trail.jsonl")"
	trail_has THROTTLED 127.0.0.1
}

test_req_2_1_daemon_sigterm_clean_exit_trail_verifies() {
	start
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login"
	stop
	[ "$stop_status" -eq 0 ] || die "exit status $stop_status"
	trail_has APP_START
	trail_has APP_STOP shutdown
	grep -q "$token" "$work/trail.jsonl" && die "a token is in the trail"
	grep -q "$admin_pw" "$work/trail.jsonl" "$work/d.log" && die "a password is in the trail or log"
	"$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/verify.out" 2>&1 || die "audit verify: $(cat "$work/verify.out")"
}

"$1"
