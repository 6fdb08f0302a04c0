#!/bin/bash
# End-to-end tests of `medsec report` on the reference device with
# synthetic evidence: the package's contents, --strict exit codes, gaps,
# replacing an earlier package, refusals, and the browser check of the
# rendered package. Run by CTest as: bash cli_report.sh <test_name>.
set -u
: "${MEDSEC:?}" "${MEDSEC_SOURCE_DIR:?}"
work=$(mktemp -d /tmp/medsec-report-XXXXXX)
trap 'rm -rf "$work"' EXIT
ex=$MEDSEC_SOURCE_DIR/examples
ref=$ex/telehealth-gateway.ini
ev=$work/evidence
dev=$work/device
out=$work/submission
docs="checklist risk-management verification-validation"

die() { echo "FAIL: $*" >&2; exit 1; }

# Evidence with one passing test per requirement of the reference device,
# except: $1 = id whose test fails, $2 = id with no test at all.
make_evidence() {
	local fail_id=${1:-} omit_id=${2:-} ids id tag n=0 body=""
	"$MEDSEC" classify "$ref" --json >"$work/cls.json" || die "classify failed"
	ids=$(grep -o '"id":"[0-9.]*"' "$work/cls.json" | cut -d'"' -f4)
	for id in $ids; do
		[ "$id" = "$omit_id" ] && continue
		tag=test_req_$(echo "$id" | tr . _)_cli_evidence
		if [ "$id" = "$fail_id" ]; then
			body="$body<testcase name=\"$tag\" classname=\"$tag\" time=\"0.1\" status=\"fail\"><failure message=\"\"/></testcase>
"
		else
			body="$body<testcase name=\"$tag\" classname=\"$tag\" time=\"0.1\" status=\"run\"/>
"
		fi
		n=$((n + 1))
	done
	rm -rf "$ev"
	mkdir -p "$ev/bench"
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="(empty)" tests="%d" hostname="" time="1" timestamp="2026-03-04T05:06:07">\n%s</testsuite>\n' "$n" "$body" >"$ev/junit.xml"
	printf '{"schema":"medsec-evidence-1","commit":"89abcdef0123456789abcdef0123456789abcdef","dirty":false,"started":"2026-03-04T05:00:00Z","collected":"2026-03-04T05:10:00Z","medsec_version":"%s"}\n' \
	    "$("$MEDSEC" --version | sed 's/^medsec //')" >"$ev/meta.json"
	printf '# bench, 2026-03-04T05:08:00Z\nwriters 1 4399\n' >"$ev/bench/last-run.txt"
	# The device's own results: the same tests, run against the device.
	rm -rf "$dev"
	mkdir -p "$dev"
	cp "$ev/junit.xml" "$dev/gateway-tests.xml"
	printf '{"schema":"medsec-device-evidence-1","software":"CareLink gateway firmware","version":"2.1.0","build":"CLG-2.1.0-77"}\n' >"$dev/device.json"
}

# Runs medsec report without Chromium (fast); status in $rc.
report_nopdf() {
	MEDSEC_CHROMIUM=/nonexistent/chromium "$MEDSEC" report "$ref" --evidence "$ev" --device-evidence "$dev" --out "$out" "$@" >"$work/r.out" 2>"$work/r.err"
	rc=$?
}

have_chromium() {
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

test_cli_report_writes_the_package() {
	make_evidence
	report_nopdf
	[ $rc = 0 ] || die "exit $rc: $(cat "$work/r.err")"
	for d in $docs; do
		for l in ko en; do
			for e in md json html; do
				[ -s "$out/$d.$l.$e" ] || die "no $d.$l.$e"
				[ "$(stat -c %a "$out/$d.$l.$e")" = 644 ] || die "$d.$l.$e not 0644"
			done
			[ ! -e "$out/$d.$l.pdf" ] || die "a PDF without Chromium"
		done
	done
	[ -s "$out/index.html" ] || die "no index.html"
	[ -s "$out/manifest.json" ] || die "no manifest.json"
	for l in ko en; do
		for e in md json html; do
			[ -s "$out/mds2-draft.$l.$e" ] || die "no mds2-draft.$l.$e"
		done
	done
	[ "$(ls "$out" | wc -l)" = 26 ] || die "unexpected files: $(ls "$out")"
	ls -d "$out".tmp-* >/dev/null 2>&1 && die "staging directory left behind"
	grep -q 'PDFs skipped: MEDSEC_CHROMIUM=/nonexistent/chromium is not an executable file' "$work/r.err" || die "no PDF warning: $(cat "$work/r.err")"
	grep -q 'PDFs were not rendered' "$out/index.html" || die "index does not say PDFs are missing"
	grep -q '^gaps:     0 (0 required)$' "$work/r.out" || die "summary: $(cat "$work/r.out")"
	grep -q '89abcdef0123456789abcdef0123456789abcdef' "$out/verification-validation.en.md" || die "commit not in the V&V report"
	grep -q '2026-03-04T05:06:07' "$out/verification-validation.en.html" || die "test date not in the V&V report"
	grep -q 'writers 1 4399' "$out/verification-validation.en.md" || die "bench results not quoted"
	(cd "$out" && sed -n 's/.*"name": "\(.*\)",/\1/p; s/.*"sha256": "\(.*\)"/\1/p' manifest.json |
	    paste - - | awk '{ print $2 "  " $1 }' | sha256sum -c --quiet) || die "manifest checksums differ"
}

test_cli_report_strict_exit_codes() {
	make_evidence
	report_nopdf --strict
	[ $rc = 0 ] || die "--strict with no gap (and no Chromium): exit $rc: $(cat "$work/r.err")"
	make_evidence 1.9
	report_nopdf
	[ $rc = 0 ] || die "a gap without --strict: exit $rc"
	report_nopdf --strict
	[ $rc = 1 ] || die "--strict with a required gap: exit $rc"
	grep -q -- '--strict: 1 required requirement(s) are gaps' "$work/r.err" || die "no strict message: $(cat "$work/r.err")"
	grep -q '^  1.9   required' "$work/r.out" || die "gap not listed: $(cat "$work/r.out")"
	[ -s "$out/index.html" ] || die "--strict failure left no package"
	# 2.4 is only recommended at level moderate: a gap, but not for --strict.
	make_evidence "" 2.4
	report_nopdf --strict
	[ $rc = 0 ] || die "--strict failed on a recommended gap"
	grep -q '^gaps:     1 (0 required)$' "$work/r.out" || die "summary: $(cat "$work/r.out")"
}

test_cli_report_failing_test_shown_as_gap() {
	make_evidence 1.16
	report_nopdf
	[ $rc = 0 ] || die "exit $rc"
	grep -q '<tr class="gap"><td>1.16 Ensuring' "$out/checklist.en.html" || die "1.16 not a gap row in the checklist"
	grep -q 'test_req_1_16_cli_evidence | component (medsec) | fail |' "$out/verification-validation.en.md" || die "failing test not listed"
	grep -q '"verdict": "gap"' "$out/checklist.en.json" || die "no gap verdict in JSON"
	grep -q 'not demonstrated' "$out/risk-management.en.md" || die "risk document claims residual risk"
}

test_cli_report_item_without_evidence_is_gap() {
	make_evidence "" 1.5
	report_nopdf --strict
	[ $rc = 1 ] || die "exit $rc"
	grep -q 'No evidence: no test in junit.xml or the device evidence is named test_req_1_5' "$out/verification-validation.en.md" || die "no-evidence reason missing"
}

test_cli_report_replaces_only_its_own_package() {
	make_evidence
	report_nopdf
	[ $rc = 0 ] || die "first run: exit $rc"
	make_evidence 1.1
	report_nopdf
	[ $rc = 0 ] || die "second run: exit $rc"
	grep -q '<tr class="gap"><td>1.1 Access' "$out/checklist.en.html" || die "package not replaced"
	ls -d "$out".tmp-* >/dev/null 2>&1 && die "old package left behind"
	mkdir -p "$work/mine" && echo keep >"$work/mine/notes.txt"
	MEDSEC_CHROMIUM=/nonexistent "$MEDSEC" report "$ref" --evidence "$ev" --out "$work/mine" >/dev/null 2>"$work/e"
	[ $? = 1 ] || die "replaced a directory that is not a package"
	grep -q 'is not a medsec submission package' "$work/e" || die "unclear refusal: $(cat "$work/e")"
	[ "$(cat "$work/mine/notes.txt")" = keep ] || die "foreign directory touched"
	ls -d "$work"/mine.tmp-* >/dev/null 2>&1 && die "staging left after a refusal"
	return 0
}

test_cli_report_bad_evidence_refused() {
	make_evidence
	printf '<testsuite>\n<testcase name="a">\n</testsuite>\n' >"$ev/junit.xml"
	report_nopdf
	[ $rc = 1 ] || die "malformed junit.xml: exit $rc"
	grep -q 'junit.xml:3: </testsuite> closes <testcase> of line 2' "$work/r.err" || die "unclear: $(cat "$work/r.err")"
	[ ! -e "$out" ] || die "a package from bad evidence"
	make_evidence
	printf '{"schema":"medsec-evidence-1","commit":"x","collected":"2026-03-04T05:10:00Z"}' >"$ev/meta.json"
	report_nopdf
	[ $rc = 1 ] || die "bad meta.json: exit $rc"
	grep -q 'meta.json: commit: must be' "$work/r.err" || die "unclear: $(cat "$work/r.err")"
	MEDSEC_CHROMIUM=/nonexistent "$MEDSEC" report "$ref" --evidence "$work/none" --out "$out" 2>"$work/e"
	[ $? = 1 ] || die "missing evidence dir accepted"
	grep -q 'not a directory' "$work/e" || die "unclear: $(cat "$work/e")"
	rm -rf "$ev/junit.xml" "$ev/meta.json"
	report_nopdf
	[ $rc = 0 ] || die "empty evidence: exit $rc"
	grep -q 'has no junit.xml; every requirement is a gap' "$work/r.err" || die "no warning: $(cat "$work/r.err")"
}

test_cli_report_usage_exits_2() {
	"$MEDSEC" report >/dev/null 2>&1
	[ $? = 2 ] || die "no arguments: not 2"
	"$MEDSEC" report "$ref" --out "$out" >/dev/null 2>&1
	[ $? = 2 ] || die "no --evidence: not 2"
	"$MEDSEC" report "$ref" --evidence "$ev" >/dev/null 2>&1
	[ $? = 2 ] || die "no --out: not 2"
	"$MEDSEC" report "$ref" "$ref" --evidence "$ev" --out "$out" >/dev/null 2>&1
	[ $? = 2 ] || die "two profiles: not 2"
	"$MEDSEC" report "$ref" --evidence "$ev" --out "$out" --bogus >/dev/null 2>&1
	[ $? = 2 ] || die "unknown option: not 2"
	printf '[device]\nclass = 9\n' >"$work/bad.ini"
	"$MEDSEC" report "$work/bad.ini" --evidence "$work" --out "$out" >/dev/null 2>"$work/e"
	[ $? = 1 ] || die "bad profile: not 1"
	grep -q 'bad.ini:2: device.class' "$work/e" || die "unclear: $(cat "$work/e")"
}

# A submission needs the worst harm (Table 1): report refuses a profile
# without it by file and key, as classify does, and writes nothing;
# --draft builds the package with the gap shown as a warning.
test_cli_report_missing_harm_refused_unless_draft() {
	make_evidence
	sed -e '/^worst_harm *=/d' \
	    -e "s|^threat_model = .*|threat_model = $MEDSEC_SOURCE_DIR/docs/threat-model.md|" \
	    "$ref" >"$work/noharm.ini"
	grep -q '^worst_harm' "$work/noharm.ini" && die "worst_harm not removed"
	rm -rf "$out"
	MEDSEC_CHROMIUM=/nonexistent "$MEDSEC" report "$work/noharm.ini" --evidence "$ev" --out "$out" >/dev/null 2>"$work/e"
	[ $? = 1 ] || die "missing harm: not 1"
	grep -q 'noharm.ini:[0-9]*: device.worst_harm: missing key' "$work/e" || die "unclear: $(cat "$work/e")"
	[ ! -e "$out" ] || die "a refused profile wrote a package"
	MEDSEC_CHROMIUM=/nonexistent "$MEDSEC" report "$work/noharm.ini" --evidence "$ev" --out "$out" --draft >/dev/null 2>"$work/e"
	[ $? = 0 ] || die "--draft: $(cat "$work/e")"
	grep -q 'worst_harm is not stated' "$out/checklist.en.md" || die "draft package does not warn of the missing harm"
	grep -q 'worst_harm이 기재되지 않아' "$out/checklist.ko.md" || die "Korean checklist does not warn of the missing harm"
}

# Component evidence alone (medsec's own suite) proves mechanisms, not the
# device: without --device-evidence nothing is met, and the documents say
# "mechanism verified; integration not shown" for every tested item.
test_req_1_1_cli_report_component_evidence_alone_is_not_met() {
	make_evidence
	MEDSEC_CHROMIUM=/nonexistent "$MEDSEC" report "$ref" --evidence "$ev" --out "$out" --strict >"$work/r.out" 2>"$work/r.err"
	[ $? = 1 ] || die "--strict passed on component evidence alone"
	grep -q 'no --device-evidence: no requirement is met for the device' "$work/r.err" || die "no warning: $(cat "$work/r.err")"
	grep -q '"verdict": "met"' "$out/checklist.en.json" && die "an item is met without device evidence"
	grep -q 'Mechanism verified; integration not shown: 1 of 1 component tests' "$out/checklist.en.md" || die "checklist does not say mechanism verified"
	grep -q '"evidence_basis": "component"' "$out/verification-validation.en.json" || die "no component basis in JSON"
	grep -q 'No device test results were given' "$out/verification-validation.en.md" || die "V&V does not name the missing device evidence"
	# The same results given as the device's own: met, and the report
	# names the device software and lists medsec as a component.
	report_nopdf --strict
	[ $rc = 0 ] || die "with device evidence: exit $rc: $(cat "$work/r.err")"
	grep -q '"evidence_basis": "device"' "$out/verification-validation.en.json" || die "no device basis"
	grep -q 'Device software:\*\* CareLink gateway firmware' "$out/verification-validation.en.md" || die "device software not named"
	grep -q 'Device software version:\*\* 2.1.0' "$out/verification-validation.en.md" || die "device version not named"
	grep -q 'Component:\*\* medsec ' "$out/verification-validation.en.md" || die "medsec not listed as a component"
	grep -q 'gateway-tests.xml (device evidence)' "$out/verification-validation.en.md" || die "device evidence file not cited"
}

# A verification method is shown as performed only when evidence of its
# kind exists; a penetration test or port scan without an attack-tool test
# of the item, and any review, are planned.
test_req_1_19_cli_report_methods_without_evidence_are_planned() {
	make_evidence "" 1.18
	report_nopdf
	[ $rc = 0 ] || die "exit $rc: $(cat "$work/r.err")"
	node -e '
		const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
		const items = d.content.items;
		const m = (id, re) => items.find(i => i.id === id).methods.find(x => re.test(x.method));
		const check = (c, what) => { if (!c) { console.error(what); process.exit(1); } };
		check(m("1.19", /service scan/).status === "planned", "1.19 port and service scan shown as performed");
		check(m("1.5", /port scan/).status === "planned", "1.5 port scan shown as performed");
		check(m("1.4", /penetration/).status === "planned", "1.4 penetration test shown as performed");
		check(m("1.18", /inspection/).status === "planned", "1.18 inspection shown as performed");
		check(/^performed/.test(m("1.4", /unit tests/).how), "1.4 unit tests not performed");
		for (const i of items) for (const x of i.methods)
			check(!(/review|inspection/.test(x.method) && x.status === "performed"), i.id + ": review performed");
	' "$out/verification-validation.en.json" || die "methods"
	grep -q 'Verification methods planned (not performed)' "$out/verification-validation.en.md" || die "no planned methods"
	grep -q 'Declared by the manufacturer in the device profile (not verified by a test or a review recorded in the evidence): sealed enclosure, no external debug port; doc HW-SEC-004' "$out/checklist.en.md" || die "declaration reads as verified"
	grep -qi 'verified by document review' "$out"/*.md && die "a document claims a review nobody did"
	# An attack-tool test of the item makes the scan performed.
	sed -i 's|</testsuite>|<testcase name="test_req_1_19_attack_h8_port_scan" classname="x" time="1" status="run"/>\n</testsuite>|; s|tests="\([0-9]*\)"|tests="X\1"|' "$dev/gateway-tests.xml"
	n=$(sed -n 's/.*tests="X\([0-9]*\)".*/\1/p' "$dev/gateway-tests.xml")
	sed -i "s|tests=\"X$n\"|tests=\"$((n + 1))\"|" "$dev/gateway-tests.xml"
	report_nopdf
	[ $rc = 0 ] || die "exit $rc: $(cat "$work/r.err")"
	node -e '
		const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
		const i = d.content.items.find(i => i.id === "1.19");
		const x = i.methods.find(x => /service scan/.test(x.method));
		if (x.status !== "performed" || !/1 device test/.test(x.how)) { console.error(JSON.stringify(x)); process.exit(1); }
	' "$out/verification-validation.en.json" || die "attack test did not make the scan performed"
}

# Benchmark and attack results from another run are excluded and listed,
# never quoted as this run's.
test_cli_report_stale_results_excluded_and_listed() {
	make_evidence
	printf '# medsec audit benchmarks, 2025-11-23T08:54:31Z, 2 cores\nwriters 1 9999\n' >"$ev/bench/old.txt"
	mkdir -p "$ev/attacks" "$dev/attacks"
	printf 'nmap: 1 port open\n' >"$ev/attacks/nmap-now.txt"
	touch -d '2026-03-04 05:05:00 UTC' "$ev/attacks/nmap-now.txt"
	printf 'hydra: 0 valid passwords\n' >"$ev/attacks/hydra-old.txt"
	touch -d '2026-01-01 00:00:00 UTC' "$ev/attacks/hydra-old.txt"
	printf 'testssl: TLS 1.3 only\n' >"$dev/attacks/testssl.txt"
	report_nopdf
	[ $rc = 0 ] || die "exit $rc: $(cat "$work/r.err")"
	v=$out/verification-validation.en.md
	grep -q 'writers 1 4399' "$v" || die "same-run bench not quoted"
	grep -q 'writers 1 9999' "$v" && die "stale bench quoted"
	grep -q 'bench/old.txt (component evidence: medsec.s run): dated 2025-11-23T08:54:31Z (recorded in the file), before the test run started at 2026-03-04T05:00:00Z' "$v" || die "stale bench not listed: $(grep -n old.txt "$v")"
	grep -q 'nmap: 1 port open' "$v" || die "same-run attack result not quoted"
	grep -q 'hydra: 0 valid' "$v" && die "stale attack result quoted"
	grep -q 'attacks/hydra-old.txt .*dated 2026-01-01T00:00:00Z (its modification time), before the test run started' "$v" || die "stale attack not listed"
	# The device evidence records no run window: its results cannot be
	# shown to come from its run.
	grep -q 'testssl: TLS 1.3 only' "$v" && die "device attack result without a run window quoted"
	grep -q 'attacks/testssl.txt (device evidence: run against the device): device.json does not record when the test run started' "$v" || die "device attack exclusion not listed"
	grep -q 'All results above come from one test run' "$out"/*.md && die "over-claiming retest statement"
	node -e '
		const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
		if (d.content.excluded_results.length !== 3) { console.error(JSON.stringify(d.content.excluded_results)); process.exit(1); }
	' "$out/verification-validation.en.json" || die "excluded results in JSON"
}

# The package carries the device's SBOM (CycloneDX and SPDX), its
# vulnerability status and VEX (CycloneDX VEX and CSAF VEX), unchanged and
# valid, summarised in the V&V report with counts by state.
test_req_2_3_cli_report_package_carries_sbom_and_vex() {
	v=$MEDSEC_SOURCE_DIR/tests/validators
	command -v node >/dev/null && [ -d "$v/node_modules/@secvisogram/csaf-validator-lib" ] ||
	    { echo "SKIP: validators not installed"; return 77; }
	make_evidence
	"$MEDSEC" sbom --binary "$MEDSEC" --format both --out "$work/sbom" >/dev/null 2>&1 || die "sbom"
	# One component with a known advisory (tests/data/osv), so the scan
	# has a finding to state in both VEX documents.
	node -e '
		const fs = require("fs"), f = process.argv[1], d = JSON.parse(fs.readFileSync(f));
		d.components.push({type: "library", "bom-ref": "zlib-old", name: "zlib1g", version: "1:1.2.11.dfsg-2+deb11u1",
		    purl: "pkg:deb/debian/zlib1g@1:1.2.11.dfsg-2%2Bdeb11u1?arch=amd64&distro=debian-11",
		    properties: [{name: "medsec:deb:source", value: "zlib"}, {name: "medsec:deb:source-version", value: "1:1.2.11.dfsg-2+deb11u1"}]});
		fs.writeFileSync(f, JSON.stringify(d, null, 2));
	' "$work/sbom/sbom.cdx.json" || die "SBOM edit"
	"$MEDSEC" vuln scan --sbom "$work/sbom/sbom.cdx.json" --db "$MEDSEC_SOURCE_DIR/tests/data/osv" \
	    --emit "$work/vex" --publisher "Example Medical Co." --publisher-url https://example.com \
	    --tracking-id CLG-VEX-1 >"$ev/vulnerabilities.txt" 2>&1
	[ $? = 1 ] || die "vuln scan: $(cat "$ev/vulnerabilities.txt")"
	cp "$work/sbom/sbom.cdx.json" "$ev/sbom.cdx.json"
	cp "$work/sbom/sbom.spdx.json" "$ev/sbom.spdx.json"
	cp "$work/vex/vex.cdx.json" "$ev/vulnerabilities.vex.cdx.json"
	cp "$work/vex/vex.csaf.json" "$ev/vulnerabilities.vex.csaf.json"
	report_nopdf
	[ $rc = 0 ] || die "exit $rc: $(cat "$work/r.err")"
	for f in sbom.cdx.json sbom.spdx.json vulnerabilities.txt vulnerabilities.vex.cdx.json vulnerabilities.vex.csaf.json; do
		cmp -s "$ev/$f" "$out/$f" || die "$f not carried unchanged"
		grep -q "\"name\": \"$f\"" "$out/manifest.json" || die "$f not in the manifest"
	done
	node "$v/cyclonedx-check.js" "$out/sbom.cdx.json" "$out/vulnerabilities.vex.cdx.json" >/dev/null || die "CycloneDX invalid"
	node "$v/spdx-check.js" "$out/sbom.spdx.json" >/dev/null || die "SPDX invalid"
	node "$v/csaf-check.js" "$out/vulnerabilities.vex.csaf.json" >"$work/csaf" || die "CSAF invalid: $(cat "$work/csaf")"
	comps=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).components.length)' "$out/sbom.cdx.json")
	grep -q "sbom.cdx.json:\\*\\* CycloneDX 1.6 SBOM: $comps components" "$out/verification-validation.en.md" || die "SBOM not summarised: $(grep -n sbom "$out/verification-validation.en.md")"
	grep -q 'vulnerabilities.vex.cdx.json:\*\* CycloneDX VEX: [0-9]* statements; by state: ' "$out/verification-validation.en.md" || die "VEX not summarised"
	grep -q 'vulnerabilities.vex.csaf.json:\*\* CSAF csaf_vex CLG-VEX-1: ' "$out/verification-validation.en.md" || die "CSAF not summarised"
	grep -q 'advisory database' "$out/verification-validation.en.md" || die "scan output (database date) not quoted"
	# A second package replaces the first, production files included.
	rm "$ev/sbom.spdx.json"
	report_nopdf
	[ $rc = 0 ] || die "second run: exit $rc"
	[ ! -e "$out/sbom.spdx.json" ] || die "a production file of the earlier package left behind"
}

# Opens index.html in headless Chromium and follows every link.
test_cli_report_browser_renders_and_links_resolve() {
	if ! have_chromium; then
		echo "SKIPPED: chromium is not installed (scripts/deps.sh installs it)"
		return 77
	fi
	command -v node >/dev/null 2>&1 || die "node is required for the browser check"
	make_evidence 1.9
	"$MEDSEC" report "$ref" --evidence "$ev" --device-evidence "$dev" --out "$out" >"$work/r.out" 2>"$work/r.err" || die "report: $(cat "$work/r.err")"
	grep -q '^pdf:      rendered with Chromium$' "$work/r.out" || die "PDFs not rendered: $(cat "$work/r.err")"
	for d in $docs; do
		for l in ko en; do
			head -c 5 "$out/$d.$l.pdf" | grep -q '%PDF-' || die "$d.$l.pdf is not a PDF"
		done
	done
	node "$MEDSEC_SOURCE_DIR/tests/browser/check_package.js" "$out" || die "browser check failed"
}

"$1"
