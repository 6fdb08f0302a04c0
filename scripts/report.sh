#!/bin/sh
# Runs the test suite with evidence capture and builds the MFDS submission
# package for the reference device:
#
#   scripts/report.sh [BUILD_DIR [OUT_DIR [--strict]]]
#
# BUILD_DIR (default: build) must hold a configured and built tree.
# OUT_DIR (default: out) receives evidence/ (what the documents are built
# from) and submission/ (the package). A failing test does not stop the
# package: it shows up in it as a gap. With --strict the script exits
# non-zero when a required requirement is a gap. REPORT_LANG (ko, en or
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
rm -rf "$ev"
mkdir -p "$ev"

# JSON string: backslash and quote escaped, control characters dropped.
json_str() {
	printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

cache_value() {
	sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" 2>/dev/null | head -n 1
}

# 1. The test suite. UTC, so the JUnit timestamp needs no zone. The
# daemon's attack tests write their tools' raw output (testssl, sslscan,
# nmap, hydra, slowhttptest, wrk) under MEDSEC_ATTACK_RESULTS; it starts
# empty, so only this run's results reach the package.
attack_dir=$build/attack-results
rm -rf "$attack_dir"
mkdir -p "$attack_dir"
echo "report: running the test suite in $build"
status=0
(cd "$build" && TZ=UTC MEDSEC_ATTACK_RESULTS="$attack_dir" \
    ctest -j "$jobs" --output-junit "$ev/junit.xml") >"$ev/ctest.log" 2>&1 || status=$?
if [ ! -s "$ev/junit.xml" ]; then
	echo "report: ctest wrote no JUnit file; see $ev/ctest.log" >&2
	exit 1
fi
[ "$status" = 0 ] || echo "report: warning: some tests failed (ctest exit $status); they appear as gaps"

# 2. Where the results came from.
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
version=$("$medsec" --version | sed 's/^medsec //')
cc=$(cache_value CMAKE_C_COMPILER)
ccver=$("${cc:-cc}" --version 2>/dev/null | head -n 1 || true)
{
	printf '{\n  "schema": "medsec-evidence-1",\n'
	printf '  "commit": %s,\n' "$(json_str "$commit")"
	printf '  "dirty": %s,\n' "$dirty"
	printf '  "collected": %s,\n' "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
	printf '  "medsec_version": %s,\n' "$(json_str "$version")"
	printf '  "ctest": %s,\n' "$(json_str "$(ctest --version | head -n 1)")"
	[ -n "$ccver" ] && printf '  "compiler": %s,\n' "$(json_str "$ccver")"
	bt=$(cache_value CMAKE_BUILD_TYPE)
	[ -n "$bt" ] && printf '  "build_type": %s,\n' "$(json_str "$bt")"
	printf '  "host": %s\n}\n' "$(json_str "$(uname -n)")"
} >"$ev/meta.json"

# 3. Benchmark and attack-tool results, when a run left them.
if [ -f "$root/bench/last-run.txt" ]; then
	mkdir -p "$ev/bench"
	cp "$root/bench/last-run.txt" "$ev/bench/last-run.txt"
fi
# The attack tools' output of this run, one file per tool and attack
# (TOOL/NAME.EXT becomes TOOL-NAME.EXT).
if [ -d "$attack_dir" ] && [ -n "$(ls -A "$attack_dir")" ]; then
	mkdir -p "$ev/attacks"
	(cd "$attack_dir" && find . -type f) | sed 's|^\./||' | while IFS= read -r f; do
		cp "$attack_dir/$f" "$ev/attacks/$(printf '%s' "$f" | tr '/' '-')"
	done
fi

# 4. The package, in Korean and English (REPORT_LANG=ko or en for one).
echo "report: building the submission package for $profile"
"$medsec" report "$profile" --evidence "$ev" --out "$out/submission" \
    --lang "${REPORT_LANG:-both}" $strict
echo "report: open $out/submission/index.html"
