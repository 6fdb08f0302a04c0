#!/bin/bash
# medsecd's audit records are durable before the reply that depends on
# them (MFDS 2.1, fail closed): the monitor commits them asynchronously,
# once per turn of its loop, and holds the reply until the commit is on
# stable storage. Killing the monitor (SIGKILL, no clean shutdown) right
# after a reply must leave the reply's record in a trail that verifies.
# The failed-sync half (a 503, never a success) is proven under the I/O
# fault seam in tests/unit/test_daemon_audit_gate.c.
# Run by CTest as: bash daemon_audit_durable.sh <test_name>. Skips (77)
# unless root, since the worker drops to nobody.
daemon_test=durable
audit_mount=
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

cleanup_more() { [ -z "$audit_mount" ] || umount "$audit_mount" 2>/dev/null; }

# SIGKILL to the monitor and its worker: no shutdown code runs.
crash() {
	local w
	w=$(worker_pid)
	kill -KILL "$daemon_pid"
	[ -n "$w" ] && kill -KILL "$w" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
	"$MEDSEC" audit export --state "$state" --format jsonl >"$work/trail.jsonl" 2>"$work/export.err" || die "export: $(cat "$work/export.err")"
	"$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/verify.out" 2>&1 || die "audit verify after SIGKILL: $(cat "$work/verify.out")"
}

test_req_2_1_daemon_record_durable_before_its_reply() {
	for t in jq openssl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
	start
	login aud01 "$nurse_pw"; [ "$st" = 201 ] || die "auditor login: $(cat "$work/body")"
	[ "$(req GET '/v1/audit?after=0&limit=5' "$token")" = 200 ] || die "audit read: $(cat "$work/body")"
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	key=$(sed -n 's/.*"control_key":"\([^"]*\)".*/\1/p' "$work/body")
	[ "$(control "$token" "$key" 1 set_sampling_interval '{"seconds":45}')" = 200 ] || die "command: $(cat "$work/body")"
	crash
	trail_has AUDIT_EXPORTED aud01
	trail_has CONFIG_CHANGED 'seconds[^0-9]*45'
	# No clean shutdown happened: the records came from the commits.
	grep '"APP_STOP"' "$work/trail.jsonl" | grep -q '"object":"medsecd"' && die "a shutdown record after SIGKILL"
	true
}

# A refused command's record is durable before its refusal, too.
test_req_2_1_daemon_refusal_record_durable_before_its_reply() {
	for t in jq openssl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
	start
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login"
	key=$(sed -n 's/.*"control_key":"\([^"]*\)".*/\1/p' "$work/body")
	[ "$(control "$token" "$key" 1 set_sampling_interval '{"seconds":30}' AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=)" = 403 ] || die "bad MAC accepted: $(cat "$work/body")"
	crash
	trail_has PERMISSION_DENIED 'bad command MAC'
}

# A control command takes effect only once its record is durable (fail
# closed). The trail is moved onto a small tmpfs and the rest of it is
# filled: commands are sent, each a new value of the sampling interval,
# until one finds no room for its record. That one is refused (503,
# "nothing was changed"), and the records of the commands before it,
# each of which answered with the interval it put in force, are in the
# trail after the daemon stops, the refused one's is not. The trail stays
# closed after a failed write (until recovery), so the refused command's
# absence from the settings is what its record's absence shows.
test_req_2_1_daemon_control_applied_only_once_its_record_is_durable() {
	for t in jq openssl; do command -v $t >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done
	provision
	mkdir -p "$work/audit.copy"
	cp -a "$state/audit/." "$work/audit.copy/" || die "copy of the trail"
	mount -t tmpfs -o size=1m,mode=0700 medsec-audit "$state/audit" 2>/dev/null || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
	audit_mount=$state/audit
	cp -a "$work/audit.copy/." "$state/audit/" || die "trail onto the tmpfs"
	launch
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login: $(cat "$work/body")"
	key=$(sed -n 's/.*"control_key":"\([^"]*\)".*/\1/p' "$work/body")
	[ "$(control "$token" "$key" 1 set_sampling_interval '{"seconds":11}')" = 200 ] || die "command: $(cat "$work/body")"
	grep -q '"sampling_seconds":11[,}]' "$work/body" || die "the interval in force: $(cat "$work/body")"
	dd if=/dev/zero of="$state/audit/zz-filler" bs=4k 2>/dev/null
	local seq=1 applied=11 code
	# Bounded: the last page of the segment has room for a few records.
	while [ "$seq" -lt 40 ]; do
		seq=$((seq + 1))
		code=$(control "$token" "$key" "$seq" set_sampling_interval "{\"seconds\":$((100 + seq))}")
		[ "$code" = 200 ] || break
		grep -q "\"sampling_seconds\":$((100 + seq))[,}]" "$work/body" || die "command $seq not in force: $(cat "$work/body")"
		applied=$((100 + seq))
	done
	[ "$code" = 503 ] || die "a command without room for its record: $code $(cat "$work/body")"
	body_has '"audit_unavailable"'
	grep -q "control command set_sampling_interval (seq $seq) not applied" "$work/d.log" || die "the refusal is not logged"
	rm -f "$state/audit/zz-filler"
	stop
	grep '"CONFIG_CHANGED"' "$work/trail.jsonl" | grep -q "seconds[^0-9]*$applied[^0-9]" || die "no record of the last applied command ($applied)"
	grep '"CONFIG_CHANGED"' "$work/trail.jsonl" | grep -q "seconds[^0-9]*$((100 + seq))[^0-9]" && die "a record of the refused command"
	true
}

"$1"
