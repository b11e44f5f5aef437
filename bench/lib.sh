# shellcheck shell=bash
# Shared by bench scripts that time whole commands (sourced; they set
# $tmp, a scratch directory, before calling measure).

# measure NAME CMD...: wall ms, peak RSS (kB), exit status and CPU ms
# (user+system) of CMD (stdin /dev/null, output discarded), appended to
# NAME as one line; timed by bench/timeit.c (compiled into
# build/bench when missing or older), whose small process forks CMD: an
# interpreter's own RSS and start would be counted in.
measure() {
	local name=$1 w u s st rss
	shift
	if [ -z "${measure_timeit:-}" ]; then
		measure_timeit=$top/build/bench/timeit
		if [ ! -x "$measure_timeit" ] || [ "$top/bench/timeit.c" -nt "$measure_timeit" ]; then
			mkdir -p "$top/build/bench"
			"${CC:-cc}" -O2 -Wall -o "$measure_timeit.tmp.$$" "$top/bench/timeit.c" &&
				mv -f "$measure_timeit.tmp.$$" "$measure_timeit"
		fi
	fi
	w=0 u=0 s=0 st=2 rss=0
	"$measure_timeit" "$tmp/measure.t" "$@" </dev/null >/dev/null 2>&1 || true
	read -r w u s st rss <"$tmp/measure.t" || true
	awk -v w="$w" -v u="$u" -v s="$s" -v st="$st" -v rss="$rss" \
		'BEGIN {printf "%.1f %d %d %.1f\n", w / 1e6, rss, st, (u + s) / 1e6}' \
		>>"$tmp/$name"
}

# median: the median of the numbers on stdin, one per line.
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# ---- the builds measured: one, or several compared (bench/compare.sh) ------
#
# BENCH_BIN: the directory holding the tools (default $top/bin).
# BENCH_BUILDS="LABEL=BINDIR LABEL=BINDIR ...": compare these builds
# instead (bench/compare.sh sets it; no spaces in labels or paths), with
# BENCH_SAMPLES naming the file the runs go to. A bench then times only
# our tools: every command once per build in every round, the builds'
# order rotating round by round (A B, B A, ...) so that the machine's
# noise falls on all of them, on the same targets. It leaves out the
# tools it otherwise compares ours with (pmap, gdb, yara: the same for
# every build) and its studies, and leaves the report to compare.sh. A
# run that fails (an option an old build lacks) is recorded, not fatal.
# BENCH_SAMPLES, one line per run, TAB-separated:
#   bench command label value status first_line_of_stderr cpu
# value: the wall time in ns (or, for a command named "... pause", the
# pause in ms as the tool reported it); status: the exit status; cpu: the
# user+system time in ns (of the command and the children it waited
# for), or -. On a shared machine the wall time follows the load; the CPU
# time much less (a busy machine still slows caches and memory).

# bench_builds: set labels=() and bins=() (parallel arrays), bin (the last
# build's directory: the one that makes a bench's inputs, e.g. the dump
# classify reads) and compare (1 when builds are compared, else 0).
# Needs $top.
# shellcheck disable=SC2034 # the benches read them
bench_builds() {
	local b
	labels=() bins=() compare=0
	if [ -n "${BENCH_BUILDS:-}" ]; then
		if [ -z "${BENCH_SAMPLES:-}" ]; then
			echo "bench: BENCH_BUILDS needs BENCH_SAMPLES (see bench/compare.sh)" >&2
			exit 64
		fi
		for b in $BENCH_BUILDS; do
			case $b in
			?*=?*) labels+=("${b%%=*}") bins+=("${b#*=}") ;;
			*) echo "bench: BENCH_BUILDS: '$b' is not LABEL=BINDIR" >&2; exit 64 ;;
			esac
		done
		compare=1
	else
		labels=(cur) bins=("${BENCH_BIN:-$top/bin}")
	fi
	bin=${bins[${#bins[@]} - 1]}
}

# ab_sample BENCH COMMAND LABEL VALUE STATUS [ERR [CPU]]: one line to
# BENCH_SAMPLES.
ab_sample() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:--}" \
		"${7:--}" >>"$BENCH_SAMPLES"
}

# ab BENCH COMMAND ROUND CMD...: run CMD once per build, every "@BIN@" in
# its arguments replaced by the build's directory, the builds in an order
# that rotates with ROUND; stdout to /dev/null, stdin from $AB_STDIN (or
# /dev/null), stderr kept in $tmp/ab.err. Each run is timed with $timeit
# (bench/timeit.c) and appended to BENCH_SAMPLES unless AB_WARMUP=1. After
# each run ab_after, when defined, is called with AB_LABEL and AB_STATUS
# set (to clean up, or to record more from $tmp/ab.err). Needs $tmp,
# $timeit and bench_builds.
ab() {
	local bench=$1 name=$2 round=$3 n=${#labels[@]} j i w u s st err
	shift 3
	for ((j = 0; j < n; j++)); do
		i=$(((j + round) % n))
		w=0 u=0 s=0 st=2
		"$timeit" "$tmp/ab.t" "${@//@BIN@/${bins[$i]}}" <"${AB_STDIN:-/dev/null}" \
			>/dev/null 2>"$tmp/ab.err" || true
		read -r w u s st _ <"$tmp/ab.t" || true
		err=$(head -n 1 "$tmp/ab.err" | cut -c1-200 | tr '\t' ' ')
		# shellcheck disable=SC2034 # ab_after reads them
		AB_LABEL=${labels[$i]} AB_STATUS=$st
		if declare -F ab_after >/dev/null; then ab_after; fi
		[ "${AB_WARMUP:-0}" = 1 ] ||
			ab_sample "$bench" "$name" "${labels[$i]}" "$w" "$st" "$err" $((u + s))
	done
}

# bench_java WHAT JAVA-ARGS...: start java (its readiness line on a
# FIFO in $tmp), set pid and ready, and kill it on exit (with $tmp gone).
bench_java() {
	local what=$1
	shift
	trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
	mkfifo "$tmp/ready"
	java "$@" >"$tmp/ready" 2>/dev/null &
	pid=$!
	read -r ready <"$tmp/ready"
	echo "target: $ready ($what)"
}

# bench_helpers NAME...: compile bench/NAME.c into $helpers (build/bench)
# when missing or older than its source; die() says why not.
bench_helpers() {
	local h
	mkdir -p "$helpers"
	for h in "$@"; do
		if [ ! -x "$helpers/$h" ] || [ "$top/bench/$h.c" -nt "$helpers/$h" ]; then
			"${CC:-cc}" -O2 -Wall -o "$helpers/$h.tmp.$$" "$top/bench/$h.c" ||
				die "cannot compile bench/$h.c"
			mv -f "$helpers/$h.tmp.$$" "$helpers/$h"
		fi
	done
}

# bench_outdir NAME MAX_MIB: set out to a new directory for the copies,
# under BENCH_DIR, else /dev/shm when it has room for two of MAX_MIB and
# 1 GiB more, else /tmp.
bench_outdir() {
	out=${BENCH_DIR:-}
	if [ -z "$out" ]; then
		out=/tmp
		[ -d /dev/shm ] && [ "$(df -Pm /dev/shm | awk 'NR == 2 {print $4}')" -gt $(($2 * 2 + 1024)) ] &&
			out=/dev/shm
	fi
	mkdir -p "$out"
	out=$(mktemp -d "$out/bench-$1.XXXXXX")
}
