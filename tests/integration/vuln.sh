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

need_validators() {
	v=$MEDSEC_SOURCE_DIR/tests/validators
	command -v node >/dev/null && [ -d "$v/node_modules/@secvisogram/csaf-validator-lib" ] &&
	    [ -d "$v/node_modules/@cyclonedx/cyclonedx-library" ] ||
	    { echo "SKIP: npm validators not installed (scripts/deps.sh)"; exit 77; }
}

# The decisions of a CycloneDX VEX, one normalised line each, sorted.
decisions() {
	node -e '
		const bom = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const out = [];
		for (const v of bom.vulnerabilities || [])
			for (const a of (v.affects && v.affects.length ? v.affects : [{ ref: "" }]))
				out.push([v.id, a.ref, v.analysis.state, v.analysis.justification || "",
				    (v.analysis.response || []).join(","), v.analysis.detail,
				    v.analysis.lastUpdated || "", v.recommendation || ""].join(" | "));
		console.log(out.sort().join("\n"));
	' "$1"
}

test_req_2_3_vuln_triage_vex_csaf_round_trip() {
	need_validators
	sbom
	t=$work/triage.cdx.json
	"$MEDSEC" vuln triage CVE-2022-37434 --state not_affected --justification code_not_reachable \
	    --note "inflateGetHeader is never called" --component zlib-vendored --vex "$t" >/dev/null || die "triage 1"
	"$MEDSEC" vuln triage DSA-5218-1 --state exploitable --response update \
	    --recommendation "Upgrade zlib to 1:1.2.11.dfsg-2+deb11u2." --note "upgrade in release 2.3.1" --vex "$t" >/dev/null || die "triage 2"
	"$MEDSEC" vuln triage CVE-2025-69277 --state false_positive --note "ed25519 points are never validated" \
	    --component sodium-vendored --vex "$t" >/dev/null || die "triage 3"
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --db "$db" --vex "$t" --emit "$work/vex" \
	    --publisher "ACME Medical Co., Ltd." --publisher-url https://acme.example --tracking-id ACME-VEX-2026-001 >"$work/out" 2>&1
	[ $? = 1 ] || die "one finding stays open (sodium-old): $(cat "$work/out")"
	grep -q "^4 finding(s) in 6 component(s) with an OSV ecosystem, 2 open" "$work/out" || die "open count: $(cat "$work/out")"
	grep -A2 "^zlib-vendored:" "$work/out" | grep -q "triage: not_affected, code_not_reachable" || die "decision not applied"
	grep -A2 "^sodium-vendored:" "$work/out" | grep -q "triage: false_positive" || die "alias decision not applied"
	v=$MEDSEC_SOURCE_DIR/tests/validators
	node "$v/cyclonedx-check.js" "$t" "$work/vex/vex.cdx.json" >/dev/null || die "CycloneDX VEX invalid"
	node "$v/csaf-check.js" "$work/vex/vex.csaf.json" >"$work/csaf" || die "CSAF invalid: $(cat "$work/csaf")"
	node -e '
		const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const ok = (c, m) => { if (!c) { console.error(m); process.exit(1); } };
		ok(d.document.category === "csaf_vex" && d.document.tracking.id === "ACME-VEX-2026-001", "document");
		const v = d.vulnerabilities.find((x) => x.cve === "CVE-2022-37434");
		ok(v && v.product_status.known_not_affected.includes("CSAFPID-zlib-vendored"), "known_not_affected");
		ok(v.flags[0].label === "vulnerable_code_not_in_execute_path", "flag");
		const dsa = d.vulnerabilities.find((x) => x.ids && x.ids[0].text === "DSA-5218-1");
		ok(dsa && dsa.product_status.known_affected.includes("CSAFPID-zlib-old") && dsa.remediations[0].category === "vendor_fix", "known_affected");
		const open = d.vulnerabilities.find((x) => x.ids && x.ids[0].text === "DEBIAN-CVE-2025-69277");
		ok(open && open.product_status.under_investigation.includes("CSAFPID-sodium-old"), "under_investigation");
	' "$work/vex/vex.csaf.json" || die "CSAF content"
	# Every triage decision is in the emitted VEX, unchanged.
	decisions "$t" >"$work/d.triage"
	decisions "$work/vex/vex.cdx.json" >"$work/d.emitted"
	missing=$(comm -23 "$work/d.triage" "$work/d.emitted")
	[ -z "$missing" ] || die "decisions lost: $missing"
	# Re-importing our own VEX restores every decision.
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --db "$db" --vex "$work/vex/vex.cdx.json" \
	    --emit "$work/vex2" >"$work/out2" 2>&1
	decisions "$work/vex2/vex.cdx.json" >"$work/d.again"
	diff "$work/d.emitted" "$work/d.again" || die "round trip changed decisions"
	[ "$(wc -l <"$work/d.again")" -ge 5 ] || die "too few decisions: $(cat "$work/d.again")"
}

test_vuln_triage_refusals_leave_file_unchanged() {
	t=$work/triage.cdx.json
	"$MEDSEC" vuln triage CVE-2022-37434 --state in_triage --note "looking" --vex "$t" >/dev/null || die "triage"
	before=$(sha256sum "$t")
	"$MEDSEC" vuln triage CVE-2022-37434 --state notaffected --note n --vex "$t" 2>"$work/err"
	[ $? = 2 ] && grep -q "'notaffected' is not a CycloneDX analysis state" "$work/err" || die "state: $(cat "$work/err")"
	"$MEDSEC" vuln triage CVE-2022-37434 --state not_affected --note n --vex "$t" 2>"$work/err"
	[ $? = 2 ] && grep -q "justification.*required with not_affected" "$work/err" || die "justification: $(cat "$work/err")"
	"$MEDSEC" vuln triage CVE-2022-37434 --state not_affected --justification unreachable --note n --vex "$t" 2>"$work/err"
	[ $? = 2 ] && grep -q "'unreachable' is not a CycloneDX justification" "$work/err" || die "bad justification"
	"$MEDSEC" vuln triage 'CVE 1' --state in_triage --note n --vex "$t" 2>"$work/err"
	[ $? = 2 ] && grep -q "'CVE 1' is not a vulnerability id" "$work/err" || die "id: $(cat "$work/err")"
	"$MEDSEC" vuln triage CVE-2022-37434 --state in_triage --vex "$t" 2>"$work/err"
	[ $? = 2 ] || die "missing note accepted"
	[ "$(sha256sum "$t")" = "$before" ] || die "a refused decision changed the file"
}

# A signed advisory bundle: verified with the update trust machinery;
# unsigned, tampered and stale bundles refused, the date stated.
bundle() {
	pass='correct horse battery'
	for k in root1 rel1; do
		echo "$pass" | "$MEDSEC" keygen --out "$work/$k" --passphrase-stdin >/dev/null || die "keygen $k"
	done
	mkdir -p "$work/trust"
	"$MEDSEC" update root --key "$work/root1.pub" --threshold 1 --out "$work/trust/root.json" >/dev/null || die "root"
	echo "$pass" | "$MEDSEC" update keyset --root-key "$work/root1.key" --key "$work/rel1.pub" --threshold 1 \
	    --version 1 --expires 2099-01-01 --out "$work/trust/keyset.json" --passphrase-stdin >/dev/null || die "keyset"
	files=()
	for f in "$db"/*.json; do files+=("$f=$(basename "$f")"); done
	"$MEDSEC" update pack --product medsec-advisories --version 2026.1.24 --security-counter 1 \
	    --hardware advisory-db --expires 2099-01-01 --distributor Example-Medical --signer "$work/rel1.pub" \
	    --out "$work/unsigned.msu" "${files[@]}" >/dev/null || die "pack"
	cp "$work/unsigned.msu" "$work/db.msu"
	echo "$pass" | "$MEDSEC" update sign "$work/db.msu" --key "$work/rel1.key" --passphrase-stdin >/dev/null || die "sign"
}

test_req_2_3_vuln_signed_bundle_verified() {
	sbom
	bundle
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --bundle "$work/db.msu" --trust "$work/trust" >"$work/out" 2>&1
	[ $? = 1 ] || die "bundle scan: $(cat "$work/out")"
	grep -q "^advisory bundle .*db.msu: signatures verified against .*trust, built 20" "$work/out" || die "no bundle date"
	grep -q "7 advisories, newest modified 2026-01-24T15:01:59Z" "$work/out" || die "no database date"
	grep -q "^4 finding(s)" "$work/out" || die "findings: $(cat "$work/out")"
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --bundle "$work/unsigned.msu" --trust "$work/trust" >"$work/out" 2>&1
	[ $? = 3 ] && grep -q "advisory bundle refused: package is not signed" "$work/out" || die "unsigned: $(cat "$work/out")"
	grep -q finding "$work/out" && die "scanned an unsigned database"
	cp "$work/db.msu" "$work/t.msu"
	printf 'X' | dd of="$work/t.msu" bs=1 seek=$(($(stat -c %s "$work/t.msu") - 10)) conv=notrunc 2>/dev/null
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --bundle "$work/t.msu" --trust "$work/trust" >"$work/out" 2>&1
	[ $? = 3 ] && grep -q "does not match its signed hash" "$work/out" || die "tampered: $(cat "$work/out")"
	"$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --bundle "$work/db.msu" >/dev/null 2>&1
	[ $? = 2 ] || die "bundle without trust accepted"
}

# Forty days on (libfaketime). Under ASan the preloaded library comes
# before the sanitizer runtime, which ASan refuses unless told that the
# order is intended.
later() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    faketime -f '+40d' "$@"
}

test_req_2_3_vuln_stale_bundle_refused() {
	command -v faketime >/dev/null || { echo "SKIP: no faketime"; exit 77; }
	sbom
	bundle
	later "$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --bundle "$work/db.msu" \
	    --trust "$work/trust" >"$work/out" 2>&1
	[ $? = 3 ] && grep -q "days ago: older than the 30 days allowed (stale)" "$work/out" || die "stale: $(cat "$work/out")"
	later "$MEDSEC" vuln scan --sbom "$work/sbom.cdx.json" --bundle "$work/db.msu" \
	    --trust "$work/trust" --max-age-days 60 >"$work/out" 2>&1
	[ $? = 1 ] || die "within --max-age-days refused: $(cat "$work/out")"
}

"$1"
