#!/bin/bash
# bench/objects.sh: a Java heap's class histogram. classify --objects
# (the heap walked from outside, the JVM not stopped) against what people
# run today, in the same run on the same JVM (java -Xmx2g ObjLeak, about
# 6 million objects by default): jmap -histo (attaches; the JVM counts at
# a safepoint, with its GC threads) and jhsdb jmap --histo --pid (the
# serviceability agent: ptrace, minutes at this size). Wall time, CPU
# time (user+system) and peak RSS of each command, medians of BENCH_RUNS
# (default 7; jhsdb: BENCH_JHSDB_RUNS, default 1, 0 to leave it out), then
# the ratios of the medians. jmap's peak RSS is its client's: the
# counting is done inside the JVM. The load average is printed before
# and after: on a shared machine quote ratios from one run.
#   bench/objects.sh [--help]   BENCH_CTX=N BENCH_MSG=N: the heap's size
set -euo pipefail
if [ "${1:-}" = "--help" ]; then
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
runs=${BENCH_RUNS:-7}
jruns=${BENCH_JHSDB_RUNS:-1}
command -v java >/dev/null || { echo "bench/objects.sh: no java: skipped"; exit 0; }
tmp=$(mktemp -d)
pid=""
bench_java "java -Xmx2g ObjLeak.java" -Xmx2g "$top/corpus/targets/ObjLeak.java" \
	"${BENCH_CTX:-850000}" "${BENCH_MSG:-850000}"
"$top/bin/classify" --objects -v --tsv "$pid" 2>&1 >/dev/null | head -1
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"

# Ours first: jmap's attach starts a thread and allocates in the JVM.
# Then interleaved, so that the machine's load falls on both.
for i in $(seq "$runs"); do
	measure classify "$top/bin/classify" --objects --tsv "$pid"
	if command -v jmap >/dev/null; then
		measure jmap_histo jmap -histo "$pid"
	fi
done
# Last: it stops the JVM for minutes.
if command -v jhsdb >/dev/null; then
	for i in $(seq "$jruns"); do
		measure jhsdb_histo jhsdb jmap --histo --pid "$pid"
	done
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %5s %12s %12s %14s %7s\n' command runs median_ms cpu_ms \
	peak_rss_kB failed
for name in classify jmap_histo jhsdb_histo; do
	[ -f "$tmp/$name" ] || { printf '%-12s %5s\n' "$name" "skipped"; continue; }
	printf '%-12s %5s %12s %12s %14s %7s\n' "$name" "$(wc -l <"$tmp/$name")" \
		"$(cut -d' ' -f1 "$tmp/$name" | median)" \
		"$(cut -d' ' -f4 "$tmp/$name" | median)" \
		"$(cut -d' ' -f2 "$tmp/$name" | median)" \
		"$(awk '$3 != 0' "$tmp/$name" | wc -l)"
done
c=$(cut -d' ' -f1 "$tmp/classify" | median)
for name in jmap_histo jhsdb_histo; do
	[ -f "$tmp/$name" ] || continue
	awk -v a="$(cut -d' ' -f1 "$tmp/$name" | median)" -v c="$c" -v n="$name" \
		'BEGIN {printf "ratio %s / classify --objects (median wall): %.1f\n", n, a / c}'
done
