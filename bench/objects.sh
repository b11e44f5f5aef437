#!/bin/bash
# bench/objects.sh: a Java heap's class histogram. classify --objects
# (the heap walked from outside) against what people run today, in the
# same run on the same JVM (java -Xmx2g ObjLeak, about 7 million objects
# by default): jmap -histo (attaches; the JVM counts at a safepoint) and,
# with BENCH_JHSDB=1, jhsdb jmap --histo (the serviceability agent:
# ptrace, minutes at this size). Wall time and peak RSS, medians of
# BENCH_RUNS (default 5; jhsdb once).
#   bench/objects.sh [--help]   BENCH_CTX=N BENCH_MSG=N: the heap's size
set -euo pipefail
if [ "${1:-}" = "--help" ]; then
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
runs=${BENCH_RUNS:-5}
command -v java >/dev/null || { echo "bench/objects.sh: no java: skipped"; exit 0; }
tmp=$(mktemp -d)
pid=""
bench_java "java -Xmx2g ObjLeak.java" -Xmx2g "$top/corpus/targets/ObjLeak.java" \
	"${BENCH_CTX:-1000000}" "${BENCH_MSG:-1000000}"
"$top/bin/classify" --objects -v --tsv "$pid" 2>&1 >/dev/null | head -1

# Ours first: jmap's attach starts a thread and allocates in the JVM.
for i in $(seq "$runs"); do
	measure classify "$top/bin/classify" --objects --tsv "$pid"
done
if command -v jmap >/dev/null; then
	for i in $(seq "$runs"); do
		measure jmap_histo jmap -histo "$pid"
	done
fi
if [ "${BENCH_JHSDB:-0}" = 1 ] && command -v jhsdb >/dev/null; then
	measure jhsdb_histo jhsdb jmap --histo --pid "$pid"
fi
printf '%-12s %12s %14s\n' command median_ms peak_rss_kB
for name in classify jmap_histo jhsdb_histo; do
	[ -f "$tmp/$name" ] || { printf '%-12s %12s\n' "$name" "skipped"; continue; }
	printf '%-12s %12s %14s\n' "$name" "$(cut -d' ' -f1 "$tmp/$name" | median)" \
		"$(cut -d' ' -f2 "$tmp/$name" | median)"
done
c=$(cut -d' ' -f1 "$tmp/classify" | median)
for name in jmap_histo jhsdb_histo; do
	[ -f "$tmp/$name" ] || continue
	awk -v a="$(cut -d' ' -f1 "$tmp/$name" | median)" -v c="$c" -v n="$name" \
		'BEGIN {printf "ratio %s / classify --objects: %.1f\n", n, a / c}'
done
