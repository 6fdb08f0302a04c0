#!/bin/bash
# medsec sbom end to end: CycloneDX 1.6 and SPDX 2.3 that the official
# validators accept, libraries and packages as readelf and dpkg see them,
# declared components with their support level, and refusals that name
# the offending file and value. Run by CTest as: bash sbom.sh <name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}" "${MEDSEC_BINARY_DIR:?}"
work=$(mktemp -d /tmp/medsec-sbom-XXXXXX)
trap 'rm -rf "$work"' EXIT
die() { echo "FAIL: $*" >&2; exit 1; }
validators=$MEDSEC_SOURCE_DIR/tests/validators
pwlist=$MEDSEC_SOURCE_DIR/data/passwords/common-passwords.txt

need_validators() {
	command -v node >/dev/null && [ -d "$validators/node_modules/@cyclonedx/cyclonedx-library" ] ||
	    { echo "SKIP: npm validators not installed (scripts/deps.sh)"; exit 77; }
}

declared() {
	cat >"$work/declared.ini" <<'INI'
[device]
name = acme-infusion-pump
version = 2.3.0
manufacturer = ACME Medical Co., Ltd.

[component]
name = spo2-module-firmware
version = 4.1.7
supplier = Nellcor OEM
license = LicenseRef-proprietary
support = security-only
end_of_support = 2031-12-31
type = firmware
INI
}

run_sbom() {
	declared
	"$MEDSEC" sbom --binary "$MEDSEC" --declared "$work/declared.ini" \
	    --password-list "$pwlist" --out "$work/out" >"$work/log" 2>&1 ||
	    die "sbom failed: $(cat "$work/log")"
}

test_sbom_cli_outputs_validate() {
	need_validators
	run_sbom
	node "$validators/cyclonedx-check.js" "$work/out/sbom.cdx.json" || die "CycloneDX invalid"
	node "$validators/spdx-check.js" "$work/out/sbom.spdx.json" || die "SPDX invalid"
	# The validators must be able to fail: a broken copy is refused.
	sed 's/"specVersion": "1.6"/"specVersion": "1.6", "x": 1/' "$work/out/sbom.cdx.json" >"$work/bad.cdx.json"
	if node "$validators/cyclonedx-check.js" "$work/bad.cdx.json" >/dev/null; then die "bad CycloneDX accepted"; fi
	sed 's/"dataLicense": "CC0-1.0"/"dataLicense": "MIT"/' "$work/out/sbom.spdx.json" >"$work/bad.spdx.json"
	if node "$validators/spdx-check.js" "$work/bad.spdx.json" >/dev/null; then die "bad SPDX accepted"; fi
}

# Every library the loader would map, by readelf's DT_NEEDED and the
# package dpkg -S names, is in the SBOM with the file's SHA-256.
test_sbom_cli_matches_readelf_and_dpkg() {
	command -v readelf >/dev/null || { echo "SKIP: no readelf"; exit 77; }
	run_sbom
	lib=$(readlink -f "$MEDSEC_BINARY_DIR/lib/libmedsec.so.0")
	for so in $(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		path=$(readlink -f "/usr/lib/x86_64-linux-gnu/$so")
		[ -f "$path" ] || { path=$(readlink -f "/lib/x86_64-linux-gnu/$so"); }
		[ -f "$path" ] || die "test cannot find $so"
		pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "/lib/x86_64-linux-gnu/$so" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$pkg" ] || die "dpkg -S knows no package for $so"
		ver=$(dpkg-query -W -f='${Version}' "$pkg")
		sum=$(sha256sum "$path" | cut -d' ' -f1)
		node -e '
			const [file, pkg, ver, sum] = process.argv.slice(1);
			const bom = JSON.parse(require("fs").readFileSync(file, "utf8"));
			const c = bom.components.find((x) => x.name === pkg);
			if (!c) { console.error("no component " + pkg); process.exit(1); }
			if (c.version !== ver) { console.error(pkg + " version " + c.version + " != " + ver); process.exit(1); }
			if (!c.purl.startsWith("pkg:deb/debian/" + pkg + "@") || !c.purl.endsWith("distro=debian-12")) { console.error("purl " + c.purl); process.exit(1); }
			const files = [c.hashes[0].content].concat((c.properties || []).filter((p) => p.name === "medsec:file:sha256-path").map((p) => p.value.split(" ")[0]));
			if (!files.includes(sum)) { console.error(pkg + ": no file with sha256 " + sum); process.exit(1); }
		' "$work/out/sbom.cdx.json" "$pkg" "$ver" "$sum" || die "$so ($pkg)"
	done
}

test_sbom_cli_declared_and_data_components() {
	run_sbom
	sum=$(sha256sum "$pwlist" | cut -d' ' -f1)
	node -e '
		const [file, sum] = process.argv.slice(1);
		const bom = JSON.parse(require("fs").readFileSync(file, "utf8"));
		const ok = (c, m) => { if (!c) { console.error(m); process.exit(1); } };
		const fw = bom.components.find((x) => x.name === "spo2-module-firmware");
		ok(fw && fw.type === "firmware" && fw.supplier.name === "Nellcor OEM", "declared component");
		const prop = (n) => (fw.properties.find((p) => p.name === n) || {}).value;
		ok(prop("medsec:support:level") === "security-only", "support level");
		ok(prop("medsec:support:eos-date") === "2031-12-31", "end of support");
		const pw = bom.components.find((x) => x.type === "data");
		ok(pw && pw.hashes[0].content === sum, "password list hash");
		ok(bom.metadata.component.name === "acme-infusion-pump" && bom.metadata.component.manufacturer.name === "ACME Medical Co., Ltd.", "device");
		for (const n of ["medsec", "libmedsec", "libmedsec-tools"]) {
			const c = bom.components.find((x) => x.name === n);
			ok(c && c.version && c.hashes[0].content.length === 64, "own component " + n);
		}
	' "$work/out/sbom.cdx.json" "$sum" || die "components"
	grep -q '"validUntilDate": "2031-12-31T00:00:00Z"' "$work/out/sbom.spdx.json" || die "SPDX end of support"
}

test_sbom_cli_bad_declaration_names_value() {
	declared
	sed -i 's/end_of_support = 2031-12-31/end_of_support = 2031-02-30/' "$work/declared.ini"
	if "$MEDSEC" sbom --binary "$MEDSEC" --declared "$work/declared.ini" --out "$work/out" 2>"$work/err"; then
		die "bad date accepted"
	fi
	grep -q "declared.ini:12: component.end_of_support: '2031-02-30' is not a date" "$work/err" || die "message: $(cat "$work/err")"
	[ ! -e "$work/out" ] || die "output written after a refusal"
	declared
	sed -i '/^supplier = Nellcor/d' "$work/declared.ini"
	if "$MEDSEC" sbom --binary "$MEDSEC" --declared "$work/declared.ini" --out "$work/out" 2>"$work/err"; then
		die "missing supplier accepted"
	fi
	grep -q "has no 'supplier'" "$work/err" || die "message: $(cat "$work/err")"
}

test_sbom_cli_refuses_other_password_list() {
	head -n 9999 "$pwlist" >"$work/short.txt"
	if "$MEDSEC" sbom --binary "$MEDSEC" --password-list "$work/short.txt" --out "$work/out" 2>"$work/err"; then
		die "a list that is not the embedded one accepted"
	fi
	grep -q "9999 entries, but libmedsec embeds 10000" "$work/err" || die "message: $(cat "$work/err")"
	printf 'not-in-the-list-%s\n' x >>"$work/short.txt"
	if "$MEDSEC" sbom --binary "$MEDSEC" --password-list "$work/short.txt" --out "$work/out" 2>"$work/err"; then
		die "foreign entry accepted"
	fi
	grep -q "line 10000 is not in the list" "$work/err" || die "message: $(cat "$work/err")"
}

test_sbom_cli_refuses_non_elf() {
	printf '#!/bin/sh\necho hi\n' >"$work/script"
	if "$MEDSEC" sbom --binary "$work/script" --out "$work/out" 2>"$work/err"; then die "script accepted"; fi
	grep -q "script.*not an ELF file" "$work/err" || die "message: $(cat "$work/err")"
	"$MEDSEC" sbom --out "$work/out" >/dev/null 2>&1
	[ $? = 2 ] || die "usage exit"
	"$MEDSEC" sbom --binary "$MEDSEC" --format xml --out "$work/out" 2>"$work/err"
	[ $? = 2 ] && grep -q "'xml'" "$work/err" || die "bad format: $(cat "$work/err")"
}

"$1"
