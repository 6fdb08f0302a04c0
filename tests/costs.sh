#!/bin/sh
# Writes tests/costs.txt from two runs' CTest timings: the tests that took
# 4 s or more in the normal build or in the ASan+UBSan build, with both
# times. CTest starts the costliest first, so that on 2 cores no long test
# is left running alone at the end of a clean-clone run (which has no
# timings of its own yet). Run after `make test test-asan`:
#   tests/costs.sh build build-asan >tests/costs.txt
set -eu
[ $# -eq 2 ] || { echo "usage: $0 NORMAL_BUILD_DIR ASAN_BUILD_DIR" >&2; exit 2; }
for d in "$1" "$2"; do
	[ -f "$d/Testing/Temporary/CTestCostData.txt" ] ||
	    { echo "$0: $d/Testing/Temporary/CTestCostData.txt: no timings (run ctest there)" >&2; exit 1; }
done
echo "# test seconds-normal seconds-asan (tests/costs.sh writes this file)"
awk 'FNR == 1 { run++ }
     /^---/ { nextfile }
     NF == 3 { t[$1, run] = $3; names[$1] = 1 }
     END {
	for (n in names) {
		a = t[n, 1] + 0; b = t[n, 2] + 0
		if (a >= 4 || b >= 4)
			printf "%s %.0f %.0f\n", n, a, b
	}
     }' "$1/Testing/Temporary/CTestCostData.txt" "$2/Testing/Temporary/CTestCostData.txt" |
    sort -k2,2nr -k1,1
