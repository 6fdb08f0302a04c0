#!/bin/sh
# Mechanical style checks: banned functions, memcmp in crypto-sensitive
# code, trailing whitespace. Exits non-zero naming each offence.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
status=0
banned='\b(strcpy|strcat|sprintf|vsprintf|strncpy|strtok|atoi|atol|gets|sscanf|alloca|rand)[[:space:]]*\('
if grep -nE "$banned" src/lib/*/*.c src/cli/*.c 2>/dev/null; then
	echo "checksrc: banned function used (see above)" >&2
	status=1
fi
if grep -nE '\bmemcmp[[:space:]]*\(' src/lib/crypto/*.c src/lib/keystore/*.c 2>/dev/null; then
	echo "checksrc: memcmp in a crypto module; use medsec_ct_equal" >&2
	status=1
fi
if grep -nE '[[:space:]]+$' src/lib/*/*.[ch] src/cli/*.[ch] include/medsec/*.h 2>/dev/null; then
	echo "checksrc: trailing whitespace" >&2
	status=1
fi
[ $status -eq 0 ] && echo "checksrc: ok"
exit $status
