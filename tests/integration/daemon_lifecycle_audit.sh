#!/bin/bash
# medsecd when the audit trail cannot be written, end to end: the trail's
# directory is put on a small tmpfs of its own (in a mount namespace of
# the test's own) and filled. Audited actions are refused (fail closed),
# GET /v1/health says the trail is degraded, and once space is freed the
# monitor reopens the trail by itself: the daemon serves audited actions
# again without a restart, the recovery is recorded and logged, and the
# trail verifies.
# Run by CTest as: bash daemon_lifecycle_audit.sh <test_name>. Skips (77)
# unless root, or where mount namespaces or tmpfs mounts are not allowed.
daemon_test=lifecycle-audit
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

skip() { echo "SKIP: $*"; exit 77; }

# The scratch directory is removed at exit: unmount the tmpfs first, or
# the removal stops at the busy mount point and leaves the directory.
audit_tmpfs=
cleanup_more() {
	[ -z "$audit_tmpfs" ] || umount "$audit_tmpfs" 2>/dev/null
	return 0
}

# The audit directory, as provisioned, moved onto a tmpfs of `size`.
audit_on_tmpfs() { # size
	local dir=$state/audit mode
	mode=$(stat -c %a "$dir")
	cp -a "$dir" "$work/audit.provisioned" || die "copy of the trail"
	mount -t tmpfs -o "size=$1,mode=$mode" medsec-audit-test "$dir" ||
	    skip "tmpfs cannot be mounted here"
	audit_tmpfs=$dir
	cp -a "$work/audit.provisioned/." "$dir/" || die "the trail does not fit in $1"
}

health_audit() { # -> "ok" | "degraded"
	req GET /v1/health >/dev/null
	sed -n 's/.*"audit":"\([a-z]*\)".*/\1/p' "$work/body"
}

disk_full_inner() {
	provision
	audit_on_tmpfs 4m
	launch
	login aud01 "$nurse_pw"; [ "$st" = 201 ] || die "auditor login: $(cat "$work/body")"
	auditor=$token
	[ "$(req GET '/v1/audit?after=0&limit=1' "$auditor")" = 200 ] || die "audit read: $(cat "$work/body")"
	[ "$(health_audit)" = ok ] || die "health before the disk filled: $(cat "$work/body")"

	# The disk fills. Reading the trail is recorded: a read is refused
	# once its record no longer fits (the last page may still take a few).
	dd if=/dev/zero of="$state/audit/filler" bs=64k >/dev/null 2>&1
	local i code=
	for i in $(seq 100); do
		code=$(req GET '/v1/audit?after=0&limit=1' "$auditor")
		[ "$code" = 200 ] || break
	done
	[ "$code" = 503 ] || die "an audited read was not refused on a full disk: $code $(cat "$work/body")"
	body_has audit_unavailable
	[ "$(health_audit)" = degraded ] || die "health while the trail fails: $(cat "$work/body")"
	login nurse01 "$nurse_pw"
	[ "$st" = 201 ] && die "a login was served while its record could not be written"
	# The monitor's recovery timer logs the failure on its next tick.
	for i in $(seq 50); do
		grep -q "audit trail cannot be written" "$work/d.log" && break
		sleep 0.1
	done
	grep -q "audit trail cannot be written" "$work/d.log" || die "the failure was not logged"

	# Space is freed: the monitor's next reopen brings the trail back
	# (back-off at most restart_backoff_max = 2 s; bounded by tries).
	rm -f "$state/audit/filler"
	for i in $(seq 300); do
		[ "$(health_audit)" = ok ] && break
		kill -0 "$daemon_pid" 2>/dev/null || die "medsecd exited"
		sleep 0.1
	done
	[ "$(health_audit)" = ok ] || die "the trail did not recover: $(cat "$work/body")"
	[ "$(req GET '/v1/audit?after=0&limit=1' "$auditor")" = 200 ] || die "audit read after recovery: $(cat "$work/body")"
	login nurse01 "$nurse_pw"; [ "$st" = 201 ] || die "login after recovery: $(cat "$work/body")"
	grep -q "audit trail recovered" "$work/d.log" || die "the recovery was not logged"
	stop
	[ "$stop_status" -eq 0 ] || die "exit status $stop_status"
	trail_has AUDIT_DEGRADED 'audit trail recovered'
	trail_has LOGIN_SUCCESS nurse01
	"$MEDSEC" audit verify --state "$state" --verifier-key "$state/audit-verifier.key" >"$work/verify.out" 2>&1 ||
	    die "audit verify: $(cat "$work/verify.out")"
}

test_req_2_1_daemon_audit_trail_recovers_after_disk_full() {
	command -v unshare >/dev/null || skip "needs unshare"
	unshare -m true 2>/dev/null || skip "mount namespaces not allowed"
	unshare -m --propagation private bash "$0" disk_full_inner
	exit $?
}

"$1"
