#!/bin/sh
# Runs the test suite with evidence capture and builds the MFDS submission
# package for the reference device:
#
#   scripts/report.sh [BUILD_DIR [OUT_DIR [--strict]]]
#
# BUILD_DIR (default: build) must hold a configured and built tree.
# OUT_DIR (default: out) receives evidence/ (medsec's own suite: component
# evidence), device-evidence/ (the tests run against medsecd, the
# reference gateway's software), sbom/, submission/ (the package) and,
# unless REPORT_PROFILE names another device, submission-infusion-pump/
# and submission-electronic-thermometer/ (the example devices of other
# levels). A failing test does not stop the package: it shows up in it
# as a gap. With --strict the script exits non-zero when a required
# requirement of the reference device is a gap. REPORT_LANG (ko, en or
# both, the default) chooses the documents' languages.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
out=${2:-out}
strict=${3:-}
profile=${REPORT_PROFILE:-$root/examples/telehealth-gateway.ini}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

case $build in /*) ;; *) build=$root/$build ;; esac
case $out in /*) ;; *) out=$root/$out ;; esac
medsec=$build/bin/medsec
[ -x "$medsec" ] || { echo "report: $medsec not built (run make build)" >&2; exit 1; }
case $strict in ""|--strict) ;; *) echo "report: unknown option $strict" >&2; exit 2 ;; esac

ev=$out/evidence
devev=$out/device-evidence
rm -rf "$ev" "$devev"
mkdir -p "$ev" "$devev"

# JSON string: backslash and quote escaped, control characters dropped.
json_str() {
	printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

cache_value() {
	sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" 2>/dev/null | head -n 1
}

utc_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# Where the results come from, read before the tests run: the commit
# the build was made from, not whatever the tree holds when they end.
commit=unknown
dirty=null
if command -v git >/dev/null 2>&1 && git -C "$root" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	commit=$(git -C "$root" rev-parse HEAD)
	if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		dirty=true
	else
		dirty=false
	fi
fi

# 1. The test suite, in two runs kept apart in the package: medsec's own
# suite is component evidence (it proves the mechanisms); the tests that
# run against medsecd itself, the reference gateway's software, are
# device evidence for that device. UTC, so the JUnit timestamp needs no
# zone. The daemon's attack tests write their tools' raw output (testssl,
# sslscan, nmap, hydra, slowhttptest, wrk) under MEDSEC_ATTACK_RESULTS; it
# starts empty, so only this run's results reach the package, and the
# report quotes a result only when it is dated within its run.
device_tests=$(sed -n 's/^\(test_[a-z0-9_]*\)().*/\1/p' "$root"/tests/integration/daemon_*.sh | paste -sd '|' -)
attack_dir=$build/attack-results
rm -rf "$attack_dir"
mkdir -p "$attack_dir"
started=$(utc_now)
echo "report: running the test suite in $build"
status=0
(cd "$build" && TZ=UTC MEDSEC_ATTACK_RESULTS="$attack_dir" \
    ctest -j "$jobs" -E "^($device_tests)\$" --output-junit "$ev/junit.xml") >"$ev/ctest.log" 2>&1 || status=$?
if [ ! -s "$ev/junit.xml" ]; then
	echo "report: ctest wrote no JUnit file; see $ev/ctest.log" >&2
	exit 1
fi
dev_started=$(utc_now)
echo "report: running the tests against medsecd (device evidence)"
(cd "$build" && TZ=UTC MEDSEC_ATTACK_RESULTS="$attack_dir" \
    ctest -j "$jobs" -R "^($device_tests)\$" --output-junit "$devev/medsecd.xml") >"$devev/ctest.log" 2>&1 || status=$?
dev_collected=$(utc_now)
[ "$status" = 0 ] || echo "report: warning: some tests failed (ctest exit $status); they appear as gaps"

# 2. Where the results came from (the commit is read above).
version=$("$medsec" --version | sed 's/^medsec //')
cc=$(cache_value CMAKE_C_COMPILER)
ccver=$("${cc:-cc}" --version 2>/dev/null | head -n 1 || true)
{
	printf '{\n  "schema": "medsec-evidence-1",\n'
	printf '  "commit": %s,\n' "$(json_str "$commit")"
	printf '  "dirty": %s,\n' "$dirty"
	printf '  "started": %s,\n' "$(json_str "$started")"
	printf '  "collected": %s,\n' "$(json_str "$(utc_now)")"
	printf '  "medsec_version": %s,\n' "$(json_str "$version")"
	printf '  "ctest": %s,\n' "$(json_str "$(ctest --version | head -n 1)")"
	[ -n "$ccver" ] && printf '  "compiler": %s,\n' "$(json_str "$ccver")"
	bt=$(cache_value CMAKE_BUILD_TYPE)
	[ -n "$bt" ] && printf '  "build_type": %s,\n' "$(json_str "$bt")"
	printf '  "host": %s\n}\n' "$(json_str "$(uname -n)")"
} >"$ev/meta.json"
medsecd_version=$("$build/bin/medsecd" -V 2>/dev/null | sed 's/^medsecd //' || true)
{
	printf '{\n  "schema": "medsec-device-evidence-1",\n'
	printf '  "software": "medsecd",\n'
	printf '  "version": %s,\n' "$(json_str "${medsecd_version:-$version}")"
	printf '  "build": %s,\n' "$(json_str "$commit")"
	printf '  "started": %s,\n' "$(json_str "$dev_started")"
	printf '  "collected": %s\n}\n' "$(json_str "$dev_collected")"
} >"$devev/device.json"

# 3. Benchmark and attack-tool results. bench/last-run.txt is whatever
# `make bench` last wrote: the report quotes it only if it is dated
# within this run, and otherwise lists it as excluded. Attack output keeps
# its modification time (cp -p), which is how its run is told; TOOL/NAME
# becomes TOOL-NAME. The daemon's go with the device evidence.
if [ -f "$root/bench/last-run.txt" ]; then
	mkdir -p "$ev/bench"
	cp -p "$root/bench/last-run.txt" "$ev/bench/last-run.txt"
fi
copy_attacks() { # FROM TO PREFIX
	[ -d "$1" ] && [ -n "$(ls -A "$1")" ] || return 0
	mkdir -p "$2"
	(cd "$1" && find . -type f) | sed 's|^\./||' | while IFS= read -r f; do
		cp -p "$1/$f" "$2/$3$(printf '%s' "$f" | tr '/' '-')"
	done
}
copy_attacks "$attack_dir/daemon" "$devev/attacks" ""
for d in "$attack_dir"/*; do
	[ -d "$d" ] && [ "$(basename "$d")" != daemon ] && copy_attacks "$d" "$ev/attacks" "$(basename "$d")-"
done

# 4. Production information: the SBOM of the device's binaries (CycloneDX
# and SPDX), and its vulnerability status with VEX, scanned against the
# advisories in REPORT_VULN_DB (default: the OSV records shipped as test
# data; the scan states the database and its date in the package).
vulndb=${REPORT_VULN_DB:-$root/tests/data/osv}
sbomdir=$out/sbom
rm -rf "$sbomdir"
"$medsec" sbom --binary "$build/bin/medsecd" --binary "$medsec" --format both --out "$sbomdir" >/dev/null
cp "$sbomdir/sbom.cdx.json" "$ev/sbom.cdx.json"
cp "$sbomdir/sbom.spdx.json" "$ev/sbom.spdx.json"
vstatus=0
"$medsec" vuln scan --sbom "$sbomdir/sbom.cdx.json" --db "$vulndb" --emit "$sbomdir/vex" \
    >"$ev/vulnerabilities.txt" 2>&1 || vstatus=$?
case $vstatus in
0 | 1) ;;
*) echo "report: vulnerability scan failed; see $ev/vulnerabilities.txt" >&2; exit 1 ;;
esac
[ -f "$sbomdir/vex/vex.cdx.json" ] && cp "$sbomdir/vex/vex.cdx.json" "$ev/vulnerabilities.vex.cdx.json"
[ -f "$sbomdir/vex/vex.csaf.json" ] && cp "$sbomdir/vex/vex.csaf.json" "$ev/vulnerabilities.vex.csaf.json"

# The daemon's results are this device's evidence only for the reference
# gateway; another profile brings its own (REPORT_DEVICE_EVIDENCE, a
# JUnit file or directory).
set -- --evidence "$ev"
if [ -n "${REPORT_DEVICE_EVIDENCE:-}" ]; then
	set -- "$@" --device-evidence "$REPORT_DEVICE_EVIDENCE"
elif [ "$profile" = "$root/examples/telehealth-gateway.ini" ]; then
	set -- "$@" --device-evidence "$devev"
fi

# 5. The package, in Korean and English (REPORT_LANG=ko or en for one).
lang=${REPORT_LANG:-both}
echo "report: building the submission package for $profile"
"$medsec" report "$profile" "$@" --out "$out/submission" --lang "$lang" $strict

# 6. The example devices of other levels, from the same component
# evidence and no device evidence of their own: their packages show what
# the mechanisms prove and what each manufacturer still has to show.
if [ -z "${REPORT_PROFILE:-}" ]; then
	for ex in infusion-pump electronic-thermometer; do
		echo "report: building the submission package for examples/$ex.ini"
		"$medsec" report "$root/examples/$ex.ini" --evidence "$ev" \
		    --out "$out/submission-$ex" --lang "$lang"
	done
fi
echo "report: open $out/submission/index.html"
