#!/bin/bash
# bench/stacks.sh: every thread's call stack of a 1,000-thread process
# (corpus/targets/idlethreads 1000), and how long each way stops it, in
# one run, BENCH_RUNS rounds (default 3), medians:
#   classify --threads --freeze PID   the pause as it reports it (first
#                      PTRACE_INTERRUPT to last detach: the register
#                      reads alone), and its wall time (unwinding after)
#   gcore              gdb -ex 'attach PID' -ex 'gcore FILE' -ex detach,
#                      the pause timed from inside gdb (just before attach
#                      to just after detach: stopped for all of it), then
#                      classify --threads on that core (wall)
#   eu-stack -p PID    wall time (it ptrace-attaches and stops each
#                      thread while it unwinds that one)
#   gdb 'thread apply all bt'   wall time (stopped for all of it)
# Goal (issue 17): classify --threads --freeze's pause < gcore's.
#   bench/stacks.sh [--help]      BENCH_THREADS=N to change the count
#   BENCH_BIN: the tools' directory (default bin)
set -euo pipefail
if [ "${1:-}" = "--help" ]; then
	sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
export LC_ALL=C
unset DEBUGINFOD_URLS
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
bin=${BENCH_BIN:-$top/bin}
runs=${BENCH_RUNS:-3}
n=${BENCH_THREADS:-1000}
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() { echo "stacks.sh: $*" >&2; exit 2; }

for f in "$bin/classify" "$top/build/targets/idlethreads"; do
	[ -x "$f" ] || die "$f is missing: run 'make all' first"
done
command -v gdb >/dev/null || die "gdb not found (Debian: apt-get install gdb)"
have_eu=0
command -v eu-stack >/dev/null && have_eu=1

mkfifo "$tmp/ready"
"$top/build/targets/idlethreads" "$n" >"$tmp/ready" 2>/dev/null &
pid=$!
read -r ready <"$tmp/ready"
echo "target: $ready"
ms() { echo "$(( ($(date +%s%N) - $1) / 1000 ))" | awk '{printf "%.1f\n", $1 / 1000}'; }

for i in $(seq "$runs"); do
	t0=$(date +%s%N)
	"$bin/classify" --threads --freeze --tsv "$pid" >"$tmp/ours.tsv" 2>"$tmp/ours.err" ||
		die "classify --threads --freeze failed: $(cat "$tmp/ours.err")"
	ms "$t0" >>"$tmp/ours.wall"
	sed -n 's/.*stopped for \([0-9.]*\) ms.*/\1/p' "$tmp/ours.err" >>"$tmp/ours.pause"

	t0=$(date +%s%N)
	gdb -nx -batch -iex 'set debuginfod enabled off' \
		-ex "shell date +%s%N >$tmp/t1" -ex "attach $pid" \
		-ex "gcore $tmp/g.core" -ex detach \
		-ex "shell date +%s%N >$tmp/t2" </dev/null >"$tmp/gdb.log" 2>&1 ||
		die "gcore failed: $(tail -1 "$tmp/gdb.log")"
	ms "$t0" >>"$tmp/gcore.wall"
	echo "$(( ($(cat "$tmp/t2") - $(cat "$tmp/t1")) / 1000 ))" |
		awk '{printf "%.1f\n", $1 / 1000}' >>"$tmp/gcore.pause"
	t0=$(date +%s%N)
	"$bin/classify" --threads --tsv "$tmp/g.core" >"$tmp/g.tsv" 2>/dev/null || true
	ms "$t0" >>"$tmp/gcore_classify.wall"
	rm -f "$tmp/g.core"

	if [ "$have_eu" = 1 ]; then
		t0=$(date +%s%N)
		eu-stack -p "$pid" >"$tmp/eu.out" 2>/dev/null || true
		ms "$t0" >>"$tmp/eu.wall"
	fi
	t0=$(date +%s%N)
	gdb -nx -batch -iex 'set debuginfod enabled off' -p "$pid" \
		-ex 'thread apply all bt' </dev/null >"$tmp/bt.out" 2>&1 || true
	ms "$t0" >>"$tmp/bt.wall"
done

stacks=$(awk -F'\t' 'NR > 1 && $8 != "-"' "$tmp/ours.tsv" | wc -l)
echo "classify --threads --freeze: $stacks of $(($(wc -l <"$tmp/ours.tsv") - 1)) threads with a stack"
printf '%-34s %12s %12s\n' way pause_ms wall_ms
printf '%-34s %12s %12s\n' "classify --threads --freeze" \
	"$(median <"$tmp/ours.pause")" "$(median <"$tmp/ours.wall")"
printf '%-34s %12s %12s\n' "gcore (then classify the core)" \
	"$(median <"$tmp/gcore.pause")" \
	"$(median <"$tmp/gcore.wall") + $(median <"$tmp/gcore_classify.wall")"
[ "$have_eu" = 1 ] && printf '%-34s %12s %12s\n' "eu-stack -p" "per thread" \
	"$(median <"$tmp/eu.wall")"
printf '%-34s %12s %12s\n' "gdb thread apply all bt" "= wall" \
	"$(median <"$tmp/bt.wall")"
awk -v o="$(median <"$tmp/ours.pause")" -v g="$(median <"$tmp/gcore.pause")" \
	'BEGIN {printf "goal: --threads --freeze stops it for less than gcore: %s (%.1f ms vs %.1f ms, %.0fx shorter)\n",
		o < g ? "met" : "MISSED", o, g, g / o}'
