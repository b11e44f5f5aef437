#!/bin/bash
# bench/dump.sh: dump-region against gdb's `dump memory`, gcore and a bare
# process_vm_readv copy, on the same live target, in one run.
#
#   bench/dump.sh [--help]        (make bench runs it after make all)
#
# For each size in BENCH_SIZES (MiB): start corpus/targets/bigheap SIZE
# (one anonymous region, every page written), then BENCH_RUNS rounds, the
# order rotating every round, each writing into BENCH_DIR and deleted
# (and synced) before the next:
#   dump-region        live mode, the region by address (no hash: the
#                      default)
#   dump-region-sha256 the same with --sha256 (hashed on the second core)
#   dump-region-freeze --mode freeze: its own measured pause
#   pvcopy             bench/pvcopy.c: process_vm_readv + write in one
#                      thread, the floor of a sequential copy
#   gdb                gdb -ex 'attach PID' -ex 'dump memory FILE START END'
#                      -ex detach (the target is stopped from attach to
#                      detach)
#   gcore              gdb -ex 'attach PID' -ex 'gcore FILE' -ex detach
#                      (what gcore(1) runs): the whole process
# Wall time (median), peak RSS of the tool (GNU time %M), and the pause:
# dump-region's as it reports it (first PTRACE_INTERRUPT to last detach);
# gdb's and gcore's from just before `attach` to just after `detach`,
# timed from inside gdb: the target is stopped for all of it, symbol
# reading included (a few ms of gdb's own bookkeeping too).
# Verdict: dump-region >= 3x faster than gdb, within 1.3x of pvcopy,
# freeze pause <= gcore's, peak memory < 64 MiB.
# (--mode snapshot has its own: bench/snapshot.sh.)
#
# Environment (defaults in brackets):
#   BENCH_SIZES [1024 4096]  BENCH_RUNS [3]
#   BENCH_DIR [/dev/shm when it has room, else /tmp]: where the copies go.
#     A tmpfs measures the tools; a disk mostly measures the disk (here an
#     ext4 with online discard and throttled writeback: runs of one tool
#     varied 3x), and every tool pays the same for it.
#   BENCH_GCORE [1]  (0: skip gcore, which dumps the whole process)
#   BENCH_BIN [bin]  the tools' directory
#   BENCH_BUILDS, BENCH_SAMPLES: compare builds (bench/compare.sh, see
#     bench/lib.sh): only the three dump-region runs per build (and
#     freeze's pause), no gdb, gcore or pvcopy, no verdict
# Exit status: 0 measured (see the verdict), 2 could not measure, 64 usage.
set -euo pipefail

case ${1:-} in
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "dump.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
esac

export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
bench_builds
sizes=${BENCH_SIZES:-1024 4096}
runs=${BENCH_RUNS:-3}
do_gcore=${BENCH_GCORE:-1}
helpers=$top/build/bench
die() { echo "dump.sh: $*" >&2; exit 2; }

for f in "$bin/dump-region" "$top/build/targets/bigheap"; do
	[ -x "$f" ] || die "$f is missing: run 'make all' first"
done
[ "$compare" = 1 ] || command -v gdb >/dev/null || die "gdb not found (Debian: apt-get install gdb)"
[ -x /usr/bin/time ] || die "GNU time not found (Debian: apt-get install time)"
bench_helpers timeit pvcopy

max_mib=0
for s in $sizes; do [ "$s" -gt "$max_mib" ] && max_mib=$s; done
bench_outdir dump "$max_mib"
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$out" "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

avail_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
# The target, gdb's copy in its own memory, and a tmpfs copy.
[ "$avail_mib" -gt $((max_mib * 3 + 1024)) ] || die "$avail_mib MiB of RAM available: lower BENCH_SIZES"
free_mib=$(df -Pm "$out" | awk 'NR == 2 {print $4}')
[ "$free_mib" -gt $((max_mib * 2 + 1024)) ] || die "$free_mib MiB free in $out: set BENCH_DIR or lower BENCH_SIZES"

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
calc() { awk "BEGIN {printf \"$1\", $2}"; }

echo "dump bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo -), kernel $(uname -r), $(nproc) cpus"
echo "  output: $out ($(df -PT "$out" | awk 'NR == 2 {print $2}')), $runs rounds, medians; load $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A wall peak pause
tools=(dump-region dump-region-sha256 dump-region-freeze pvcopy gdb)
[ "$do_gcore" = 1 ] && tools+=(gcore)

# run TOOL: one timed run into $out, then delete and sync.
run() {
	local t=$1 w u s st m p=""
	local time_args=(/usr/bin/time -f %M -o "$tmp/mem")
	case $t in
	dump-region)
		"$helpers/timeit" "$tmp/t" "${time_args[@]}" "$bin/dump-region" -q \
			-o "$out/d" "$pid" "$start" >/dev/null ;;
	dump-region-sha256)
		"$helpers/timeit" "$tmp/t" "${time_args[@]}" "$bin/dump-region" -q \
			--sha256 -o "$out/d" "$pid" "$start" >/dev/null ;;
	dump-region-freeze)
		"$helpers/timeit" "$tmp/t" "${time_args[@]}" "$bin/dump-region" \
			--mode freeze -o "$out/d" "$pid" "$start" >/dev/null 2>"$tmp/err"
		p=$(sed -n 's/.*stopped for \([0-9.]*\) ms.*/\1/p' "$tmp/err") ;;
	pvcopy)
		"$helpers/timeit" "$tmp/t" "${time_args[@]}" "$helpers/pvcopy" "$pid" \
			"$start" "$size" "$out/p.bin" ;;
	gdb | gcore)
		local cmd="dump memory $out/g.bin $start $start+$size"
		[ "$t" = gcore ] && cmd="gcore $out/g.core"
		"$helpers/timeit" "$tmp/t" "${time_args[@]}" gdb -nx -batch \
			-ex "shell date +%s%N >$tmp/t1" -ex "attach $pid" -ex "$cmd" \
			-ex detach -ex "shell date +%s%N >$tmp/t2" </dev/null >"$tmp/gdb.log" 2>&1
		p=$(calc '%.1f' "($(cat "$tmp/t2") - $(cat "$tmp/t1")) / 1e6") ;;
	esac
	read -r w u s st _ <"$tmp/t"
	[ "$st" = 0 ] || die "$t failed (exit $st)"
	m=$(tail -1 "$tmp/mem")
	wall[$t]="${wall[$t]:-} $w"
	peak[$t]="${peak[$t]:-} $m"
	[ -n "$p" ] && pause[$t]="${pause[$t]:-} $p"
	rm -rf "$out"/*
	sync
}

# Builds compared (bench/lib.sh): each dump-region run once per build,
# the copy deleted and synced after each; freeze's pause recorded too.
timeit=$helpers/timeit
ab_after() {
	local p
	if [ "$AB_CMD" = dump-region-freeze ]; then
		p=$(sed -n 's/.*stopped for \([0-9.]*\) ms.*/\1/p' "$tmp/ab.err")
		[ -z "$p" ] || ab_sample dump "dump-region --mode freeze ${size_mib} MiB pause" \
			"$AB_LABEL" "$p" "$AB_STATUS"
	fi
	rm -rf "${out:?}"/*
	sync
}
compare_run() {
	local r=$1
	AB_CMD=dump-region
	ab dump "dump-region ${size_mib} MiB" "$r" @BIN@/dump-region -q -o "$out/d" "$pid" "$start"
	AB_CMD=dump-region-sha256
	ab dump "dump-region --sha256 ${size_mib} MiB" "$r" @BIN@/dump-region -q --sha256 \
		-o "$out/d" "$pid" "$start"
	AB_CMD=dump-region-freeze
	ab dump "dump-region --mode freeze ${size_mib} MiB" "$r" @BIN@/dump-region --mode freeze \
		-o "$out/d" "$pid" "$start"
}

verdicts=""
for size_mib in $sizes; do
	size=$((size_mib << 20))
	unset wall peak pause
	declare -A wall peak pause
	mkfifo "$tmp/ready"
	"$top/build/targets/bigheap" "$size_mib" >"$tmp/ready" &
	pid=$!
	read -r ready <"$tmp/ready"
	rm -f "$tmp/ready"
	start=$(echo "$ready" | sed -n 's/.* start=\([^ ]*\).*/\1/p')
	[ -n "$start" ] || die "bigheap did not start: $ready"
	if [ "$compare" = 1 ]; then
		for ((r = 0; r < runs; r++)); do compare_run "$r"; done
		kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
		continue
	fi
	n=${#tools[@]}
	for ((r = 0; r < runs; r++)); do
		for ((k = 0; k < n; k++)); do
			run "${tools[(k + r) % n]}"
		done
	done
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
	echo
	echo "$size_mib MiB region (medians of $runs):"
	printf '  %-20s %10s %12s %12s\n' tool "wall ms" "pause ms" "peak RSS"
	declare -A med
	for t in "${tools[@]}"; do
		# shellcheck disable=SC2086
		{
			med[$t]=$(median ${wall[$t]})
			pk=$(median ${peak[$t]})
			pz=-
			[ -n "${pause[$t]:-}" ] && pz=$(median ${pause[$t]})
		}
		med[$t.pause]=$pz
		med[$t.peak]=$pk
		printf '  %-20s %10.1f %12s %9.1f MiB\n' "$t" "$(calc '%.3f' "${med[$t]} / 1e6")" "$pz" "$(calc '%.3f' "$pk / 1024")"
	done
	d=${med[dump-region]} g=${med[gdb]} p=${med[pvcopy]}
	ok() { awk "BEGIN {exit !($1)}" && echo met || echo MISSED; }
	verdicts+="$(printf '\n  %s MiB: dump-region >= 3x faster than gdb dump memory: %s (%sx)' "$size_mib" "$(ok "$g / $d >= 3")" "$(calc '%.2f' "$g / $d")")"
	verdicts+="$(printf '\n  %s MiB: (with --sha256: %sx gdb'"'"'s speed, %sx the bare copy)' "$size_mib" "$(calc '%.2f' "$g / ${med[dump-region-sha256]}")" "$(calc '%.2f' "${med[dump-region-sha256]} / $p")")"
	verdicts+="$(printf '\n  %s MiB: dump-region within 1.3x of a bare process_vm_readv copy: %s (%sx)' "$size_mib" "$(ok "$d / $p <= 1.3")" "$(calc '%.2f' "$d / $p")")"
	if [ "$do_gcore" = 1 ]; then
		verdicts+="$(printf '\n  %s MiB: freeze pause no longer than gcore'"'"'s: %s (%s ms vs gcore %s ms, gdb dump memory %s ms)' "$size_mib" "$(ok "${med[dump-region-freeze.pause]} <= ${med[gcore.pause]}")" "${med[dump-region-freeze.pause]}" "${med[gcore.pause]}" "${med[gdb.pause]}")"
	fi
	verdicts+="$(printf '\n  %s MiB: dump-region peak memory < 64 MiB: %s (%.1f MiB; gdb %.1f MiB)' "$size_mib" "$(ok "${med[dump-region.peak]} < 65536")" "$(calc '%.3f' "${med[dump-region.peak]} / 1024")" "$(calc '%.3f' "${med[gdb.peak]} / 1024")")"
done
[ "$compare" = 1 ] && exit 0
echo
echo "Verdict:$verdicts"
