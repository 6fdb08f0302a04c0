#!/bin/bash
# Update package verification against minisign and signify over the same
# bytes, in one hyperfine run (means), as ratios. Called by bench/run.sh;
# usable alone: bench/update.sh BUILD_DIR DATA_DIR.
set -euo pipefail
build=$(cd "$1" && pwd)
data=$2/update
medsec=$build/bin/medsec
mkdir -p "$data"
cd "$data"

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
mean_ms() { # n-th mean of a hyperfine JSON export, in ms
	sed -n 's/.*"mean": *\([0-9.e-]*\).*/\1/p' "$1" | sed -n "${2}p" | awk '{ printf "%.2f", $1 * 1000 }'
}

printf 'bench passphrase\n' >pass
chmod 600 pass
for k in root rel; do
	[ -e $k.key ] || "$medsec" keygen --out $k --passphrase-file pass >/dev/null
done
mkdir -p trust
[ -e trust/root.json ] || "$medsec" update root --key root.pub --threshold 1 --out trust/root.json >/dev/null
[ -e trust/keyset.json ] || "$medsec" update keyset --root-key root.key --key rel.pub --threshold 1 \
    --version 1 --expires 2099-01-01 --out trust/keyset.json --passphrase-file pass >/dev/null
[ -e mini.sec ] || minisign -G -W -p mini.pub -s mini.sec >/dev/null 2>&1
[ -e sig.sec ] || signify-openbsd -G -n -p sig.pub -s sig.sec >/dev/null 2>&1

printf '%-10s %-12s %-12s %-12s %-16s %s\n' package "medsec ms" "minisign ms" "signify ms" medsec/minisign medsec/signify
for size in 1K 100M; do
	rm -f "pkg-$size.msu" "pkg-$size.msu.minisig" "pkg-$size.msu.sig" payload
	head -c "$size" /dev/urandom >payload
	"$medsec" update pack --product bench --version 1.0.0 --security-counter 1 --hardware hw \
	    --expires 2099-01-01 --distributor bench --signer rel.pub --out "pkg-$size.msu" payload=bin/payload >/dev/null
	"$medsec" update sign "pkg-$size.msu" --key rel.key --passphrase-file pass >/dev/null
	minisign -S -s mini.sec -m "pkg-$size.msu" >/dev/null 2>&1 </dev/null
	signify-openbsd -S -s sig.sec -m "pkg-$size.msu" >/dev/null 2>&1
	cat "pkg-$size.msu" >/dev/null # page cache warm for all three
	# One hyperfine run, the three side by side: a busy machine slows
	# them alike, and short runs need many warm-ups to settle.
	warm=20 runs=100
	[ "$size" = 100M ] && warm=3 runs=15
	hyperfine -N --warmup "$warm" --runs "$runs" --export-json h.json \
	    "$medsec update verify pkg-$size.msu --trust trust --hardware hw" \
	    "minisign -V -q -p mini.pub -m pkg-$size.msu" \
	    "signify-openbsd -V -q -p sig.pub -m pkg-$size.msu" >/dev/null 2>&1
	m=$(mean_ms h.json 1); n=$(mean_ms h.json 2); s=$(mean_ms h.json 3)
	printf '%-10s %-12s %-12s %-12s %-16s %s\n' "$size" "$m" "$n" "$s" \
	    "$(awk "BEGIN{printf \"%.2f\", $m/$n}")" "$(awk "BEGIN{printf \"%.2f\", $m/$s}")"
done
rm -f payload ./*.json pkg-*.msu*

# Bounded memory: a 1 GiB package verifies in a few MiB of RSS.
head -c 1G /dev/urandom >payload
"$medsec" update pack --product bench --version 1.0.0 --security-counter 1 --hardware hw \
    --expires 2099-01-01 --distributor bench --signer rel.pub --out pkg-1G.msu payload=bin/payload >/dev/null
"$medsec" update sign pkg-1G.msu --key rel.key --passphrase-file pass >/dev/null
cat pkg-1G.msu >/dev/null
/usr/bin/time -f '%e %M' -o rss.txt "$medsec" update verify pkg-1G.msu --trust trust --hardware hw >/dev/null
read -r secs rss <rss.txt
echo "# 1 GiB package: verified in ${secs} s with a peak RSS of ${rss} KiB"
rm -f payload pkg-1G.msu rss.txt
