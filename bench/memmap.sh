#!/bin/bash
# bench/memmap.sh: memmap against `pmap -X` and `cat /proc/PID/smaps`, and a
# study of memmap's smaps read size, on live targets, in one run.
#
#   bench/memmap.sh [--help]        (make bench runs it after make all)
#
# 1. Wall time of `memmap --tsv PID`, `pmap -X PID` and `cat /proc/PID/smaps`
#    (stdout to /dev/null) on manymaps (BENCH_MAPS mappings) and bigheap
#    (one BENCH_HEAP_MIB MiB fully resident region): BENCH_RUNS rounds after
#    one warm-up round, round robin (the order rotates every round), medians
#    and ratios. The same for memmap and cat writing into a pipe, as people
#    run them (`memmap PID | rank`): `sh -c 'CMD | cat >/dev/null'`, the
#    time until the reader has had it all (sh's start is in both).
# 2. Read-size study: for each size in BENCH_READ_SIZES, the time spent
#    inside read() on smaps (the time the kernel held the target's mm lock
#    for us) in all and in the longest read, as reported by `memmap -v
#    --read-size N` and as measured by build/bench/readtime (a bare read
#    loop into one reused buffer: the kernel's share alone). readtime with
#    131072-byte reads is what `cat` costs the target. The targets are
#    manymaps, bigheap, and (BENCH_WORST=1) worstheap: bigheap laid out so
#    that reads of 4 KiB or more make the kernel walk the big region twice.
# 3. A verdict against the goals: memmap at least 3x faster than pmap -X on
#    BENCH_MAPS mappings, and no slower than cat /proc/PID/smaps.
#
# Environment (defaults in brackets):
#   BENCH_RUNS [11]         measured rounds (a median of an odd count)
#   BENCH_MAPS [30000]      mappings in manymaps (vm.max_map_count permitting)
#   BENCH_HEAP_MIB [4096]   size of the big region; 1024 on a small machine
#   BENCH_READ_SIZES [1024 2048 2560 3072 4096 16384 131072]
#   BENCH_WORST [1]         0: skip the worstheap target
#   CC [cc]                 compiler for the helpers in bench/*.c
#   BENCH_BIN [bin]         the tools' directory
#   BENCH_BUILDS, BENCH_SAMPLES: compare builds (bench/compare.sh, see
#                           bench/lib.sh): only memmap --tsv and memmap --tsv
#                           | cat per build on manymaps and bigheap, no
#                           read-size study, no verdict
#
# Exit status: 0 measured (goals met or not: see the verdict), 2 could not
# measure (missing build, pmap, memory or map count), 64 usage.
set -euo pipefail

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

case ${1:-} in
-h | --help) usage; exit 0 ;;
"") ;;
*) echo "memmap.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
esac

export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
bench_builds
runs=${BENCH_RUNS:-11}
maps=${BENCH_MAPS:-30000}
heap_mib=${BENCH_HEAP_MIB:-4096}
read_sizes=${BENCH_READ_SIZES:-1024 2048 2560 3072 4096 16384 131072}
worst=${BENCH_WORST:-1}
cc=${CC:-cc}
memmap=$bin/memmap
# memmap's default smaps read size, as compiled in.
default_rs=$(sed -n 's/^#define FX_SMAPS_READ_SIZE \([0-9]*\).*/\1/p' "$top/libforensic/proc.h")
helpers=$top/build/bench

die() { echo "memmap.sh: $*" >&2; exit 2; }

for v in runs maps heap_mib worst; do
	case ${!v} in
	'' | *[!0-9]*) echo "memmap.sh: $v must be a number, not '${!v}'" >&2; exit 64 ;;
	esac
done
[ "$runs" -ge 1 ] || { echo "memmap.sh: BENCH_RUNS must be at least 1" >&2; exit 64; }
for s in $read_sizes; do
	case $s in
	'' | *[!0-9]*) echo "memmap.sh: bad read size '$s'" >&2; exit 64 ;;
	esac
done

# ---- preconditions ----------------------------------------------------------
for f in "$memmap" "$top/build/targets/manymaps" "$top/build/targets/bigheap"; do
	[ -x "$f" ] || die "$f is missing: run 'make all' first"
done
command -v pmap >/dev/null 2>&1 || die "pmap not found (Debian: apt-get install procps)"
max_map_count=$(cat /proc/sys/vm/max_map_count)
[ "$max_map_count" -gt $((maps + 200)) ] ||
	die "vm.max_map_count is $max_map_count: raise it above $((maps + 200)) or lower BENCH_MAPS"
avail_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
need_mib=$((heap_mib + maps * 4 / 1024 + 512))
[ "$avail_mib" -ge "$need_mib" ] ||
	die "$avail_mib MiB available, $need_mib MiB needed: set BENCH_HEAP_MIB lower (e.g. 1024)"

# Helpers: compiled when missing or older than their source.
mkdir -p "$helpers"
for h in timeit readtime worstheap; do
	if [ ! -x "$helpers/$h" ] || [ "$top/bench/$h.c" -nt "$helpers/$h" ]; then
		"$cc" -O2 -Wall -Wextra -o "$helpers/$h.tmp.$$" "$top/bench/$h.c" ||
			die "cannot compile bench/$h.c"
		mv -f "$helpers/$h.tmp.$$" "$helpers/$h"
	fi
done
timeit=$helpers/timeit
readtime=$helpers/readtime

# ---- targets: started here, killed by pid on any exit -------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-memmap.XXXXXX")
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

# start_target VAR PROGRAM ARGS...: run PROGRAM, wait for its readiness line
# (through a fifo, no sleeping), set VAR to its pid and READY to the line.
READY=""
start_target() {
	local var=$1 fifo="$tmp/ready.$1" pid
	shift
	mkfifo "$fifo"
	"$@" >"$fifo" 2>>"$tmp/targets.err" &
	pid=$!
	started="$started $pid"
	READY=""
	read -r READY <"$fifo" || true
	rm -f "$fifo"
	case $READY in
	"ready pid=$pid"*) ;;
	*) die "$* did not become ready: '$READY' $(cat "$tmp/targets.err")" ;;
	esac
	printf -v "$var" '%s' "$pid"
}

# stop_target PID: kill one target this script started, by its pid.
stop_target() {
	local p rest=""
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	for p in $started; do [ "$p" = "$1" ] || rest="$rest $p"; done
	started=$rest
}

# ---- small statistics ---------------------------------------------------------
# median V...: the median (mean of the middle two for an even count).
median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1}
		END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
# calc EXPR: floating-point arithmetic, printed with %.Nf through fmt.
calc() { awk "BEGIN {printf \"$1\n\", $2}"; }

# ---- header ---------------------------------------------------------------------
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '-')
if [ -n "$(git -C "$top" status --porcelain -- libforensic tools 2>/dev/null)" ]; then
	commit="$commit+local-changes"
fi
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo '-')
echo "memmap bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $commit, kernel $(uname -r),"
echo "  $(nproc) cpus ($cpu), THP $thp, $runs rounds after 1 warm-up, medians"

mm_pid="" bh_pid="" wh_pid=""
start_target mm_pid "$top/build/targets/manymaps" "$maps"
mm_ready=$READY
start_target bh_pid "$top/build/targets/bigheap" "$heap_mib"
bh_ready=$READY
mm_bytes=$(wc -c <"/proc/$mm_pid/smaps")
bh_bytes=$(wc -c <"/proc/$bh_pid/smaps")
echo "  manymaps: $(grep -c . "/proc/$mm_pid/maps") mappings, smaps $mm_bytes bytes  [$mm_ready]"
echo "  bigheap:  $heap_mib MiB resident region, smaps $bh_bytes bytes  [$bh_ready]"

# ---- builds compared: memmap alone, per build (bench/lib.sh) --------------
if [ "$compare" = 1 ]; then
	for pid in "$mm_pid" "$bh_pid"; do
		name=manymaps
		[ "$pid" = "$bh_pid" ] && name=bigheap
		for ((r = 0; r <= runs; r++)); do
			AB_WARMUP=$((r == 0))	# round 0 is not counted
			ab memmap "memmap --tsv $name" "$r" @BIN@/memmap --tsv "$pid"
			ab memmap "memmap --tsv | cat $name" "$r" bash -c \
				'set -o pipefail; "$1" --tsv "$2" | cat >/dev/null' sh @BIN@/memmap "$pid"
		done
	done
	exit 0
fi

# ---- 1. memmap, pmap -X, cat: round robin --------------------------------
declare -A wall user sys
tools=(memmap pmap cat memmap_pipe cat_pipe)
ntools=${#tools[@]}

# run_tool TOOL PID: time one run, append to wall/user/sys[TOOL:PID].
run_tool() {
	local key="$1:$2" w u s st
	case $1 in
	memmap) "$timeit" "$tmp/t" "$memmap" --tsv "$2" >/dev/null || true ;;
	pmap) "$timeit" "$tmp/t" pmap -X "$2" >/dev/null || true ;;
	cat) "$timeit" "$tmp/t" cat "/proc/$2/smaps" >/dev/null || true ;;
	memmap_pipe) "$timeit" "$tmp/t" sh -c '"$1" --tsv "$2" | cat >/dev/null' sh "$memmap" "$2" || true ;;
	cat_pipe) "$timeit" "$tmp/t" sh -c 'cat "/proc/$1/smaps" | cat >/dev/null' sh "$2" || true ;;
	esac
	read -r w u s st _ <"$tmp/t" || die "$1 on pid $2: no timing"
	[ "$st" = 0 ] || die "$1 on pid $2 failed (exit status $st)"
	wall[$key]="${wall[$key]:-} $w"
	user[$key]="${user[$key]:-} $u"
	sys[$key]="${sys[$key]:-} $s"
}

for pid in "$mm_pid" "$bh_pid"; do
	for ((r = 0; r <= runs; r++)); do
		for ((k = 0; k < ntools; k++)); do
			run_tool "${tools[(k + r) % ntools]}" "$pid"
		done
		if [ "$r" = 0 ]; then	# the warm-up round is not counted
			for t in "${tools[@]}"; do
				wall[$t:$pid]="" user[$t:$pid]="" sys[$t:$pid]=""
			done
		fi
	done
done

declare -A med
echo
echo "1. Wall time, median of $runs (ms; user+sys in brackets)"
printf '%-9s %-22s %-22s %-22s %11s %10s\n' target "memmap --tsv" "pmap -X" "cat smaps" pmap/memmap cat/memmap
for pid in "$mm_pid" "$bh_pid"; do
	name=manymaps
	[ "$pid" = "$bh_pid" ] && name=bigheap
	line=$(printf '%-9s' "$name")
	for t in "${tools[@]}"; do
		# shellcheck disable=SC2086 # lists of numbers, split on purpose
		med[$t:$pid]=$(median ${wall[$t:$pid]})
		case $t in *_pipe) continue ;; esac
		# shellcheck disable=SC2086 # lists of numbers, split on purpose
		{
			mu=$(median ${user[$t:$pid]})
			ms=$(median ${sys[$t:$pid]})
		}
		line="$line $(printf '%-22s' "$(calc '%.1f [%.0f+%.0f]' "${med[$t:$pid]} / 1e6, $mu / 1e6, $ms / 1e6")")"
	done
	printf '%s %10sx %9sx\n' "$line" \
		"$(calc '%.2f' "${med[pmap:$pid]} / ${med[memmap:$pid]}")" \
		"$(calc '%.2f' "${med[cat:$pid]} / ${med[memmap:$pid]}")"
done
echo "   into a pipe (sh -c 'CMD | cat >/dev/null'), wall ms:"
printf '%-9s %-22s %-22s %11s
' target "memmap --tsv | cat" "cat smaps | cat" cat/memmap
for pid in "$mm_pid" "$bh_pid"; do
	name=manymaps
	[ "$pid" = "$bh_pid" ] && name=bigheap
	printf '%-9s %-22s %-22s %10sx\n' "$name" \
		"$(calc '%.1f' "${med[memmap_pipe:$pid]} / 1e6")" \
		"$(calc '%.1f' "${med[cat_pipe:$pid]} / 1e6")" \
		"$(calc '%.2f' "${med[cat_pipe:$pid]} / ${med[memmap_pipe:$pid]}")"
done

# ---- 2. read sizes ---------------------------------------------------------------
declare -A mv_reads mv_total mv_max rt_total rt_max

# read_study NAME PID: BENCH_RUNS rounds over the read sizes, memmap -v and
# readtime at each; the order of sizes rotates every round.
read_study() {
	local name=$1 pid=$2 r i n s sizes line reads total max
	read -r -a sizes <<<"$read_sizes"
	n=${#sizes[@]}
	for ((r = 0; r < runs; r++)); do
		for ((i = 0; i < n; i++)); do
			s=${sizes[(i + r) % n]}
			"$memmap" -v --tsv --read-size "$s" "$pid" 2>"$tmp/v" >/dev/null ||
				die "memmap -v --read-size $s $pid failed: $(cat "$tmp/v")"
			line=$(sed -n 's/.* in \([0-9]*\) reads of .* lock \([0-9.]*\) ms in all, \([0-9.]*\) ms at most.*/\1 \2 \3/p' "$tmp/v")
			[ -n "$line" ] || die "cannot parse memmap -v output: $(cat "$tmp/v")"
			read -r reads total max <<<"$line"
			mv_reads[$name:$s]=$reads
			mv_total[$name:$s]="${mv_total[$name:$s]:-} $total"
			mv_max[$name:$s]="${mv_max[$name:$s]:-} $max"
			line=$("$readtime" "$s" "/proc/$pid/smaps") || die "readtime $s failed"
			total=${line#*total_ns=}; total=${total%% *}
			max=${line#*max_ns=}
			rt_total[$name:$s]="${rt_total[$name:$s]:-} $(calc '%.3f' "$total / 1e6")"
			rt_max[$name:$s]="${rt_max[$name:$s]:-} $(calc '%.3f' "$max / 1e6")"
		done
	done
}

declare -A best_total best_max cat_share
# read_report NAME TITLE: the table of one target; sets best_* and cat_share.
read_report() {
	local name=$1 s mt mx rt rx bt="" bx="" btv="" bxv="" walks
	echo
	echo "$2"
	printf '%9s %7s | %12s %12s | %12s %12s | %s\n' "read size" reads \
		"memmap total" "max" "readtime tot" "max" walks
	for s in $read_sizes; do
		# shellcheck disable=SC2086 # lists of numbers, split on purpose
		{
			mt=$(median ${mv_total[$name:$s]})
			mx=$(median ${mv_max[$name:$s]})
			rt=$(median ${rt_total[$name:$s]})
			rx=$(median ${rt_max[$name:$s]})
		}
		# For one dominant region, total/max counts its page-table walks.
		walks=-
		[ "$name" != manymaps ] && walks=$(calc '%.1f' "$rt / $rx")
		printf '%9s %7s | %9.2f ms %9.2f ms | %9.2f ms %9.2f ms | %s\n' \
			"$s" "${mv_reads[$name:$s]}" "$mt" "$mx" "$rt" "$rx" "$walks"
		if [ -z "$btv" ] || awk "BEGIN {exit !($mt < $btv)}"; then bt=$s btv=$mt; fi
		if [ -z "$bxv" ] || awk "BEGIN {exit !($mx < $bxv)}"; then bx=$s bxv=$mx; fi
		[ "$s" = 131072 ] && cat_share[$name]="$rt $rx"
	done
	best_total[$name]="$bt $btv"
	best_max[$name]="$bx $bxv"
	echo "  lowest memmap total: read size $bt ($btv ms); lowest longest read: $bx ($bxv ms)"
	if [ -n "${cat_share[$name]:-}" ]; then
		# shellcheck disable=SC2086
		set -- ${cat_share[$name]}
		echo "  cat's kernel share (readtime 131072, as cat reads): $(calc '%.2f ms in read(), longest %.2f ms' "$1, $2")"
	fi
}

read_study manymaps "$mm_pid"
read_study bigheap "$bh_pid"
echo
echo "2. Time inside read() on smaps = time the target's mm lock was held for us"
echo "   (ms, median of $runs). memmap -v: memmap's own figures (its helper thread"
echo "   reads into a reused ring while the main thread parses); readtime: a bare"
echo "   read loop into one reused buffer (the kernel's share alone). walks: readtime total"
echo "   / longest read; about 2 when the big region's page tables are walked twice."
read_report manymaps "manymaps ($maps mappings, $mm_bytes bytes of smaps)"
read_report bigheap "bigheap ($heap_mib MiB in one region, $bh_bytes bytes of smaps)"

stop_target "$bh_pid"
if [ "$worst" != 0 ]; then
	start_target wh_pid "$helpers/worstheap" "$heap_mib"
	wh_pads=$(echo "$READY" | sed -n 's/.* pads=\([0-9]*\).*/\1/p')
	read_study worstheap "$wh_pid"
	read_report worstheap "worstheap ($heap_mib MiB in one region after $wh_pads one-page pads: the record that overflows a 4 KiB fill)"
	stop_target "$wh_pid"
fi

# ---- 3. verdict -----------------------------------------------------------------
m_mm=${med[memmap:$mm_pid]} p_mm=${med[pmap:$mm_pid]} c_mm=${med[cat:$mm_pid]}
m_bh=${med[memmap:$bh_pid]} c_bh=${med[cat:$bh_pid]}
verdict() { awk "BEGIN {exit !($1)}" && echo met || echo MISSED; }
# shellcheck disable=SC2086
{
	mu=$(median ${user[memmap:$mm_pid]})
	msys=$(median ${sys[memmap:$mm_pid]})
}
in_read=- cat_kernel=-
if [ -n "${mv_total[manymaps:$default_rs]:-}" ]; then
	# shellcheck disable=SC2086
	in_read=$(median ${mv_total[manymaps:$default_rs]})
fi
if [ -n "${cat_share[manymaps]:-}" ]; then
	cat_kernel=$(calc '%.1f' "${cat_share[manymaps]%% *}")
fi

echo
echo "3. Verdict (this run, medians of $runs)"
printf '  %-62s %s\n' \
	"memmap >= 3x faster than pmap -X on $maps mappings:" \
	"$(verdict "$p_mm / $m_mm >= 3") ($(calc '%.2fx: memmap %.1f ms, pmap -X %.1f ms' "$p_mm / $m_mm, $m_mm / 1e6, $p_mm / 1e6"))"
printf '  %-62s %s\n' \
	"memmap no slower than cat /proc/PID/smaps, $maps mappings:" \
	"$(verdict "$m_mm <= $c_mm") ($(calc 'memmap %.1f ms = %.2fx cat %.1f ms' "$m_mm / 1e6, $m_mm / $c_mm, $c_mm / 1e6"))"
printf '  %-62s %s\n' \
	"memmap no slower than cat /proc/PID/smaps, $heap_mib MiB region:" \
	"$(verdict "$m_bh <= $c_bh") ($(calc 'memmap %.1f ms = %.2fx cat %.1f ms' "$m_bh / 1e6, $m_bh / $c_bh, $c_bh / 1e6"))"
mp_mm=${med[memmap_pipe:$mm_pid]} cp_mm=${med[cat_pipe:$mm_pid]}
printf '  %-62s %s\n' \
	"into a pipe, $maps mappings (memmap | cat vs cat smaps | cat):" \
	"$(verdict "$mp_mm <= $cp_mm") ($(calc 'memmap %.1f ms = %.2fx cat %.1f ms' "$mp_mm / 1e6, $mp_mm / $cp_mm, $cp_mm / 1e6"))"
echo "  where memmap's time goes on manymaps (medians, ms):"
echo "    wall $(calc '%.1f' "$m_mm / 1e6") = user $(calc '%.1f' "$mu / 1e6") + sys $(calc '%.1f' "$msys / 1e6") (+ exec, exit)"
echo "    inside read() (memmap -v, $default_rs-byte reads): $in_read (cat's kernel share, 128 KiB reads: $cat_kernel)"
if [ "$in_read" != - ]; then
	echo "    wall minus that: about $(calc '%.1f' "$m_mm / 1e6 - $in_read") (exec, thread start, hand-offs, the last piece, writing out, exit; parsing and formatting run alongside the reads)"
fi
for name in manymaps bigheap worstheap; do
	[ -n "${best_total[$name]:-}" ] || continue
	# shellcheck disable=SC2086
	set -- ${best_total[$name]} ${best_max[$name]}
	d=-
	# shellcheck disable=SC2086
	[ -n "${mv_total[$name:$default_rs]:-}" ] && d=$(median ${mv_total[$name:$default_rs]})
	echo "  read size, $name: lowest total at $1 ($2 ms), lowest longest read at $3 ($4 ms); default $default_rs: $d ms"
done
