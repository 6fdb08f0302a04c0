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
	printf '{"schema":"medsec-evidence-1","commit":"89abcdef0123456789abcdef0123456789abcdef","dirty":false,"collected":"2026-03-04T05:10:00Z","medsec_version":"%s"}\n' \
	    "$("$MEDSEC" --version | sed 's/^medsec //')" >"$ev/meta.json"
	printf '# bench\nwriters 1 4399\n' >"$ev/bench/last-run.txt"
}

# Runs medsec report without Chromium (fast); status in $rc.
report_nopdf() {
	MEDSEC_CHROMIUM=/nonexistent/chromium "$MEDSEC" report "$ref" --evidence "$ev" --out "$out" "$@" >"$work/r.out" 2>"$work/r.err"
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
	[ "$(ls "$out" | wc -l)" = 20 ] || die "unexpected files: $(ls "$out")"
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
	grep -q 'test_req_1_16_cli_evidence | fail |' "$out/verification-validation.en.md" || die "failing test not listed"
	grep -q '"verdict": "gap"' "$out/checklist.en.json" || die "no gap verdict in JSON"
	grep -q 'not demonstrated' "$out/risk-management.en.md" || die "risk document claims residual risk"
}

test_cli_report_item_without_evidence_is_gap() {
	make_evidence "" 1.5
	report_nopdf --strict
	[ $rc = 1 ] || die "exit $rc"
	grep -q 'No evidence: no test in junit.xml is named test_req_1_5' "$out/verification-validation.en.md" || die "no-evidence reason missing"
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

# Opens index.html in headless Chromium and follows every link.
test_cli_report_browser_renders_and_links_resolve() {
	if ! have_chromium; then
		echo "SKIPPED: chromium is not installed (scripts/deps.sh installs it)"
		return 77
	fi
	command -v node >/dev/null 2>&1 || die "node is required for the browser check"
	make_evidence 1.9
	"$MEDSEC" report "$ref" --evidence "$ev" --out "$out" >"$work/r.out" 2>"$work/r.err" || die "report: $(cat "$work/r.err")"
	grep -q '^pdf:      rendered with Chromium$' "$work/r.out" || die "PDFs not rendered: $(cat "$work/r.err")"
	for d in $docs; do
		for l in ko en; do
			head -c 5 "$out/$d.$l.pdf" | grep -q '%PDF-' || die "$d.$l.pdf is not a PDF"
		done
	done
	node "$MEDSEC_SOURCE_DIR/tests/browser/check_package.js" "$out" || die "browser check failed"
}

"$1"
