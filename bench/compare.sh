#!/bin/bash
# Before/after figures for audit verify and update verify, in one run, as
# ratios: the same trail and packages for both builds (and minisign).
#
#   bench/compare.sh BUILD BEFORE_BUILD [DATA_DIR]
#
# BEFORE_BUILD is a build directory of an earlier commit (bin/medsec and
# bin/bench_audit), e.g. made with
#   git worktree add /tmp/before <commit> &&
#   cmake -S /tmp/before -B /tmp/before/build -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
#   cmake --build /tmp/before/build
set -euo pipefail
after=$(cd "$1" && pwd)
before=$(cd "$2" && pwd)
data=${3:-$after/bench-data}/compare
mkdir -p "$data"
data=$(cd "$data" && pwd)

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }

echo "# before: $before ($(cat "$before/COMMIT" 2>/dev/null || echo "commit not recorded"))"
echo "# after:  $after ($(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo "?"))"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"

# ---- audit verify ----
echo
echo "## audit verify, every MAC and checkpoint signature checked: best of 3, builds alternating"
echo "## cpu us/rec: user+system time of all threads per record; RSS: peak, KiB"
printf '%-9s %-12s %-12s %-13s %-13s %-13s %-13s %s\n' records "before rec/s" "after rec/s" "after/before" \
    "before cpu us" "after cpu us" "before RSS" "after RSS"
one_verify() { # build dir, trail dir -> "rate cpu_us_per_record rss"
	/usr/bin/time -f '%U %S %M' -o "$data/time.txt" "$1/bin/bench_audit" verify "$2" >"$data/line.txt"
	read -r u s m <"$data/time.txt"
	awk -v rate="$(field per_second <"$data/line.txt")" -v rec="$(field records <"$data/line.txt")" \
	    -v u="$u" -v s="$s" -v m="$m" 'BEGIN{printf "%d %.3f %d\n", rate, (u+s)*1e6/rec, m}'
}
for n in 100000 1000000; do
	dir=$data/trail-$n
	if [ ! -d "$dir/audit" ]; then
		mkdir -p "$dir"
		"$after/bin/bench_audit" build "$dir" "$n" >/dev/null
	fi
	cat "$dir"/audit/seg-*.log >/dev/null # page cache warm for both
	best_b=0 best_a=0 cpu_b=999 cpu_a=999 rss_b=0 rss_a=0
	for _ in 1 2 3; do
		read -r rate cpu rss < <(one_verify "$before" "$dir")
		[ "$rate" -gt "$best_b" ] && best_b=$rate
		cpu_b=$(awk "BEGIN{print ($cpu<$cpu_b)?$cpu:$cpu_b}")
		[ "$rss" -gt "$rss_b" ] && rss_b=$rss
		read -r rate cpu rss < <(one_verify "$after" "$dir")
		[ "$rate" -gt "$best_a" ] && best_a=$rate
		cpu_a=$(awk "BEGIN{print ($cpu<$cpu_a)?$cpu:$cpu_a}")
		[ "$rss" -gt "$rss_a" ] && rss_a=$rss
	done
	printf '%-9s %-12s %-12s %-13s %-13s %-13s %-13s %s\n' "$(field records <"$data/line.txt")" \
	    "$best_b" "$best_a" "$(ratio "$best_a" "$best_b")x" "$cpu_b" "$cpu_a" "$rss_b" "$rss_a"
done
du -sh "$data/trail-1000000/audit" | sed 's/^/# 1M-record trail size: /'

# ---- update verify ----
echo
echo "## update verify, process start to verdict: hyperfine -N, the three commands in one run (means, ms)"
echo "# $(hyperfine --version), $(minisign -v 2>&1 | head -1)"
u=$data/update
mkdir -p "$u/trust"
cd "$u"
printf 'bench passphrase\n' >pass
chmod 600 pass
for k in root rel; do
	[ -e $k.key ] || "$after/bin/medsec" keygen --out $k --passphrase-file pass >/dev/null
done
[ -e trust/root.json ] || "$after/bin/medsec" update root --key root.pub --threshold 1 --out trust/root.json >/dev/null
[ -e trust/keyset.json ] || "$after/bin/medsec" update keyset --root-key root.key --key rel.pub --threshold 1 \
    --version 1 --expires 2099-01-01 --out trust/keyset.json --passphrase-file pass >/dev/null
[ -e mini.sec ] || minisign -G -W -p mini.pub -s mini.sec >/dev/null 2>&1
mean_ms() { # n-th mean of a hyperfine JSON export, in ms
	sed -n 's/.*"mean": *\([0-9.e-]*\).*/\1/p' "$1" | sed -n "${2}p" | awk '{ printf "%.2f", $1 * 1000 }'
}
printf '%-8s %-11s %-11s %-12s %-14s %-16s %s\n' package "before ms" "after ms" "minisign ms" "after/before" \
    "before/minisign" "after/minisign"
for size in 1K 100M; do
	rm -f "pkg-$size.msu" "pkg-$size.msu.minisig" payload
	head -c "$size" /dev/urandom >payload
	"$after/bin/medsec" update pack --product bench --version 1.0.0 --security-counter 1 --hardware hw \
	    --expires 2099-01-01 --distributor bench --signer rel.pub --out "pkg-$size.msu" payload=bin/payload >/dev/null
	"$after/bin/medsec" update sign "pkg-$size.msu" --key rel.key --passphrase-file pass >/dev/null
	minisign -S -s mini.sec -m "pkg-$size.msu" >/dev/null 2>&1 </dev/null
	cat "pkg-$size.msu" >/dev/null
	warm=20 runs=100
	[ "$size" = 100M ] && warm=3 runs=15
	hyperfine -N --warmup "$warm" --runs "$runs" --export-json h.json \
	    "$before/bin/medsec update verify pkg-$size.msu --trust trust --hardware hw" \
	    "$after/bin/medsec update verify pkg-$size.msu --trust trust --hardware hw" \
	    "minisign -V -q -p mini.pub -m pkg-$size.msu" >/dev/null 2>&1
	b=$(mean_ms h.json 1) a=$(mean_ms h.json 2) m=$(mean_ms h.json 3)
	printf '%-8s %-11s %-11s %-12s %-14s %-16s %s\n' "$size" "$b" "$a" "$m" "$(ratio "$a" "$b")" \
	    "$(ratio "$b" "$m")" "$(ratio "$a" "$m")"
done
rm -f payload h.json pkg-*.msu*

# What no code change in medsec can remove: starting a process that loads
# libsodium only (as minisign does) against one that also loads what the
# medsec CLI links (libcrypto, SQLite, jansson, inih) and binds it now.
echo
echo "## process floor: an empty main() linked like minisign and like medsec (hyperfine -N, one run, ms)"
echo 'int main(void) { return 0; }' >empty.c
cc -O2 empty.c -o empty-sodium -Wl,--no-as-needed -lsodium
cc -O2 empty.c -o empty-medsec -Wl,-z,relro,-z,now -Wl,--no-as-needed -lsodium -lcrypto -lsqlite3 \
    -ljansson -linih
hyperfine -N --warmup 20 --runs 200 --export-json h.json ./empty-sodium ./empty-medsec >/dev/null 2>&1
printf '%-22s %-22s %s\n' "libsodium only ms" "medsec's libraries ms" ratio
printf '%-22s %-22s %s\n' "$(mean_ms h.json 1)" "$(mean_ms h.json 2)" "$(ratio "$(mean_ms h.json 2)" "$(mean_ms h.json 1)")"
rm -f empty.c empty-sodium empty-medsec h.json
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at end"
