#!/bin/bash
# medsecd's update, integrity and observation routes on loopback, with a
# real signed package, a real integrity manifest and the readings
# simulator; and the OpenAPI check against the running daemon: every
# exchange of a session touching every route is recorded and held to
# docs/openapi.json by tests/validators/openapi-check.js.
# Run by CTest as: bash daemon_api.sh <test_name>. Skips (77) unless root,
# since the worker's privilege drop is part of what runs.
daemon_test=api
device_id=daemon-api-01
limits_more='max_update_bytes = 64k'
# The manufacturer's keys and trust (provision_more) go with each copy of
# the provisioned device.
provision_keeps=mfr
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }

exchanges=$work/exchanges.jsonl
pass='correct horse battery'
curl_tls=() # --cacert and --resolve when the test talks HTTPS

conf_more() {
	cat <<CONF
[source]
simulator = on
patients = 3
interval = 3600
CONF
}

# The manufacturer's tools work on files, not on the device.
ms() { "$MEDSEC" "$@"; }

# The manufacturer: a root key, two release keys (threshold 2), as the
# CLI's update tests make them.
manufacturer() {
	local k
	mkdir -p "$work/mfr/trust" "$work/mfr/fw"
	for k in root1 rel1 rel2; do
		echo "$pass" | ms keygen --out "$work/mfr/$k" --passphrase-stdin >/dev/null || die "keygen $k"
	done
	ms update root --key "$work/mfr/root1.pub" --threshold 1 --out "$work/mfr/trust/root.json" >/dev/null || die "root"
	echo "$pass" | ms update keyset --root-key "$work/mfr/root1.key" --key "$work/mfr/rel1.pub" \
	    --key "$work/mfr/rel2.pub" --threshold 2 --version 1 --expires 2099-01-01 \
	    --out "$work/mfr/trust/keyset.json" --passphrase-stdin >/dev/null || die "keyset"
}

# release NAME VERSION COUNTER [signers...]: a package in $work/NAME.msu.
release() {
	local name=$1 version=$2 counter=$3 k
	shift 3
	echo "app $version" >"$work/mfr/fw/app"
	# A larger package when asked: bigger than a JSON body may be.
	[ -n "${big_app:-}" ] && head -c "$big_app" /dev/urandom >>"$work/mfr/fw/app"
	echo "setting=$version" >"$work/mfr/fw/app.conf"
	ms update pack --product carelink --version "$version" --security-counter "$counter" --hardware clg-200 \
	    --expires 2099-01-01 --distributor Example-Medical --signer "$work/mfr/rel1.pub" --out "$work/$name.msu" \
	    "$work/mfr/fw/app=bin/app" "$work/mfr/fw/app.conf=etc/app.conf" >/dev/null || die "pack $name"
	for k in "${@:-rel1 rel2}"; do
		for k in $k; do
			echo "$pass" | ms update sign "$work/$name.msu" --key "$work/mfr/$k.key" --passphrase-stdin >/dev/null || die "sign $name $k"
		done
	done
}

digest_of() { ms update inspect "$1" | awk '/manifest sha256/ { print $3 }'; }

# Updates set up with the manufacturer's trust, after the users.
provision_more() {
	manufacturer
	echo "$admin_pw" | msd update setup --hardware clg-200 --product carelink --root "$work/mfr/trust/root.json" \
	    --keyset "$work/mfr/trust/keyset.json" --as chief --password-stdin >"$work/us.out" 2>&1 || die "update setup: $(cat "$work/us.out")"
}

# install_manifest: the installed software in $work/app, its manifest
# signed by the release key, installed where medsecd looks for it.
install_manifest() {
	mkdir -p "$work/app/bin" "$work/app/etc"
	echo "medsecd build 1" >"$work/app/bin/gateway"
	chmod 755 "$work/app/bin/gateway"
	echo "mode=normal" >"$work/app/etc/gateway.conf"
	mkdir -p "$state/integrity"
	echo "$pass" | ms manifest create --root "$work/app" --key "$work/mfr/rel1.key" --out "$state/integrity/manifest" \
	    --label "$work/app" --passphrase-stdin >"$work/mc.out" 2>&1 || die "manifest: $(cat "$work/mc.out")"
	cp "$work/mfr/rel1.pub" "$state/integrity/trusted.pub"
}

# The tests provision first (some change the device before it starts).
start() { launch; }

# Appends the last exchange (request, status, content type, body) to the
# record the OpenAPI check reads.
record() { # method path status content-type
	jq -nc --arg m "$1" --arg p "$2" --argjson s "$3" --arg ct "$4" \
	    --rawfile b "$work/body" \
	    '{method: $m, path: $p, status: $s, content_type: $ct, body: $b}' >>"$exchanges" ||
	    die "cannot record $1 $2"
}

# curl: prints the status code; the body goes to $work/body. A JSON body
# is sent as application/json; @FILE sends FILE as the package
# (application/octet-stream); a content type may be forced.
req() { # method path [token] [json | @file] [content-type]
	local args=(-s -o "$work/body" -w '%{http_code} %{content_type}' -X "$1") out code ct
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	case ${4:-} in
	'') ;;
	@*) args+=(-H "Content-Type: ${5:-application/octet-stream}" --data-binary "$4") ;;
	*) args+=(-H "Content-Type: ${5:-application/json}" --data-binary "$4") ;;
	esac
	out=$(curl "${curl_tls[@]}" "${args[@]}" "$base$2")
	code=${out%% *}
	ct=${out#* }
	[ "$ct" = "$out" ] && ct=
	record "$1" "$2" "$code" "$ct"
	printf '%s' "$code"
}

reauth() { # token password -> $st and $token (the new one)
	st=$(req POST /v1/session/reauth "$1" "{\"password\":\"$2\"}")
	token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$work/body")
}

# ---- updates (MFDS 1.12, 1.13, 1.14) ----

test_req_1_14_daemon_signed_update_uploaded_verified_and_listed() {
	provision
	release v1 1.1.0 2
	start
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login: $(cat "$work/body")"
	[ "$(req POST /v1/updates "$token" @"$work/v1.msu")" = 202 ] || die "upload: $(cat "$work/body")"
	body_has "\"digest\":\"$(digest_of "$work/v1.msu")\""
	body_has '"version":"1.1.0"'
	body_has '"state":"pending_approval"'
	body_has '"signer":"Example-Medical"'
	body_has '"submitted_by":"chief"'
	[ "$(req GET /v1/updates "$token")" = 200 ] || die "status: $(cat "$work/body")"
	body_has '"active_slot":"a"'
	body_has '"state":"pending_approval"'
	# The same package again is a replay.
	[ "$(req POST /v1/updates "$token" @"$work/v1.msu")" = 422 ] || die "replay staged: $(cat "$work/body")"
	body_has update_rejected
	body_has replay
	stop
	trail_has UPDATE_RECEIVED chief
	trail_has UPDATE_VERIFIED 1.1.0
	trail_has UPDATE_REJECTED replay
}

# Over the HTTPS listener, with a package larger than any JSON body may
# be: the gate sets evhttp's body limit per request line on the TLS
# connection too (max_update_bytes for the upload, max_body_bytes else).
test_req_1_14_daemon_update_upload_over_https() {
	provision
	big_app=20000 release v1 1.1.0 2
	[ "$(stat -c %s "$work/v1.msu")" -gt 4096 ] || die "package too small for the test"
	sed -i "s/^api =\$/api = 127.0.0.1:$port\napi_allow = 127.0.0.0\/8/; s/^debug_http = .*/debug_http =/; s/^debug_allow = .*/debug_allow =/; s/^max_update_bytes = .*/max_update_bytes = 64k\nmax_body_bytes = 4k/" "$conf"
	msd tls show >"$work/tls.out" 2>&1 || die "tls show: $(cat "$work/tls.out")"
	sed -n '/BEGIN CERTIFICATE/,/END CERTIFICATE/p' "$work/tls.out" >"$work/device.pem"
	curl_tls=(--cacert "$work/device.pem" --resolve "daemon-api-01:$port:127.0.0.1")
	base=https://daemon-api-01:$port
	"$MEDSECD" -f -c "$conf" >"$work/d.log" 2>&1 &
	daemon_pid=$!
	local i code=000
	for i in $(seq 200); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${curl_tls[@]}" "$base/v1/health") && [ "$code" = 200 ] && break
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.05
	done
	[ "$code" = 200 ] || die "HTTPS health answered $code"
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login: $(cat "$work/body")"
	[ "$(req POST /v1/updates "$token" @"$work/v1.msu")" = 202 ] || die "upload over HTTPS: $(cat "$work/body")"
	body_has "\"digest\":\"$(digest_of "$work/v1.msu")\""
	# The same size as JSON is over max_body_bytes: evhttp refuses it.
	head -c 8000 /dev/zero | tr '\0' ' ' >"$work/pad.json"
	printf '{}' >>"$work/pad.json"
	[ "$(req POST /v1/session "" @"$work/pad.json" application/json)" = 413 ] || die "JSON body over max_body_bytes accepted: $(cat "$work/body")"
	stop
	trail_has UPDATE_VERIFIED 1.1.0
}

test_req_1_12_daemon_approval_needs_reauth_and_the_manifest_digest() {
	provision
	release v1 1.1.0 2
	start
	digest=$(digest_of "$work/v1.msu")
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login"
	[ "$(req POST /v1/updates "$token" @"$work/v1.msu")" = 202 ] || die "upload: $(cat "$work/body")"
	# The login itself is not the re-authentication approval asks for.
	[ "$(req POST /v1/updates/approve "$token" "{\"digest\":\"$digest\"}")" = 403 ] || die "approved without reauth: $(cat "$work/body")"
	body_has reauth_required
	reauth "$token" "$admin_pw"; [ "$st" = 200 ] || die "reauth: $(cat "$work/body")"
	other=$(printf '%064d' 0)
	[ "$(req POST /v1/updates/approve "$token" "{\"digest\":\"$other\"}")" = 404 ] || die "wrong digest: $(cat "$work/body")"
	body_has no_such_update
	[ "$(req POST /v1/updates/approve "$token" '{"digest":"9F86"}')" = 400 ] || die "malformed digest: $(cat "$work/body")"
	body_has "'9F86'"
	[ "$(req POST /v1/updates/approve "$token" "{\"digest\":\"$digest\"}")" = 200 ] || die "approve: $(cat "$work/body")"
	body_has '"state":"approved"'
	body_has '"approved_by":"chief"'
	[ "$(req POST /v1/updates/approve "$token" "{\"digest\":\"$digest\"}")" = 409 ] || die "approved twice: $(cat "$work/body")"
	body_has update_decided
	stop
	trail_has UPDATE_APPROVED 'approval needs a fresh re-authentication'
	grep '"UPDATE_APPROVED"' "$work/trail.jsonl" | grep '"outcome":"success"' | grep -q chief || die "approval not recorded"
	trail_has UPDATE_APPROVED 'no update with this manifest digest'
}

test_req_1_4_daemon_clinician_cannot_upload_or_approve_updates() {
	provision
	release v1 1.1.0 2
	start
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login: $(cat "$work/body")"
	nurse=$token
	[ "$(req POST /v1/updates "$nurse" @"$work/v1.msu")" = 403 ] || die "clinician uploaded: $(cat "$work/body")"
	body_has permission_denied
	[ "$(req GET /v1/updates "$nurse")" = 403 ] || die "clinician read the update status"
	reauth "$nurse" "$nurse_pw"; [ "$st" = 200 ] || die "reauth: $(cat "$work/body")"
	[ "$(req POST /v1/updates/approve "$token" "{\"digest\":\"$(digest_of "$work/v1.msu")\"}")" = 403 ] || die "clinician approved"
	body_has permission_denied
	[ "$(req POST /v1/updates "" @"$work/v1.msu")" = 401 ] || die "upload without a token"
	stop
	trail_has PERMISSION_DENIED '"object":"update"'
	[ "$(grep '"PERMISSION_DENIED"' "$work/trail.jsonl" | grep -c nurse01)" -ge 3 ] || die "not every refusal recorded"
	grep -q '"UPDATE_RECEIVED"' "$work/trail.jsonl" && die "a clinician's package reached the updater"
	true
}

test_req_1_13_daemon_tampered_or_unsigned_package_refused() {
	provision
	release v1 1.1.0 2
	release half 1.2.0 3 rel1
	start
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login"
	# One payload byte changed: the signature still covers the manifest,
	# whose hash of that file no longer matches.
	cp "$work/v1.msu" "$work/bad.msu"
	size=$(stat -c %s "$work/bad.msu")
	printf 'X' | dd of="$work/bad.msu" bs=1 seek=$((size - 3)) conv=notrunc status=none
	[ "$(req POST /v1/updates "$token" @"$work/bad.msu")" = 422 ] || die "tampered package staged: $(cat "$work/body")"
	body_has update_rejected
	[ "$(req POST /v1/updates "$token" @"$work/half.msu")" = 422 ] || die "half-signed package staged: $(cat "$work/body")"
	body_has "1 valid signature"
	printf 'not a package, not a header, not anything at all' >"$work/junk.msu"
	[ "$(req POST /v1/updates "$token" @"$work/junk.msu")" = 422 ] || die "junk staged: $(cat "$work/body")"
	body_has "bad magic"
	[ "$(req POST /v1/updates "$token" @"$work/v1.msu" application/json)" = 415 ] || die "package as JSON accepted"
	head -c 100000 /dev/zero >"$work/huge.msu"
	s=$(req POST /v1/updates "$token" @"$work/huge.msu")
	[ "$s" = 413 ] || die "over max_update_bytes: $s"
	[ "$(req GET /v1/updates "$token")" = 200 ] || die "status"
	grep -q pending_approval "$work/body" && die "a refused package waits for approval: $(cat "$work/body")"
	stop
	[ "$(grep -c '"UPDATE_REJECTED"' "$work/trail.jsonl")" -ge 3 ] || die "refusals not recorded"
	[ -z "$(ls "$state/updates" | grep -v '^$')" ] || die "refused packages kept: $(ls -a "$state/updates")"
}

# ---- integrity (MFDS 2.2) ----

test_req_2_2_daemon_integrity_status_ok() {
	provision
	install_manifest
	start
	login aud01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	[ "$(req GET /v1/integrity "$token")" = 200 ] || die "integrity: $(cat "$work/body")"
	body_has '"status":"ok"'
	body_has '"checked_at":"'
	body_has '"mismatches":\[\]'
	[ "$(req GET /v1/integrity)" = 401 ] || die "integrity without a token"
	stop
	trail_has INTEGRITY_OK '"findings":0'
}

test_req_2_2_daemon_integrity_mismatch_names_the_file() {
	provision
	install_manifest
	echo "mode=debug" >"$work/app/etc/gateway.conf"
	chmod 4755 "$work/app/bin/gateway"
	start
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login"
	[ "$(req GET /v1/integrity "$token")" = 200 ] || die "integrity: $(cat "$work/body")"
	body_has '"status":"mismatch"'
	body_has '{"path":"etc/gateway.conf","problem":"content-changed"}'
	body_has '{"path":"bin/gateway","problem":"mode-changed"}'
	stop
	trail_has INTEGRITY_FAILURE '"findings":2'
}

# ---- observations (MFDS 2.1, 1.20) ----

test_req_2_1_daemon_observations_read_audited_per_patient() {
	provision
	start
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	[ "$(req GET /v1/patients/p-1001/observations "$token")" = 200 ] || die "read: $(cat "$work/body")"
	body_has '"patient":"p-1001"'
	body_has '"code":"8867-4"'
	body_has '"unit":"mm\[Hg\]"'
	[ "$(jq '.observations | length' "$work/body")" = 6 ] || die "one round of six vitals expected: $(cat "$work/body")"
	[ "$(req GET /v1/patients/p-1003/observations "$token")" = 200 ] || die "read 3"
	[ "$(req GET /v1/patients/p-9999/observations "$token")" = 404 ] || die "unknown patient: $(cat "$work/body")"
	body_has no_such_patient
	[ "$(req GET /v1/patients/-x/observations "$token")" = 400 ] || die "bad id accepted"
	body_has "patient id '-x'"
	[ "$(req GET /v1/patients/p-1001/vitals "$token")" = 404 ] || die "other leaf"
	[ "$(req GET /v1/patients/p-1001/observations)" = 401 ] || die "read without a token"
	login chief "$admin_pw"; [ "$st" = 201 ] || die "admin login"
	[ "$(req GET /v1/patients/p-1001/observations "$token")" = 403 ] || die "administrator read health data"
	stop
	grep '"PHR_READ"' "$work/trail.jsonl" | grep '"object":"p-1001"' | grep -q nurse01 || die "read of p-1001 not recorded"
	grep '"PHR_READ"' "$work/trail.jsonl" | grep -q '"object":"p-1003"' || die "read of p-1003 not recorded"
	grep '"PHR_READ"' "$work/trail.jsonl" | grep '"object":"p-9999"' | grep -q '"outcome":"failure"' || die "unknown patient not recorded"
	trail_has PERMISSION_DENIED 'patient:p-1001'
	# Readings live in memory only: no value of theirs reached the disk.
	grep -rqa '8867-4' "$state" && die "a reading was written under the state directory"
	true
}

# ---- the API as documented ----

# One session touching every route, success and refusal, with the
# answers evhttp gives itself; each exchange is checked against
# docs/openapi.json, content type and body.
test_daemon_api_exchanges_match_openapi() {
	command -v node >/dev/null || { echo "SKIP: needs node"; exit 77; }
	[ -d "$MEDSEC_SOURCE_DIR/tests/validators/node_modules/ajv" ] || { echo "SKIP: npm validators not installed"; exit 77; }
	provision
	release v1 1.1.0 2
	start
	req GET /v1/health >/dev/null
	req GET /v1/incident >/dev/null
	login chief wrong-password; [ "$st" = 401 ] || die "wrong password"
	login chief "$admin_pw"; [ "$st" = 201 ] || die "login"
	admin=$token
	req GET /v1/session "$admin" >/dev/null
	req GET /v1/users "$admin" >/dev/null
	req POST /v1/users "$admin" '{"name":"tech01","roles":"technician","password":"Tech-Initial-42x"}' >/dev/null
	req POST /v1/users "$admin" '{"name":"tech01","roles":"technician","password":"Tech-Initial-42x"}' >/dev/null
	req POST /v1/users "$admin" '{"name":"tech02","roles":"technician","password":"short"}' >/dev/null
	req POST /v1/users/tech01/disable "$admin" >/dev/null
	req POST /v1/users/tech01/enable "$admin" >/dev/null
	req POST /v1/users/tech01/unlock "$admin" >/dev/null
	req DELETE /v1/users/tech01 "$admin" >/dev/null
	req DELETE /v1/users/ghost "$admin" >/dev/null
	req POST /v1/updates "$admin" @"$work/v1.msu" >/dev/null
	req POST /v1/updates "$admin" @"$work/v1.msu" >/dev/null
	req GET /v1/updates "$admin" >/dev/null
	req POST /v1/updates/approve "$admin" "{\"digest\":\"$(digest_of "$work/v1.msu")\"}" >/dev/null
	req POST /v1/peers/revoke "$admin" "{\"fingerprint\":\"$(printf '%064d' 7)\"}" >/dev/null
	reauth "$admin" "$admin_pw"; admin=$token
	req POST /v1/peers/revoke "$admin" '{"fingerprint":"ABC"}' >/dev/null
	req POST /v1/peers/revoke "$admin" "{\"fingerprint\":\"$(printf '%064d' 7)\",\"reason\":\"key compromise\"}" >/dev/null
	req POST /v1/updates/approve "$admin" "{\"digest\":\"$(printf '%064d' 0)\"}" >/dev/null
	req POST /v1/updates/approve "$admin" "{\"digest\":\"$(digest_of "$work/v1.msu")\"}" >/dev/null
	req POST /v1/updates/approve "$admin" "{\"digest\":\"$(digest_of "$work/v1.msu")\"}" >/dev/null
	req GET /v1/integrity "$admin" >/dev/null
	req GET /v1/audit "$admin" >/dev/null
	req GET /v1/patients/p-1001/observations "$admin" >/dev/null
	login nurse01 "$nurse_pw"; nurse=$token
	req GET /v1/patients/p-1001/observations "$nurse" >/dev/null
	req GET /v1/patients/p-9999/observations "$nurse" >/dev/null
	req GET /v1/patients/-x/observations "$nurse" >/dev/null
	req POST /v1/control "$nurse" '{"seq":1,"command":"set_sampling_interval","args":{"seconds":30},"mac":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}' >/dev/null
	req POST /v1/updates "$nurse" @"$work/v1.msu" >/dev/null
	req GET /v1/session "not-a-token" >/dev/null
	req GET /v1/nothing-here >/dev/null
	req DELETE /v1/health >/dev/null
	req POST /v1/session "" '{"user":"chief"' >/dev/null
	req POST /v1/session "" '{"user":"chief","password":"x"}' text/plain >/dev/null
	# Answered by evhttp itself, in HTML: a method outside its filter, a
	# body above the limit the gate set for the request line.
	req PUT /v1/health >/dev/null
	head -c 100000 /dev/zero >"$work/huge.msu"
	req POST /v1/updates "$admin" @"$work/huge.msu" >/dev/null
	req DELETE /v1/session "$nurse" >/dev/null
	login aud01 "$nurse_pw"
	req GET '/v1/audit?after=0&limit=5' "$token" >/dev/null
	stop
	node "$MEDSEC_SOURCE_DIR/tests/validators/openapi-check.js" "$MEDSEC_SOURCE_DIR/docs/openapi.json" "$exchanges" >"$work/check.out" 2>&1 ||
	    die "exchanges do not match docs/openapi.json: $(cat "$work/check.out")"
	n=$(grep -c . "$exchanges")
	grep -q "$n exchanges match" "$work/check.out" || die "not every exchange checked: $(cat "$work/check.out")"
	# Every route of the document was exercised.
	node -e '
	    const fs = require("fs");
	    const doc = JSON.parse(fs.readFileSync(process.argv[1]));
	    const seen = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean).map(JSON.parse);
	    const missing = [];
	    for (const [tpl, item] of Object.entries(doc.paths))
		for (const m of Object.keys(item)) {
			const re = new RegExp("^" + tpl.replace(/\{[^}]+\}/g, "[^/]+") + "(\\?.*)?$");
			if (!seen.some((x) => x.method.toLowerCase() === m && re.test(x.path)))
				missing.push(m.toUpperCase() + " " + tpl);
		}
	    if (missing.length) { console.error("not exercised: " + missing.join(", ")); process.exit(1); }' \
	    "$MEDSEC_SOURCE_DIR/docs/openapi.json" "$exchanges" || die "routes not exercised"
}

# The checker's mode for recorded exchanges holds the Content-Type too:
# a JSON answer under another type, a body under a no-content status or an
# HTML page the HTTP layer does not give are each refused, with the line.
test_daemon_api_checker_holds_content_types() {
	command -v node >/dev/null || { echo "SKIP: needs node"; exit 77; }
	[ -d "$MEDSEC_SOURCE_DIR/tests/validators/node_modules/ajv" ] || { echo "SKIP: npm validators not installed"; exit 77; }
	local check=$MEDSEC_SOURCE_DIR/tests/validators/openapi-check.js doc=$MEDSEC_SOURCE_DIR/docs/openapi.json
	expect() { # line message
		printf '%s\n' "$1" >"$work/x.jsonl"
		if node "$check" "$doc" "$work/x.jsonl" >"$work/o" 2>&1; then die "accepted: $1"; fi
		grep -qF "x.jsonl:1: $2" "$work/o" || die "message for $1: $(cat "$work/o")"
	}
	expect '{"method":"GET","path":"/v1/health","status":200,"content_type":"text/plain","body":"{\"status\":\"ok\",\"audit\":\"ok\",\"version\":\"0.1.0\"}"}' \
	    'GET /v1/health 200: Content-Type text/plain, documented: application/json'
	expect '{"method":"DELETE","path":"/v1/session","status":204,"content_type":"application/json","body":""}' \
	    'DELETE /v1/session 204: Content-Type application/json without a body'
	expect '{"method":"GET","path":"/v1/health","status":418,"content_type":"text/html","body":"<HTML>"}' \
	    'GET /v1/health 418: Content-Type text/html, documented: application/json'
	printf '%s\n' '{"method":"PUT","path":"/v1/health","status":501,"content_type":"text/html","body":"<HTML><HEAD>"}' >"$work/x.jsonl"
	node "$check" "$doc" "$work/x.jsonl" >"$work/o" 2>&1 || die "evhttp's 501 refused: $(cat "$work/o")"
}

"$1"
