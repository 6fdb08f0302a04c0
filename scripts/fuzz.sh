#!/bin/sh
# Runs every libFuzzer target for a bounded time, starting from its seed
# corpus (new inputs go to a scratch copy, not the repository).
set -eu
build=$1
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for exe in "$build"/bin/fuzz_*; do
	target=$(basename "$exe" | sed 's/^fuzz_//')
	work="$build/fuzz-work/$target"
	mkdir -p "$work"
	cp -n "$root/fuzz/corpus/$target"/* "$work"/ 2>/dev/null || true
	echo "== fuzz $target for ${seconds}s"
	if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$build/fuzz-work/$target-" "$work"; then
		status=1
	fi
done
exit $status
