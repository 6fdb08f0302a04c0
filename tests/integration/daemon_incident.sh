#!/bin/bash
# medsecd opens an incident on the device for its own integrity failures
# and floods (MFDS 2.3): the record carries every fact a notice needs
# from the first moment, a flood reported interval after interval stays
# one incident, and each step is in the audit trail (INCIDENT) after the
# event's own record.
# Run by CTest as: bash daemon_incident.sh <test_name>. Skips (77) unless
# root, since the worker's privilege drop is part of what runs.
daemon_test=incident
device_id=daemon-incident-01
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

pass='correct horse battery'

# The installed software in $work/app and its manifest, signed by the
# manufacturer's key, where medsecd looks for them.
install_manifest() {
	mkdir -p "$work/app/bin" "$work/app/etc" "$state/integrity"
	echo "medsecd build 1" >"$work/app/bin/gateway"
	echo "mode=normal" >"$work/app/etc/gateway.conf"
	echo "$pass" | "$MEDSEC" keygen --out "$work/rel" --passphrase-stdin >/dev/null || die "keygen"
	echo "$pass" | "$MEDSEC" manifest create --root "$work/app" --key "$work/rel.key" --out "$state/integrity/manifest" \
	    --label "$work/app" --passphrase-stdin >"$work/mc.out" 2>&1 || die "manifest: $(cat "$work/mc.out")"
	cp "$work/rel.pub" "$state/integrity/trusted.pub"
}

incidents() { msd incident list >"$work/list" 2>&1 || die "incident list: $(cat "$work/list")"; }

# The only incident's id, after checking there is exactly one.
only_incident() {
	incidents
	grep -q '^1 incident(s)' "$work/list" || die "not one incident: $(cat "$work/list")"
	id=$(grep -Eo '^INC-[0-9]+-[0-9]+' "$work/list" | head -1)
	[ -n "$id" ] || die "no id in: $(cat "$work/list")"
	msd incident show "$id" >"$work/show" 2>&1 || die "incident show: $(cat "$work/show")"
}

show_has() { grep -q -- "$1" "$work/show" || die "incident lacks $1: $(cat "$work/show")"; }

# Every fact a notice needs is filled from the start.
facts_filled() {
	local f
	show_has '^status: open'
	show_has "^devices: $device_id"
	for f in detected severity devices versions summary impact containment; do
		grep -Eq "^$f: .+" "$work/show" || die "fact $f missing: $(cat "$work/show")"
		grep -q "^$f: (not given" "$work/show" && die "fact $f not given: $(cat "$work/show")"
	done
	true
}

test_req_2_3_daemon_integrity_failure_opens_incident() {
	provision
	install_manifest
	echo "mode=debug" >"$work/app/etc/gateway.conf"
	launch
	login aud01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	[ "$(req GET /v1/integrity "$token")" = 200 ] || die "integrity: $(cat "$work/body")"
	body_has '"status":"mismatch"'
	stop
	only_incident
	facts_filled
	show_has '^severity: high'
	show_has '^summary: Integrity failure detected by the device: 1 of .* etc/gateway.conf, content-changed'
	show_has '^containment: The device recorded the failure'
	trail_has INTEGRITY_FAILURE '"findings":1'
	trail_has INCIDENT "\"object\":\"$id\""
	trail_has INCIDENT '"action":"opened"'
	# The incident's record follows the event's own.
	grep -n '"INTEGRITY_FAILURE"\|"INCIDENT"' "$work/trail.jsonl" | head -1 | grep -q INTEGRITY_FAILURE ||
	    die "INCIDENT recorded before INTEGRITY_FAILURE"
}

# An incident store that refuses the write (an incident table of another
# shape): the failure is logged and audited after the event's own
# record, and the device goes on answering.
test_req_2_3_daemon_incident_not_recorded_is_audited() {
	provision
	install_manifest
	sqlite3 "$state/medsec.db" "CREATE TABLE incident(id TEXT PRIMARY KEY)" || die "sqlite3"
	echo "mode=debug" >"$work/app/etc/gateway.conf"
	launch
	login aud01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	[ "$(req GET /v1/integrity "$token")" = 200 ] || die "integrity: $(cat "$work/body")"
	body_has '"status":"mismatch"'
	[ "$(req GET /v1/health)" = 200 ] || die "health after the refused incident: $(cat "$work/body")"
	grep -q 'incident (kind 0) not recorded' "$work/d.log" || die "the failure was not logged"
	stop
	trail_has INTEGRITY_FAILURE '"findings":1'
	trail_has INCIDENT '"outcome":"failure"'
	trail_has INCIDENT 'incident not recorded'
	grep -q '"INCIDENT".*"outcome":"success"' "$work/trail.jsonl" && die "an incident was recorded as opened"
	true
}

# Logins refused from one source until the guard has reported, tries
# bounded; then the report has reached the incident store when $1 shows.
flood_until() { # pattern-in-incident-show
	local i
	for i in $(seq 100); do
		for _ in 1 2 3 4 5 6; do
			req POST /v1/session "" '{"user":"nobody-here","password":"x"}' >/dev/null
		done
		incidents
		if grep -q '^INC-' "$work/list"; then
			id=$(grep -Eo '^INC-[0-9]+-[0-9]+' "$work/list" | head -1)
			msd incident show "$id" >"$work/show" 2>&1 || die "incident show: $(cat "$work/show")"
			grep -q -- "$1" "$work/show" && return 0
		fi
		sleep 0.1
	done
	die "no incident with $1 after the flood: $(cat "$work/list")"
}

test_req_2_3_daemon_flood_opens_one_incident() {
	login_burst=2 login_rate=1 limits_more='throttle_report_seconds = 1' start
	flood_until '^status: open'
	# The flood goes on past the next report interval: the same incident.
	flood_until 'Seen again at'
	stop
	only_incident
	facts_filled
	show_has '^severity: medium'
	show_has '^summary: Sustained request flood against the device: source 127.0.0.1'
	show_has '^containment: The device refused the excess'
	[ "$(grep -c '"THROTTLED"' "$work/trail.jsonl")" -ge 2 ] || die "the flood was not reported twice"
	[ "$(grep '"INCIDENT"' "$work/trail.jsonl" | grep -c '"action":"opened"')" -eq 1 ] || die "not one INCIDENT opened"
	trail_has INCIDENT '"action":"event"'
}

"$1"
