#!/bin/bash
# make bench: the audit trail against the tools a user would otherwise
# pick, in one run, as ratios. Figures go to stdout and bench/last-run.txt.
set -euo pipefail
build=${1:-build}
bench=$build/bin/bench_audit
data=${BENCH_DIR:-$build/bench-data}
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
echo "## session validation per request, one core: in-process table vs SQLite lookup by token hash"
printf '%-8s %-10s %-14s %-14s %s\n' live checks medsec/s sqlite/s medsec/sqlite
for live in 1000 10000; do
	rm -f "$data/identity/sessions.db"*
	line=$(taskset -c 0 "$build/bin/bench_identity" sessions "$data/identity" "$live" 4000000)
	printf '%-8s %-10s %-14s %-14s %sx\n' "$live" "$(echo "$line" | field checks)" \
	    "$(echo "$line" | field medsec_per_second)" "$(echo "$line" | field sqlite_per_second)" "$(echo "$line" | field ratio)"
done
rm -rf "$data"
