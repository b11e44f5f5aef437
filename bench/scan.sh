#!/bin/bash
# bench/scan.sh: scan against GNU strings and yara, on dumps of 1 GiB and
# 4 GiB and on the live process they were taken from, in one run.
#
#   bench/scan.sh [--help]        (make bench runs it after make all)
#
# For each size, corpus/targets/scan_mix holds SIZE of heap-like memory
# (text, pointers, random bytes, zeros; see its header), its region is
# copied to a raw dump file in a scratch directory under ${TMPDIR:-/tmp}
# (deleted at exit) and these run, round robin (the order rotates every
# round), BENCH_RUNS rounds, output to /dev/null:
#   strings         strings -a -n 6 -t x DUMP
#   scan-strings    scan --strings --base START DUMP        (same strings)
#   yara-file       yara RULES DUMP         (ten literal strings, any of)
#   scan-file       scan -e K1 ... -e K10 --base START DUMP
#   yara-pid        yara RULES PID          (the live process, all regions)
#   scan-live       scan -e K1 ... -e K10 < REGIONS   (memmap PID, saved)
# then medians, MB/s (SIZE / median) and the ratios the goals are about:
# scan-strings >= 4x strings, scan-file >= 2x yara-file, scan-live >= 4x
# yara-pid.
#
# Environment (defaults in brackets):
#   BENCH_RUNS [5]      measured rounds (a median of an odd count)
#   BENCH_4G [1]        0: skip the 4 GiB case (needs 4 GiB of memory for
#                       the target and 4 GiB of disk for the dump)
#   BENCH_SIZES_MIB     overrides the sizes [1024 4096]
#   BENCH_THREADS       scan -j (default: every CPU)
#   CC [cc]             compiler for bench/timeit.c
#   BENCH_BIN [bin]     the tools' directory
#   BENCH_BUILDS, BENCH_SAMPLES: compare builds (bench/compare.sh, see
#                       bench/lib.sh): only scan-strings, scan-file and
#                       scan-live per build, no strings or yara, no verdict
# The dumps go to /dev/shm instead when ${TMPDIR:-/tmp} has less free
# space than the largest dump plus 1 GiB (and memory allows).
#
# Exit status: 0 measured (goals met or not: see the verdict), 2 could not
# measure (missing build, strings, yara, memory or disk), 64 usage.
set -euo pipefail

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

case ${1:-} in
-h | --help) usage; exit 0 ;;
"") ;;
*) echo "scan.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
esac

export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
bench_builds
runs=${BENCH_RUNS:-5}
if [ "${BENCH_4G:-1}" = 0 ]; then sizes=${BENCH_SIZES_MIB:-1024}; else sizes=${BENCH_SIZES_MIB:-1024 4096}; fi
threads=${BENCH_THREADS:-}
cc=${CC:-cc}
scan=$bin/scan
memmap=$bin/memmap
mix=$top/build/targets/scan_mix
helpers=$top/build/bench
keys=('$UNKNOWN' 'connection reset' 'password=' 'Authorization: Bearer'
	'java/lang/String' 'SELECT * FROM' 'ERROR' 'deadbeef' 'session_id'
	'X-Forwarded-For')

die() { echo "scan.sh: $*" >&2; exit 2; }

case $runs in '' | *[!0-9]* | 0) echo "scan.sh: BENCH_RUNS must be a positive number" >&2; exit 64 ;; esac
for f in "$scan" "$memmap" "$mix"; do
	[ -x "$f" ] || die "$f is missing: run 'make all' first"
done
[ "$compare" = 1 ] || command -v strings >/dev/null || die "GNU strings not found (Debian: binutils)"
[ "$compare" = 1 ] || command -v yara >/dev/null || die "yara not found (Debian: yara; scripts/install-deps installs it)"
mkdir -p "$helpers"
if [ ! -x "$helpers/timeit" ] || [ "$top/bench/timeit.c" -nt "$helpers/timeit" ]; then
	"$cc" -O2 -Wall -Wextra -o "$helpers/timeit.tmp.$$" "$top/bench/timeit.c" ||
		die "cannot compile bench/timeit.c"
	mv -f "$helpers/timeit.tmp.$$" "$helpers/timeit"
fi
timeit=$helpers/timeit

# The scratch directory: TMPDIR (or /tmp), or /dev/shm when the disk is
# short of the largest dump and memory is not.
maxmib=$(printf '%s\n' $sizes | sort -n | tail -1)
scratch=${TMPDIR:-/tmp}
if [ "$(df -Pm "$scratch" | awk 'NR == 2 {print $4}')" -lt $((maxmib + 1024)) ] &&
	[ -d /dev/shm ] && [ "$(df -Pm /dev/shm | awk 'NR == 2 {print $4}')" -ge $((maxmib + 1024)) ]; then
	scratch=/dev/shm
fi
tmp=$(mktemp -d "$scratch/bench-scan.XXXXXX")
started=""
cleanup() {
	local p
	for p in $started; do kill "$p" 2>/dev/null || true; done
	for p in $started; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_target() { # sets PID and READY
	local fifo="$tmp/ready"
	mkfifo "$fifo"
	"$@" >"$fifo" 2>>"$tmp/targets.err" &
	PID=$!
	started="$started $PID"
	READY=""
	read -r READY <"$fifo" || true
	rm -f "$fifo"
	case $READY in
	"ready pid=$PID"*) ;;
	*) die "$* did not become ready: '$READY' $(cat "$tmp/targets.err")" ;;
	esac
}
stop_target() {
	local p rest=""
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	for p in $started; do [ "$p" = "$1" ] || rest="$rest $p"; done
	started=$rest
}
median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1}
		END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

{
	echo "rule ten_literals {"
	echo "  strings:"
	for i in "${!keys[@]}"; do printf '    $k%d = "%s"\n' "$i" "${keys[$i]}"; done
	echo "  condition:"
	echo "    any of them"
	echo "}"
} >"$tmp/ten.yar"
eargs=()
for k in "${keys[@]}"; do eargs+=(-e "$k"); done
jargs=()
[ -z "$threads" ] || jargs=(-j "$threads")

echo "# bench/scan.sh: $(date -u +%FT%TZ), $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$compare" = 1 ] ||
	echo "# $(strings --version | head -1); yara $(yara --version); scan $("$scan" --version | cut -d' ' -f2); dumps in $scratch"
verdict=0
for mib in $sizes; do
	size=$((mib << 20))
	avail_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
	disk_mib=$(df -Pm "$tmp" | awk 'NR == 2 {print $4}')
	need_mem=$((2 * mib + 1024))
	[ "$scratch" != /dev/shm ] || need_mem=$((3 * mib + 1024))
	if [ "$avail_mib" -lt $need_mem ] || [ "$disk_mib" -lt $((mib + 1024)) ]; then
		echo "# $mib MiB: skipped ($avail_mib MiB of memory, $disk_mib MiB free in $scratch; need $need_mem and $((mib + 1024)))"
		continue
	fi
	start_target "$mix" "$mib"
	pid=$PID
	start=$(echo "$READY" | sed 's/.* start=\(0x[0-9a-f]*\).*/\1/')
	dd if="/proc/$pid/mem" of="$tmp/dump.bin" bs=1M iflag=skip_bytes,count_bytes \
		skip=$((start)) count=$size status=none
	"$memmap" --tsv "$pid" >"$tmp/regions.tsv"
	if [ "$compare" = 1 ]; then
		for r in $(seq "$runs"); do
			ab scan "scan --strings $mib MiB dump" "$r" @BIN@/scan "${jargs[@]}" \
				--strings --base "$start" "$tmp/dump.bin"
			ab scan "scan -e x10 $mib MiB dump" "$r" @BIN@/scan "${jargs[@]}" \
				"${eargs[@]}" --base "$start" "$tmp/dump.bin"
			AB_STDIN=$tmp/regions.tsv ab scan "scan -e x10 $mib MiB live" "$r" \
				@BIN@/scan "${jargs[@]}" "${eargs[@]}"
		done
		stop_target "$pid"
		rm -f "$tmp/dump.bin"
		continue
	fi
	cmds=(strings scan-strings yara-file scan-file yara-pid scan-live)
	declare -A t=()
	for r in $(seq "$runs"); do
		for k in "${!cmds[@]}"; do
			c=${cmds[$(((k + r) % ${#cmds[@]}))]}
			case $c in
			strings) "$timeit" "$tmp/t" strings -a -n 6 -t x "$tmp/dump.bin" >/dev/null ;;
			scan-strings) "$timeit" "$tmp/t" "$scan" "${jargs[@]}" --strings --base "$start" "$tmp/dump.bin" >/dev/null ;;
			yara-file) "$timeit" "$tmp/t" yara "$tmp/ten.yar" "$tmp/dump.bin" >/dev/null ;;
			scan-file) "$timeit" "$tmp/t" "$scan" "${jargs[@]}" "${eargs[@]}" --base "$start" "$tmp/dump.bin" >/dev/null ;;
			yara-pid) "$timeit" "$tmp/t" yara "$tmp/ten.yar" "$pid" >/dev/null ;;
			scan-live) "$timeit" "$tmp/t" "$scan" "${jargs[@]}" "${eargs[@]}" <"$tmp/regions.tsv" >/dev/null ;;
			esac
			read -r wall _ _ status _ <"$tmp/t"
			[ "$status" = 0 ] || die "$c exited with $status"
			t[$c]="${t[$c]:-} $wall"
		done
	done
	# How many literal hits there are (the work the pattern runs report).
	"$scan" "${eargs[@]}" --base "$start" "$tmp/dump.bin" | tail -n +2 >"$tmp/h1"
	nhits=$(wc -l <"$tmp/h1")
	printf '\n## %d MiB dump (%d literal hits), %d rounds, medians\n' "$mib" "$nhits" "$runs"
	printf '%-14s %10s %10s\n' command seconds MB/s
	declare -A med=()
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086
		med[$c]=$(median ${t[$c]})
		awk -v n="$c" -v ns="${med[$c]}" -v b="$size" \
			'BEGIN {printf "%-14s %10.3f %10.0f\n", n, ns / 1e9, b / (ns / 1e9) / 1e6}'
	done
	for pair in "scan-strings strings 4" "scan-file yara-file 2" "scan-live yara-pid 4"; do
		read -r a b goal <<<"$pair"
		ratio=$(awk -v x="${med[$b]}" -v y="${med[$a]}" 'BEGIN {printf "%.1f", x / y}')
		ok=$(awk -v r="$ratio" -v g="$goal" 'BEGIN {print (r >= g) ? "met" : "NOT met"}')
		[ "$ok" = met ] || verdict=1
		printf 'verdict: %s is %sx faster than %s (goal %sx: %s)\n' "$a" "$ratio" "$b" "$goal" "$ok"
	done
	unset t med
	stop_target "$pid"
	rm -f "$tmp/dump.bin"
done
[ "$compare" = 1 ] && exit 0
[ "$verdict" = 0 ] && echo "verdict: every goal met" || echo "verdict: some goal not met (see above)"
exit 0
