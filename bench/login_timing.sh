#!/bin/bash
# User enumeration by timing, measured the way an attacker at the CLI sees
# it: every attempt is a cold process (`medsec session login`), an unknown
# name against a real account with a wrong password, timed by hyperfine in
# one run, reported as the ratio of medians. A ratio near 1.00 is the goal
# (catalog A5); before the fix an unknown name cost two Argon2id runs in a
# fresh process and the ratio was about 1.3-1.4. Called by bench/run.sh;
# usable alone: bench/login_timing.sh BUILD_DIR DATA_DIR.
set -euo pipefail
build=$(cd "$1" && pwd)
data=$2/login-timing
medsec=$build/bin/medsec
rm -rf "$data"
mkdir -p "$data"
cd "$data"

# Throttling and lockout change what a failed login does; keep both out
# of the way so the two cases differ only in whether the name exists.
cat >bench.ini <<EOF
[auth]
max_failures = 100
source_max_failures = 10000
EOF
"$medsec" init --state dev --device-id bench-login-01 --config bench.ini >init.out 2>&1
code=$(grep -Eo '[A-Z2-9]{5}(-[A-Z2-9]{5}){4}' init.out | head -1)
printf '%s\nAdm1n-Pass!word\n' "$code" | "$medsec" user setup chief --state dev --password-stdin >/dev/null 2>&1
printf 'Adm1n-Pass!word\nInitial-Pass-4u\n' | "$medsec" user add nurse01 --role clinician --as chief \
    --state dev --password-stdin >/dev/null 2>&1
printf 'Initial-Pass-4u\nCorrect-Horse-7\n' | "$medsec" passwd nurse01 --state dev --password-stdin >/dev/null 2>&1

attempt() { # name
	echo "printf 'Wrong-Password-1\\n' | $medsec session login $1 --state $data/dev --password-stdin"
}
# Two rounds in opposite order, so a change in machine load during the
# run does not favour one case.
hyperfine -i --warmup 3 --runs 20 --export-csv a.csv \
    -n unknown "$(attempt nobody)" -n wrong "$(attempt nurse01)" >/dev/null 2>&1
hyperfine -i --warmup 3 --runs 20 --export-csv b.csv \
    -n wrong "$(attempt nurse01)" -n unknown "$(attempt nobody)" >/dev/null 2>&1
# Median wall time (the attacker's view) and mean CPU time (user + system,
# steadier than wall time on a shared machine), in ms, over both rounds.
wall_ms() { awk -F, -v n="$1" '$1 == n { s += $4; k++ } END { printf "%.1f", s / k * 1000 }' a.csv b.csv; }
cpu_ms() { awk -F, -v n="$1" '$1 == n { s += $5 + $6; k++ } END { printf "%.1f", s / k * 1000 }' a.csv b.csv; }
uw=$(wall_ms unknown) ww=$(wall_ms wrong) uc=$(cpu_ms unknown) wc=$(cpu_ms wrong)
echo "# $(hyperfine --version), 2 rounds x (3 warm-up + 20 runs) per case, cold process per attempt, Argon2id t=2 m=19 MiB, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-30s %-14s %-12s\n' case wall_median_ms cpu_mean_ms
printf '%-30s %-14s %-12s\n' "unknown name" "$uw" "$uc"
printf '%-30s %-14s %-12s\n' "real account, wrong password" "$ww" "$wc"
printf '%-30s %-14s %-12s\n' "ratio unknown/wrong" "$(awk "BEGIN{printf \"%.2f\", $uw/$ww}")" "$(awk "BEGIN{printf \"%.2f\", $uc/$wc}")"
