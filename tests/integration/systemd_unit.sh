#!/bin/bash
# The systemd unit (dist/systemd/medsecd.service): systemd itself accepts
# it, and its hardening keeps the exposure score systemd computes within
# the bound below.
#
# The bound: below 2.3. The score measured for this unit with systemd 252
# (Debian 12) is 2.2 ("OK"). What remains is what the design needs: a
# root monitor holding CAP_SETUID, CAP_SETGID and CAP_NET_BIND_SERVICE to
# start the worker as the service user; the host network with AF_INET,
# AF_INET6 and AF_UNIX (the allow-lists live in medsecd.conf, not in
# IPAddressDeny); the few @privileged and @resources calls of the user
# switch and the worker's limits; no private user namespace, which would
# unmap the service user. Taking out any one of NoNewPrivileges,
# ProtectSystem, PrivateTmp, PrivateDevices, ProtectHome, ProtectKernel*,
# ProtectProc, RestrictNamespaces, RestrictAddressFamilies,
# RestrictSUIDSGID, SystemCallArchitectures, SystemCallFilter or
# CapabilityBoundingSet raises the score to 2.4 or more (measured), so the
# bound catches each; the lines the offline score does not weigh
# (MemoryDenyWriteExecute, LockPersonality, UMask) are checked by name.
# Run by CTest as: bash systemd_unit.sh <test_name>.
set -u
: "${MEDSEC_SOURCE_DIR:?}"
unit=$MEDSEC_SOURCE_DIR/dist/systemd/medsecd.service
work=$(mktemp -d /tmp/medsec-unit-XXXXXX)
trap 'rm -rf "$work"' EXIT

die() { echo "FAIL: $*" >&2; exit 1; }

need_analyze() {
	command -v systemd-analyze >/dev/null ||
	    { echo "systemd-analyze not installed: skipped"; exit 77; }
}

test_systemd_unit_verifies() {
	local exe
	need_analyze
	# verify wants the programs to exist and the man pages the unit
	# names to open: the built daemon (or a stand-in while it is not
	# built) and this tree's pages.
	exe=${MEDSEC_BINARY_DIR:-/nonexistent}/bin/medsecd
	[ -x "$exe" ] || exe=/bin/true
	sed "s|/usr/sbin/medsecd|$exe|g" "$unit" >"$work/medsecd.service"
	mkdir -p "$work/man/man8" "$work/man/man5"
	cp "$MEDSEC_SOURCE_DIR/docs/man/medsecd.8" "$work/man/man8/"
	cp "$MEDSEC_SOURCE_DIR/docs/man/medsecd.conf.5" "$work/man/man5/"
	MANPATH=$work/man systemd-analyze verify --man=yes \
	    "$work/medsecd.service" >"$work/o" 2>&1 ||
	    die "systemd-analyze verify: $(cat "$work/o")"
	[ ! -s "$work/o" ] || die "warnings: $(cat "$work/o")"
}

test_systemd_unit_exposure_below_bound() {
	local score
	need_analyze
	systemd-analyze security --offline=yes "$unit" >"$work/o" 2>&1 ||
	    die "systemd-analyze security: $(cat "$work/o")"
	score=$(sed -n 's/.*Overall exposure level for medsecd.service: \([0-9.]*\).*/\1/p' "$work/o")
	[ -n "$score" ] || die "no score in: $(cat "$work/o")"
	echo "exposure score: $score"
	awk -v s="$score" 'BEGIN { exit !(s < 2.3) }' ||
	    die "exposure $score is not below 2.3: $(grep '✗' "$work/o")"
}

test_systemd_unit_keeps_the_monitor_capabilities_minimal() {
	local caps line
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
	[ "$caps" = "CAP_SETUID CAP_SETGID CAP_NET_BIND_SERVICE" ] ||
	    die "capabilities: '$caps'"
	for line in NoNewPrivileges=yes MemoryDenyWriteExecute=yes \
	    LockPersonality=yes UMask=0077 ProtectSystem=strict \
	    ReadWritePaths=/var/lib/medsec SystemCallArchitectures=native; do
		grep -qx "$line" "$unit" || die "$line missing"
	done
	# noroot would strip root of the bounding set's capabilities at exec:
	# the monitor could then not start the worker as the service user.
	! grep -q '^SecureBits=.*noroot' "$unit" || die "SecureBits noroot"
	! grep -q '^User=' "$unit" || die "the monitor must start as root"
	grep -qx 'ExecStart=/usr/sbin/medsecd -f -c /etc/medsec/medsecd.conf' \
	    "$unit" || die "ExecStart changed"
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" ||
	    die "reload is not SIGHUP"
}

"$1"
