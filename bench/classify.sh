#!/bin/bash
# bench/classify.sh: classify --chunks over a heap of 10 million chunks
# (leaky 10000000: 10M 112-byte chunks, 1.1 GB), time and peak memory,
# against what people run today in the same run: gdb attached to the
# process calling glibc's malloc_stats() (needs libc6-dbg; stops the
# target) and gdb's 'dump memory' of the heap (the first step of the
# dump-and-strings routine). Medians of BENCH_RUNS (default 3).
#   bench/classify.sh [--help]     BENCH_CHUNKS=N to change the size
set -euo pipefail
if [ "${1:-}" = "--help" ]; then
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
runs=${BENCH_RUNS:-3}
n=${BENCH_CHUNKS:-10000000}
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

mkfifo "$tmp/ready"
"$top/build/targets/leaky" "$n" >"$tmp/ready" 2>/dev/null &
pid=$!
read -r ready <"$tmp/ready"
echo "target: $ready"
heap=$(awk '/\[heap\]/ {print $1}' "/proc/$pid/maps")
rss0=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")

gdb_ok=0
gdb -nx -batch -p "$pid" -iex 'set debuginfod enabled off' -ex 'p &main_arena' \
	</dev/null 2>/dev/null | grep -q main_arena && gdb_ok=1
for i in $(seq "$runs"); do
	measure classify "$top/bin/classify" --chunks --tsv "$pid"
	if [ "$gdb_ok" = 1 ]; then
		measure gdb_malloc_stats gdb -nx -batch -p "$pid" \
			-iex 'set debuginfod enabled off' -ex 'call (void) malloc_stats()'
	fi
	measure gdb_dump gdb -nx -batch -p "$pid" -iex 'set debuginfod enabled off' \
		-ex "dump memory $tmp/heap.bin 0x${heap%-*} 0x${heap#*-}"
	rm -f "$tmp/heap.bin"
done
"$top/bin/classify" --chunks --tsv "$pid" >"$tmp/chunks.tsv"
got=$(awk -F'\t' '$3==112 {s+=$4} END {print s+0}' "$tmp/chunks.tsv")
rss1=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
echo "classify --chunks counted $got in-use 112-byte chunks (target made $n);" \
	"target Rss ${rss0} kB before, ${rss1} kB after"
printf '%-18s %12s %14s\n' command median_ms peak_rss_kB
for name in classify gdb_malloc_stats gdb_dump; do
	[ -f "$tmp/$name" ] || { printf '%-18s %12s\n' "$name" "skipped (no glibc symbols for gdb)"; continue; }
	printf '%-18s %12s %14s\n' "$name" "$(cut -d' ' -f1 "$tmp/$name" | median)" \
		"$(cut -d' ' -f2 "$tmp/$name" | median)"
done
c=$(cut -d' ' -f1 "$tmp/classify" | median)
for name in gdb_malloc_stats gdb_dump; do
	[ -f "$tmp/$name" ] || continue
	awk -v a="$(cut -d' ' -f1 "$tmp/$name" | median)" -v c="$c" -v n="$name" \
		'BEGIN {printf "ratio %s / classify: %.2f\n", n, a / c}'
done
