#!/bin/bash
# bench/classify.sh: classify --chunks over a heap of 10 million chunks
# (leaky 10000000: 10M 112-byte chunks, 1.1 GB), time and peak memory,
# against what people run today in the same run: gdb attached to the
# process calling glibc's malloc_stats() (needs libc6-dbg; stops the
# target) and gdb's 'dump memory' of the heap (the first step of the
# dump-and-strings routine). And the same walk offline: the whole process
# dumped once (dump-region --mode freeze) to a directory, classify
# --chunks DIR against classify --chunks PID, in the same rounds (goal:
# DIR within 1.5x of PID; both must give the same histogram). Medians of
# BENCH_RUNS (default 3).
#   bench/classify.sh [--help]     BENCH_CHUNKS=N to change the size
#   BENCH_BIN: the tools' directory (default bin); BENCH_BUILDS and
#   BENCH_SAMPLES: compare builds (bench/compare.sh, bench/lib.sh): only
#   the two classify runs per build, no gdb (the dump from the last build)
set -euo pipefail
if [ "${1:-}" = "--help" ]; then
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
bench_builds
runs=${BENCH_RUNS:-3}
n=${BENCH_CHUNKS:-10000000}
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for f in "$bin/classify" "$bin/dump-region" "$top/build/targets/leaky"; do
	[ -x "$f" ] || { echo "classify.sh: $f is missing: run 'make all' first" >&2; exit 2; }
done
helpers=$top/build/bench
timeit=$helpers/timeit
if [ ! -x "$timeit" ] || [ "$top/bench/timeit.c" -nt "$timeit" ]; then
	mkdir -p "$helpers"
	"${CC:-cc}" -O2 -Wall -o "$timeit.tmp.$$" "$top/bench/timeit.c" &&
		mv -f "$timeit.tmp.$$" "$timeit"
fi

mkfifo "$tmp/ready"
"$top/build/targets/leaky" "$n" >"$tmp/ready" 2>/dev/null &
pid=$!
read -r ready <"$tmp/ready"
echo "target: $ready"
heap=$(awk '/\[heap\]/ {print $1}' "/proc/$pid/maps")
rss0=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")

# The whole process, frozen, to a directory: what classify reads offline.
dir=$tmp/dump
if "$bin/dump-region" --mode freeze -o "$dir" "$pid" >/dev/null 2>"$tmp/dump.err"; then
	echo "dump: $(du -sm "$dir" | cut -f1) MB in $dir ($(grep -o 'stopped for [0-9.]* ms' "$tmp/dump.err"))"
else
	echo "dump: dump-region --mode freeze failed: $(head -1 "$tmp/dump.err"); no offline walk"
	dir=""
fi

if [ "$compare" = 1 ]; then
	for i in $(seq "$runs"); do
		ab classify "classify --chunks PID (${n} chunks)" "$i" @BIN@/classify --chunks --tsv "$pid"
		[ -z "$dir" ] || ab classify "classify --chunks DIR (${n} chunks)" "$i" \
			@BIN@/classify --chunks --tsv "$dir"
	done
	exit 0
fi

gdb_ok=0
gdb -nx -batch -p "$pid" -iex 'set debuginfod enabled off' -ex 'p &main_arena' \
	</dev/null 2>/dev/null | grep -q main_arena && gdb_ok=1
for i in $(seq "$runs"); do
	measure classify "$bin/classify" --chunks --tsv "$pid"
	[ -z "$dir" ] || measure classify_dir "$bin/classify" --chunks --tsv "$dir"
	if [ "$gdb_ok" = 1 ]; then
		measure gdb_malloc_stats gdb -nx -batch -p "$pid" \
			-iex 'set debuginfod enabled off' -ex 'call (void) malloc_stats()'
	fi
	measure gdb_dump gdb -nx -batch -p "$pid" -iex 'set debuginfod enabled off' \
		-ex "dump memory $tmp/heap.bin 0x${heap%-*} 0x${heap#*-}"
	rm -f "$tmp/heap.bin"
done
"$bin/classify" --chunks --tsv "$pid" >"$tmp/chunks.tsv"
got=$(awk -F'\t' '$3==112 {s+=$4} END {print s+0}' "$tmp/chunks.tsv")
rss1=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
echo "classify --chunks counted $got in-use 112-byte chunks (target made $n);" \
	"target Rss ${rss0} kB before, ${rss1} kB after"
printf '%-18s %12s %14s\n' command median_ms peak_rss_kB
for name in classify classify_dir gdb_malloc_stats gdb_dump; do
	[ -f "$tmp/$name" ] || { printf '%-18s %12s\n' "$name" "skipped"; continue; }
	printf '%-18s %12s %14s\n' "$name" "$(cut -d' ' -f1 "$tmp/$name" | median)" \
		"$(cut -d' ' -f2 "$tmp/$name" | median)"
done
c=$(cut -d' ' -f1 "$tmp/classify" | median)
for name in gdb_malloc_stats gdb_dump; do
	[ -f "$tmp/$name" ] || continue
	awk -v a="$(cut -d' ' -f1 "$tmp/$name" | median)" -v c="$c" -v n="$name" \
		'BEGIN {printf "ratio %s / classify: %.2f\n", n, a / c}'
done
if [ -n "$dir" ]; then
	# classify_dir's peak RSS counts the dump's mapped page cache.
	same=differ
	"$bin/classify" --chunks --tsv "$dir" | cut -f2- >"$tmp/dir.tsv" || true
	cut -f2- "$tmp/chunks.tsv" | cmp -s - "$tmp/dir.tsv" && same=same
	awk -v d="$(cut -d' ' -f1 "$tmp/classify_dir" | median)" -v c="$c" -v s="$same" \
		'BEGIN {printf "goal: classify --chunks DIR within 1.5x of PID: %s (%.2fx; histograms %s)\n",
			(d <= 1.5 * c && s == "same") ? "met" : "MISSED", d / c, s}'
fi
