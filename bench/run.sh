#!/bin/bash
# make bench: audit trail, identity, integrity and updates against the tools a user would otherwise
# pick, in one run, as ratios, the flood guard's decision rate, and medsecd beside nginx. Figures go to stdout and
# bench/last-run.txt.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
bench=$build/bin/bench_audit
data=${BENCH_DIR:-$build/bench-data}
mkdir -p "$data"
data=$(cd "$data" && pwd)
out=$(dirname "$0")/last-run.txt
rm -rf "$data"
mkdir -p "$data"
exec > >(tee "$out") 2>&1

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

echo "# medsec audit benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r)"
echo "# sqlite $(sqlite3 --version | cut -d' ' -f1), $(sha256sum --version | head -1), $(b2sum --version | head -1)"
echo
# Warm-up: the first syncs on a fresh directory run slow; do not time them.
mkdir -p "$data/warm"
"$bench" append "$data/warm" 1 500 >/dev/null
"$bench" sqlite "$data/warm" 1 500 >/dev/null

echo "## durable appends, 200-byte details (records/s; p50/p99 latency per append)"
echo "## last column: against SQLite's single-writer per-row figure, the issue's anchor"
printf '%-8s %-26s %-26s %-26s %s\n' writers medsec sqlite-wal-full write+fdatasync "medsec/sqlite medsec/fsync medsec/sqlite-1"
for n in 1 8 64; do
	records=$((n == 1 ? 3000 : n * 1500))
	for mode in append sqlite fsync; do
		mkdir -p "$data/$mode-$n"
		line=$("$bench" "$mode" "$data/$mode-$n" "$n" "$records")
		eval "rate_$mode=$(echo "$line" | field per_second)"
		eval "p50_$mode=$(echo "$line" | field p50_us)"
		eval "p99_$mode=$(echo "$line" | field p99_us)"
	done
	[ "$n" = 1 ] && sqlite_one=$rate_sqlite
	printf '%-8s %-26s %-26s %-26s %s\n' "$n" \
	    "$rate_append ($p50_append/${p99_append}us)" \
	    "$rate_sqlite ($p50_sqlite/${p99_sqlite}us)" \
	    "$rate_fsync ($p50_fsync/${p99_fsync}us)" \
	    "$(awk "BEGIN{printf \"%.1fx %.2fx %.1fx\", $rate_append/$rate_sqlite, $rate_append/$rate_fsync, $rate_append/$sqlite_one}")"
done

echo
"$(dirname "$0")/audit_async.sh" "$build" "$data"

echo
echo "## audit verify (hash chain + MAC + checkpoint signatures) vs hashing the same bytes"
printf '%-9s %-12s %-10s %-12s %-12s %-12s %s\n' records verify/s peak_kib "verify s" "sha256sum s" "b2sum s" "sha256sum/verify"
for n in 100000 1000000; do
	dir=$data/verify-$n
	mkdir -p "$dir"
	"$bench" build "$dir" "$n" >/dev/null
	cat "$dir"/audit/seg-*.log >/dev/null # warm the page cache for all three
	line=$("$bench" verify "$dir")
	t0=$(date +%s.%N); sha256sum "$dir"/audit/seg-*.log >/dev/null; t1=$(date +%s.%N)
	b0=$(date +%s.%N); b2sum "$dir"/audit/seg-*.log >/dev/null; b1=$(date +%s.%N)
	vs=$(echo "$line" | field seconds)
	printf '%-9s %-12s %-10s %-12s %-12s %-12s %s\n' "$(echo "$line" | field records)" \
	    "$(echo "$line" | field per_second)" "$(echo "$line" | field peak_rss_kib)" "$vs" \
	    "$(awk "BEGIN{printf \"%.3f\", $t1-$t0}")" "$(awk "BEGIN{printf \"%.3f\", $b1-$b0}")" \
	    "$(awk "BEGIN{printf \"%.2fx\", ($t1-$t0)/$vs}")"
	du -sh "$dir/audit" | sed 's/^/# trail size: /'
done

echo
echo "## login cost: Argon2id verify per login, medsec's parameters beside libsodium's presets"
printf '%-20s %-4s %-10s %-14s %s\n' parameters t m_kib ms/login peak_rss_kib
mkdir -p "$data/identity"
"$build/bin/bench_identity" pwhash "$data/identity" | while read -r _ line; do
	printf '%-20s %-4s %-10s %-14s %s\n' "$(echo "$line" | field name)" "$(echo "$line" | field t)" \
	    "$(echo "$line" | field m_kib)" "$(echo "$line" | field ms_per_login)" "$(echo "$line" | field peak_rss_kib)"
done

echo
echo "## user enumeration by timing: failed logins, unknown name vs real account with a wrong password"
line=$("$build/bin/bench_identity" enum "$data/identity" 300)
printf '%-12s %-10s %-10s %s\n' case p50_ms p95_ms ""
printf '%-12s %-10s %-10s\n' "unknown user" "$(echo "$line" | field unknown_p50_ms)" "$(echo "$line" | field unknown_p95_ms)"
printf '%-12s %-10s %-10s median difference %s%%\n' "wrong pass" "$(echo "$line" | field wrong_p50_ms)" \
    "$(echo "$line" | field wrong_p95_ms)" "$(echo "$line" | field p50_diff_pct)"
echo "## the same from the CLI, a cold process per attempt (hyperfine)"; "$(dirname "$0")/login_timing.sh" "$build" "$data"

echo
echo "## session validation per request, one core: in-process table vs SQLite lookup by token hash"
printf '%-8s %-10s %-14s %-14s %s\n' live checks medsec/s sqlite/s medsec/sqlite
for live in 1000 10000; do
	rm -f "$data/identity/sessions.db"*
	line=$(taskset -c 0 "$build/bin/bench_identity" sessions "$data/identity" "$live" 4000000)
	printf '%-8s %-10s %-14s %-14s %sx\n' "$live" "$(echo "$line" | field checks)" \
	    "$(echo "$line" | field medsec_per_second)" "$(echo "$line" | field sqlite_per_second)" "$(echo "$line" | field ratio)"
done

echo
echo "## integrity manifest verify (MFDS 2.2): ~2,000 files / 500 MiB, the same files for every tool, page cache warm"
echo "## medsec: SHA-256 (SHA-NI) + Ed25519 signature check; AIDE: sha256 only; best of 3 runs; last column: tool/medsec"
echo "# $(aide --version 2>&1 | head -1 || true), $(b3sum --version 2>/dev/null || true), $(openssl version)"
idir=$data/integrity
mkdir -p "$idir"
"$build/bin/bench_integrity" tree "$idir/tree" 2000 500 | sed 's/^/# tree: /'
printf 'bench-integrity-passphrase\n' >"$idir/pass"
chmod 600 "$idir/pass"
"$build/bin/medsec" keygen --out "$idir/bench" --passphrase-file "$idir/pass" >/dev/null
"$build/bin/medsec" manifest create --root "$idir/tree" --key "$idir/bench.key" \
    --out "$idir/manifest" --passphrase-file "$idir/pass" >/dev/null
(cd "$idir/tree" && find . -type f | LC_ALL=C sort >"$idir/files")
for tool in sha256sum b2sum b3sum; do
	if command -v "$tool" >/dev/null; then
		(cd "$idir/tree" && xargs -d '\n' "$tool" <"$idir/files" >"$idir/sums.$tool")
	fi
done
cat >"$idir/aide.conf" <<EOF
database_in=file:$idir/aide.db
database_out=file:$idir/aide.db.new
gzip_dbout=no
report_url=stdout
Bench = p+u+g+ftype+sha256
$idir/tree Bench
EOF
have_aide=0
if command -v aide >/dev/null && aide --config="$idir/aide.conf" --init >/dev/null 2>&1 &&
    mv "$idir/aide.db.new" "$idir/aide.db"; then
	have_aide=1
	aide --config="$idir/aide.conf" --check >/dev/null 2>&1 || echo "# WARNING: aide --check reports changes"
else
	echo "# aide not installed or --init failed: skipped (scripts/deps.sh installs it)"
fi
"$build/bin/medsec" manifest verify "$idir/manifest" --root "$idir/tree" --pub "$idir/bench.pub" |
    sed -n 's/^tree matches/# medsec: tree matches/p'
(cd "$idir/tree" && xargs -d '\n' cat <"$idir/files" >/dev/null) # warm the page cache
ibest() { # best of three, seconds
	local b=9999 t0 t1
	for _ in 1 2 3; do
		t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
		b=$(awk "BEGIN{d=$t1-$t0; print (d<$b)?d:$b}")
	done
	printf '%.3f' "$b"
}
isum() { (cd "$idir/tree" && "$1" -c --quiet "$idir/sums.$1"); }
t_medsec=$(ibest "$build/bin/medsec" manifest verify "$idir/manifest" --root "$idir/tree" --pub "$idir/bench.pub")
irow() { printf '%-42s %-10s %s\n' "$1" "$2" "$(awk "BEGIN{printf \"%.2fx\", $2/$t_medsec}")"; }
printf '%-42s %-10s %s\n' tool seconds tool/medsec
irow "medsec manifest verify, $(nproc) workers" "$t_medsec"
irow "medsec manifest verify, 1 worker" \
    "$(ibest "$build/bin/medsec" manifest verify "$idir/manifest" --root "$idir/tree" --pub "$idir/bench.pub" --threads 1)"
if [ "$have_aide" = 1 ]; then
	irow "aide --check, 1 worker" "$(ibest aide --config="$idir/aide.conf" --check --workers=1)"
	irow "aide --check, $(nproc) workers" "$(ibest aide --config="$idir/aide.conf" --check --workers="$(nproc)")"
fi
for tool in sha256sum b2sum b3sum; do
	if [ -s "$idir/sums.$tool" ]; then
		irow "$tool -c" "$(ibest isum "$tool")"
	else
		echo "# $tool not installed: skipped"
	fi
done
for _ in 1 2 3; do
	"$build/bin/bench_integrity" verify "$idir/manifest" "$idir/tree" "$idir/bench.pub" 0
done | sort -t= -k2 -n | head -n 1 | sed 's/^/# in-process, best of 3: /'

echo
echo "## update package verification (process start to verdict) vs minisign -V and signify -V, same bytes"
"$(dirname "$0")/update.sh" "$build" "$data"

echo
echo "## flood guard (MFDS 2.4): admission decisions per second on one core, default table of 16384 sources"
"$(dirname "$0")/guard.sh" "$build"

echo
echo "## medsecd beside nginx: TLS 1.3, the same certificate, groups and suites (also in BUILD/bench-results/daemon.txt)"
"$(dirname "$0")/daemon.sh" "$build" "$build/bench-results"

echo
echo "## uplink delivery latency (MFDS 2.4): readings to the collector, idle and under an operator-API flood"
"$(dirname "$0")/uplink_latency.sh" "$build" || echo "# uplink latency bench failed (exit $?)"

# Before/after: BENCH_BEFORE names the build directory of an earlier
# commit (bench/compare.sh says how to make one).
echo
if [ -n "${BENCH_BEFORE:-}" ]; then
	echo "## this build against ${BENCH_BEFORE}: audit verify and update verify"
	"$(dirname "$0")/compare.sh" "$build" "$BENCH_BEFORE" "$data"
else
	echo "# before/after comparison skipped: set BENCH_BEFORE to an earlier build directory"
fi
rm -rf "$data"
