#!/bin/bash
# bench/snapshot.sh: how long dump-region --mode snapshot stops a process,
# as the process itself measures it, against --mode freeze and gcore, in
# one run (issue 15).
#
#   bench/snapshot.sh [--help]      (make bench runs it after make all)
#
# For each size in BENCH_SIZES (MiB): start corpus/targets/tickheap SIZE
# (one anonymous region, every page written, 4 KiB pages; a ticker thread
# wakes every 1 ms and keeps the longest gap between wake-ups), then
# BENCH_RUNS rounds, the order rotating every round, each copy written
# into BENCH_DIR and deleted (and synced) before the next:
#   snapshot   dump-region --mode snapshot -o DIR PID START
#   freeze     dump-region --mode freeze -o DIR PID START
#   gcore      gdb -ex 'attach PID' -ex 'gcore FILE' -ex detach (what
#              gcore(1) runs: the whole process)
# For each: the stop the target saw (its ticker's longest gap during the
# run, less the 1 ms tick; snapshot's second, shorter stop for the reap
# is in it too), the stop dump-region reports, the wall time, and for
# snapshot the two windows that cannot be closed from outside
# (process.json: registers borrowed for the clone, clone to hold). Also
# the floor: bench/forkfloor.c times a plain fork() of a process of the
# same size from inside (4 KiB pages, and transparent huge pages).
# Then, with BENCH_THP=1, the same target in transparent huge pages
# (MADV_HUGEPAGE: the fork copies a page-table entry per 2 MiB), snapshot
# only. Medians. Then once, at 1 GiB: corpus/targets/genwriter (4 threads
# writing a generation into every page) dumped by --mode snapshot while
# it writes, and tests/e2e/gencheck.py says whether the copy is one
# instant.
# Verdict: snapshot stop <= 100 ms at every size (the fork floor
# beside it), snapshot wall within 1.2x of freeze's, snapshot stop below
# freeze's and gcore's. Each tool's fastest and slowest wall are printed
# beside the median, and the wall verdict gives the ratio of the fastest
# runs too: a copy's wall time is mostly the kernel writing fresh pages
# of the output, which on a virtual machine varies from run to run by
# the run (seen here: dd of 4 GiB into /dev/shm took 1.5 to 5.1 s, and
# freeze mode alone 1.9 to 5.6 s in six runs in a row), so the medians of
# a few rounds swing with it.
#
# Environment (defaults in brackets):
#   BENCH_SIZES [1024 4096]  BENCH_RUNS [5]
#   BENCH_DIR [/dev/shm when it has room, else /tmp]: where the copies go
#   BENCH_GCORE [1]  (0: skip gcore)
#   BENCH_CONSISTENCY [1]  (0: skip the genwriter check)
#   BENCH_THP [1]  (0: skip the huge-page target)
#   BENCH_BIN [bin]  the tools' directory
# Exit status: 0 measured (see the verdict), 2 could not measure, 64 usage.
set -euo pipefail

case ${1:-} in
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "snapshot.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
esac

export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
bin=${BENCH_BIN:-$top/bin}
sizes=${BENCH_SIZES:-1024 4096}
runs=${BENCH_RUNS:-5}
do_gcore=${BENCH_GCORE:-1}
do_gen=${BENCH_CONSISTENCY:-1}
do_thp=${BENCH_THP:-1}
helpers=$top/build/bench
die() { echo "snapshot.sh: $*" >&2; exit 2; }

[ "$(uname -m)" = x86_64 ] || { echo "snapshot.sh: snapshot mode is x86-64 only: nothing to measure"; exit 0; }
for f in "$bin/dump-region" "$top/build/targets/tickheap" "$top/build/targets/genwriter"; do
	[ -x "$f" ] || die "$f is missing: run 'make all' first"
done
[ "$do_gcore" = 0 ] || command -v gdb >/dev/null || die "gdb not found (Debian: apt-get install gdb)"
bench_helpers timeit forkfloor

max_mib=0
for s in $sizes; do [ "$s" -gt "$max_mib" ] && max_mib=$s; done
bench_outdir snap "$max_mib"
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
# The target, its fork's copies, a tmpfs copy (gcore's too).
[ "$avail_mib" -gt $((max_mib * 3 + 1024)) ] || die "$avail_mib MiB of RAM available: lower BENCH_SIZES"
free_mib=$(df -Pm "$out" | awk 'NR == 2 {print $4}')
[ "$free_mib" -gt $((max_mib * 2 + 1024)) ] || die "$free_mib MiB free in $out: set BENCH_DIR or lower BENCH_SIZES"

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
calc() { awk "BEGIN {printf \"$1\", $2}"; }
ok() { awk "BEGIN {exit !($1)}" && echo met || echo MISSED; }

echo "snapshot bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo -), kernel $(uname -r), $(nproc) cpus"
echo "  output: $out ($(df -PT "$out" | awk 'NR == 2 {print $2}')), $runs rounds, medians; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo -) (the target asks for none)"

tools=(snapshot freeze)
[ "$do_gcore" = 1 ] && tools+=(gcore)

# gap: the target's longest gap since its last SIGUSR1, in ms less the tick.
gap() {
	rm -f "$tmp/tick"
	kill -USR2 "$pid"
	for _ in $(seq 500); do [ -s "$tmp/tick" ] && break; sleep 0.01; done
	[ -s "$tmp/tick" ] || die "tickheap did not report"
	sed -n 's/^maxgap_us=\([0-9]*\) .*/\1/p' "$tmp/tick" | awk '{v = $1 / 1000 - 1; printf "%.1f", v < 0 ? 0 : v}'
}

# run TOOL: one timed run into $out, the stops recorded, then delete and sync.
run() {
	local t=$1 w u s st p=-
	kill -USR1 "$pid"
	sleep 0.05
	case $t in
	snapshot | freeze)
		"$helpers/timeit" "$tmp/t" "$bin/dump-region" --mode "$t" -o "$out/d" \
			"$pid" "$start" >/dev/null 2>"$tmp/err" || true ;;
	gcore)
		"$helpers/timeit" "$tmp/t" gdb -nx -batch -ex "attach $pid" \
			-ex "gcore $out/g.core" -ex detach </dev/null >"$tmp/gdb.log" 2>&1 || true ;;
	esac
	read -r w u s st _ <"$tmp/t"
	[ "$st" = 0 ] || die "$t failed (exit $st): $(tail -2 "$tmp/err" "$tmp/gdb.log" 2>/dev/null)"
	sleep 0.05
	seen[$t]="${seen[$t]:-} $(gap)"
	wall[$t]="${wall[$t]:-} $w"
	case $t in
	freeze) p=$(sed -n 's/.*stopped for \([0-9.]*\) ms.*/\1/p' "$tmp/err") ;;
	snapshot)
		p=$(sed -n 's/.*snapshot: stopped \([0-9.]*\) ms for the fork.*/\1/p' "$tmp/err")
		read -r rw hw cw < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["snapshot"]
print(s["regs_borrowed_us"], s["clone_to_hold_us"], s["clone_syscall_us"])' "$out/d/process.json")
		regs="${regs:-} $rw" hold="${hold:-} $hw" clone="${clone:-} $cw" ;;
	esac
	said[$t]="${said[$t]:-} $p"
	rm -rf "${out:?}"/*
	sync
}

verdicts=""
for size_mib in $sizes; do
	unset seen wall said
	declare -A seen wall said
	regs="" hold="" clone=""
	floor=$("$helpers/forkfloor" "$size_mib" | sed 's/fork_ms=//')
	floor_thp=$("$helpers/forkfloor" "$size_mib" thp | sed 's/fork_ms=//')
	mkfifo "$tmp/ready"
	"$top/build/targets/tickheap" "$size_mib" "$tmp/tick" >"$tmp/ready" &
	pid=$!
	read -r ready <"$tmp/ready"
	rm -f "$tmp/ready"
	start=$(echo "$ready" | sed -n 's/.* start=\([^ ]*\).*/\1/p')
	[ -n "$start" ] || die "tickheap did not start: $ready"
	# The ticker's own noise, no tool running.
	kill -USR1 "$pid"; sleep 0.5; idle=$(gap)
	n=${#tools[@]}
	for ((r = 0; r < runs; r++)); do
		for ((k = 0; k < n; k++)); do
			run "${tools[(k + r) % n]}"
		done
	done
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
	echo
	echo "$size_mib MiB region (medians of $runs; the ticker's longest gap idle: $idle ms):"
	printf '  %-10s %16s %16s %10s %20s\n' tool "stop seen (ms)" "stop said (ms)" "wall ms" "wall fastest-slowest"
	declare -A med
	for t in "${tools[@]}"; do
		# shellcheck disable=SC2086
		{
			med[$t.seen]=$(median ${seen[$t]})
			med[$t.wall]=$(calc '%.1f' "$(median ${wall[$t]}) / 1e6")
			med[$t.min]=$(calc '%.1f' "$(printf '%s\n' ${wall[$t]} | sort -g | head -1) / 1e6")
			med[$t.max]=$(calc '%.1f' "$(printf '%s\n' ${wall[$t]} | sort -g | tail -1) / 1e6")
			med[$t.said]=-
			[ "$t" = gcore ] || med[$t.said]=$(median ${said[$t]})
		}
		printf '  %-10s %16s %16s %10s %20s\n' "$t" "${med[$t.seen]}" "${med[$t.said]}" "${med[$t.wall]}" \
			"${med[$t.min]}-${med[$t.max]}"
	done
	# shellcheck disable=SC2086
	printf '  snapshot windows: registers borrowed %s us (the clone %s us of them), clone to hold %s us\n' \
		"$(median $regs)" "$(median $clone)" "$(median $hold)"
	printf '  fork floor (a plain fork() of %s MiB, from inside): %s ms; with transparent huge pages %s ms\n' \
		"$size_mib" "$floor" "$floor_thp"
	s=${med[snapshot.seen]} f=${med[freeze.seen]}
	thp_line=""
	if [ "$do_thp" = 1 ] && grep -q '\[always\]\|\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
		unset seen wall said
		declare -A seen wall said
		mkfifo "$tmp/ready"
		"$top/build/targets/tickheap" "$size_mib" "$tmp/tick" thp >"$tmp/ready" &
		pid=$!
		read -r ready <"$tmp/ready"
		rm -f "$tmp/ready"
		start=$(echo "$ready" | sed -n 's/.* start=\([^ ]*\).*/\1/p')
		huge=$(awk '/^AnonHugePages:/ {print int($2 / 1024)}' "/proc/$pid/smaps_rollup")
		for ((r = 0; r < runs; r++)); do run snapshot; done
		kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
		# shellcheck disable=SC2086
		thp_line="$(median ${seen[snapshot]})"
		printf '  snapshot of the same in transparent huge pages (%s MiB of them): stop seen %s ms, wall %s ms\n' \
			"$huge" "$thp_line" "$(calc '%.1f' "$(median ${wall[snapshot]}) / 1e6")"
		thp_line=", $thp_line ms in huge pages"
	fi
	verdicts+="$(printf '\n  %s MiB: snapshot stop <= 100 ms: %s (%s ms seen by the target%s; fork floor %s ms, %s ms with THP)' \
		"$size_mib" "$(ok "$s <= 100")" "$s" "$thp_line" "$floor" "$floor_thp")"
	verdicts+="$(printf '\n  %s MiB: snapshot stop vs freeze: %sx (%s vs %s ms)' "$size_mib" \
		"$(calc '%.3f' "$s / ($f > 0 ? $f : 1)")" "$s" "$f")"
	[ "$do_gcore" = 1 ] &&
		verdicts+="$(printf '\n  %s MiB: snapshot stop vs gcore: %sx (%s vs %s ms)' "$size_mib" \
			"$(calc '%.3f' "$s / (${med[gcore.seen]} > 0 ? ${med[gcore.seen]} : 1)")" "$s" "${med[gcore.seen]}")"
	verdicts+="$(printf '\n  %s MiB: snapshot wall within 1.2x of freeze'"'"'s: %s (%sx: %s vs %s ms; fastest runs %sx: %s vs %s ms)' "$size_mib" \
		"$(ok "${med[snapshot.wall]} / ${med[freeze.wall]} <= 1.2")" \
		"$(calc '%.2f' "${med[snapshot.wall]} / ${med[freeze.wall]}")" "${med[snapshot.wall]}" "${med[freeze.wall]}" \
		"$(calc '%.2f' "${med[snapshot.min]} / ${med[freeze.min]}")" "${med[snapshot.min]}" "${med[freeze.min]}")"
done

if [ "$do_gen" = 1 ]; then
	mkfifo "$tmp/ready"
	"$top/build/targets/genwriter" 1024 4 "$tmp/gen" >"$tmp/ready" &
	pid=$!
	read -r ready <"$tmp/ready"
	rm -f "$tmp/ready"
	buf=$(echo "$ready" | sed -n 's/.* buf=\([^ ]*\).*/\1/p')
	[ -n "$buf" ] || die "genwriter did not start: $ready"
	"$bin/dump-region" -q --mode snapshot -o "$out/g" "$pid" "$buf" >/dev/null ||
		die "snapshot of genwriter failed"
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
	if python3 "$top/tests/e2e/gencheck.py" "$out"/g/*.bin >"$tmp/check" 2>&1; then
		verdicts+="$(printf '\n  1 GiB written by 4 threads meanwhile: the snapshot is one instant: met (%s)' "$(tail -1 "$tmp/check")")"
	else
		verdicts+="$(printf '\n  1 GiB written by 4 threads meanwhile: the snapshot is one instant: MISSED (%s)' "$(tail -1 "$tmp/check")")"
	fi
	rm -rf "${out:?}"/*
fi
echo
echo "Verdict (one run on a shared machine: noisy):$verdicts"
