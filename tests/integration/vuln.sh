#!/bin/bash
# medsec vuln scan end to end (MFDS 2.3): findings against the offline OSV
# advisories in tests/data/osv, backports judged by Debian's records, the
# database date stated, bad advisories refused by name.
# Run by CTest as: bash vuln.sh <name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-vuln-XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "FAIL: $*" >&2; exit 1; }
db=$MEDSEC_SOURCE_DIR/tests/data/osv

deb() { # ref binary-package source version distro
	printf '{"type":"library","bom-ref":"%s","name":"%s","version":"%s","purl":"pkg:deb/debian/%s@%s?arch=amd64&distro=%s","properties":[{"name":"medsec:deb:source","value":"%s"},{"name":"medsec:deb:source-version","value":"%s"}]}' \
	    "$1" "$2" "$4" "$2" "$(printf %s "$4" | sed 's/+/%2B/g')" "$5" "$3" "$4"
}

sbom() {
	{
		printf '{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":['
		deb zlib-fixed zlib1g zlib 1:1.2.11.dfsg-2+deb11u2 debian-11; printf ,
		deb zlib-old zlib1g zlib 1:1.2.11.dfsg-2+deb11u1 bullseye; printf ,
		deb sodium-fixed libsodium23 libsodium 1.0.18-1+deb12u1 debian-12; printf ,
		deb sodium-old libsodium23 libsodium 1.0.18-1 debian-12; printf ,
		printf '{"type":"library","bom-ref":"zlib-vendored","name":"zlib","version":"1.2.11","purl":"pkg:conan/zlib@1.2.11"},'
		printf '{"type":"library","bom-ref":"sodium-vendored","name":"libsodium","version":"1.0.18","purl":"pkg:conan/libsodium@1.0.18"}'
		printf ']}\n'
	} >"$work/sbom.cdx.json"
}

test_req_2_3_vuln_scan_backports_judged_by_debian() {
	sbom
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --db "$db" >"$work/out" 2>&1
	[ $? = 1 ] || die "findings but not exit 1: $(cat "$work/out")"
	grep -q "^advisory database .*: 7 advisories, newest modified 2026-01-24T15:01:59Z" "$work/out" || die "no database date: $(cat "$work/out")"
	# Upstream says affected; Debian's fixed versions are not reported.
	if grep -qE "^(zlib-fixed|sodium-fixed):" "$work/out"; then die "backported fix reported: $(cat "$work/out")"; fi
	grep -q "^zlib-old: zlib 1:1.2.11.dfsg-2+deb11u1 (Debian:11): DSA-5218-1 \[CVE-2022-37434\]" "$work/out" || die "zlib-old: $(cat "$work/out")"
	grep -q "fixed in 1:1.2.11.dfsg-2+deb11u2" "$work/out" || die "fix version"
	grep -q "^sodium-old: libsodium 1.0.18-1 (Debian:12): DEBIAN-CVE-2025-69277" "$work/out" || die "sodium-old"
	grep -q "^zlib-vendored: zlib 1.2.11 (ConanCenter): CVE-2022-37434" "$work/out" || die "zlib-vendored"
	grep -q "^sodium-vendored: libsodium 1.0.18 (ConanCenter): CVE-2025-69277" "$work/out" || die "sodium-vendored"
	grep -q "^4 finding(s) in 6 component(s)" "$work/out" || die "summary: $(cat "$work/out")"
}

# The SBOM medsec writes for itself, scanned: this machine's libsodium and
# OpenSSL are judged by Debian's records and dpkg's order.
test_req_2_3_vuln_scan_own_sbom() {
	"$MEDSEC" sbom --binary "$MEDSEC" --format cyclonedx --out "$work/out" >/dev/null 2>&1 || die "sbom"
	"$MEDSEC" vuln scan --sbom "$work/out/sbom.cdx.json" --db "$db" >"$work/scan" 2>&1
	rc=$?
	expect=0
	for p in "libsodium23 1.0.18-1+deb12u1" "libssl3 3.0.18-1~deb12u2"; do
		set -- $p
		v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) || continue
		if dpkg --compare-versions "$v" lt "$2"; then
			expect=1
			grep -q "$1" "$work/scan" && continue
			grep -q "$(echo "$1" | sed 's/23$//; s/libssl3/openssl/')" "$work/scan" || die "$1 $v not reported"
		fi
	done
	[ "$rc" = "$expect" ] || die "exit $rc, expected $expect: $(cat "$work/scan")"
	grep -q "newest modified 2026-01-24T15:01:59Z" "$work/scan" || die "no date"
	grep -qE "finding\(s\) in [1-9][0-9]* component\(s\)" "$work/scan" || die "no Debian components: $(cat "$work/scan")"
}

test_vuln_scan_refuses_bad_advisory() {
	sbom
	mkdir "$work/db"
	cp "$db"/*.json "$work/db/"
	printf '{"id":"x_BAD","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"zlib"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"latest"}]}]}]}' >"$work/db/x_BAD.json"
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --db "$work/db" >"$work/out" 2>"$work/err"
	[ $? = 3 ] || die "bad advisory: exit status"
	grep -q "x_BAD.json: affected\[0\].ranges\[0\].events\[1\]: not a Debian version 'latest'" "$work/err" || die "message: $(cat "$work/err")"
	grep -q finding "$work/out" && die "scanned with a refused database"
	printf '{"bomFormat":"SPDX"}' >"$work/spdx.json"
	"$MEDSEC" vuln scan --sbom "$work/spdx.json" --db "$db" >/dev/null 2>"$work/err"
	[ $? = 3 ] && grep -q "not a CycloneDX JSON SBOM" "$work/err" || die "SPDX accepted: $(cat "$work/err")"
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" >/dev/null 2>&1
	[ $? = 2 ] || die "usage exit"
}

"$1"
