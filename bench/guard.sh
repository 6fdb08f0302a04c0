#!/bin/bash
# Flood guard (MFDS 2.4): admission decisions per second on one core, the
# daemon's default table (16384 sources). Called by bench/run.sh; usable
# alone: bench/guard.sh BUILD_DIR [DECISIONS].
#   decide: 10,000 sources, nine requests per connection, the clock one
#           microsecond on per decision (each source far over its rate)
#   churn:  1,000,000 sources through the same table (eviction path)
set -euo pipefail
build=$(cd "$1" && pwd)
decisions=${2:-20000000}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

printf '%-7s %-8s %-7s %-14s %-8s %-11s %-9s %-10s %-10s %s\n' mode sources family \
    decisions/s ns/dec cpu_ns/dec refused% evictions table_kib peak_rss_kib
for args in "decide 10000 v4" "decide 10000 v6" "churn 1000000 v4"; do
	set -- $args
	line=$(taskset -c 0 "$build/bin/bench_guard" "$1" "$2" "$decisions" "$3")
	printf '%-7s %-8s %-7s %-14s %-8s %-11s %-9s %-10s %-10s %s\n' "$1" "$2" "$3" \
	    "$(echo "$line" | field per_second)" "$(echo "$line" | field ns_per_decision)" \
	    "$(echo "$line" | field cpu_ns_per_decision)" \
	    "$(awk "BEGIN{printf \"%.1f\", 100 * $(echo "$line" | field refused) / $decisions}")" \
	    "$(echo "$line" | field evictions)" "$(echo "$line" | field table_kib)" \
	    "$(echo "$line" | field peak_rss_kib)"
done
