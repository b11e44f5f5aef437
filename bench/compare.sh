#!/bin/bash
# bench/compare.sh: the memmap, dump, scan and classify benchmarks of two
# builds in one run, on the same targets, interleaved, with medians and
# after/before ratios.
#
#   bench/compare.sh [-n RUNS] [-b BENCHES] [-o FILE] REV [REV2]
#   bench/compare.sh -r FILE      (the report of samples kept with -o)
#
# REV (before) and REV2 (after) are any git revisions; without REV2 the
# after is this working tree as it stands (built here with make all). Each
# revision is built in a temporary worktree (git worktree add --detach,
# under ${TMPDIR:-/tmp}; removed at exit, Ctrl-C and kill included). Then
# each bench in BENCHES (default "memmap dump scan classify") runs once
# with BENCH_BUILDS="before=DIR after=DIR" (see bench/lib.sh): on its
# targets, started once, every command of ours runs once per build in
# every round, the order of the builds alternating round by round (before
# after, after before, ...), so that the noise of a shared machine falls
# on both. The targets, helpers and bench scripts are this tree's; only
# the tools differ.
#
# Output: each bench's own lines, the load average before and after it,
# then per command the median wall time of each build (ms), with the
# fastest and slowest run in brackets, the ratio of the medians
# after/before (below 1: the after is faster) and the median of the
# rounds' own ratios (paired: steadier when the load comes and goes);
# dump-region --mode freeze's pause (ms, as the tool reports it) the same
# way. Then the same table of CPU time (user+system), which a shared
# machine's load moves much less than the wall time. A command a build cannot run (an option
# it lacks, a capture it cannot read) is reported as failed, with its exit
# status and first line of stderr; the others go on.
#
# Options:
#   -n RUNS      rounds per bench (default 7; memmap adds a warm-up round)
#   -b BENCHES   the benches to run, of: memmap dump scan classify
#   -o FILE      keep every run's sample (bench/lib.sh's BENCH_SAMPLES
#                lines) in FILE
#   -r FILE      build and run nothing: the report of FILE (from -o)
# The benches' own variables (BENCH_SIZES, BENCH_HEAP_MIB, BENCH_4G,
# BENCH_CHUNKS, BENCH_MAPS, BENCH_DIR...) pass through; see their --help.
#
# Exit status: 0 compared (whatever the figures), 2 a build or a bench
# failed, 64 usage.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

runs=7
benches="memmap dump scan classify"
keep="" from=""
while getopts hn:b:o:r: opt; do
	case $opt in
	h) usage; exit 0 ;;
	n) runs=$OPTARG ;;
	b) benches=$OPTARG ;;
	o) keep=$OPTARG ;;
	r) from=$OPTARG ;;
	*) echo "compare.sh: see --help" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
case ${1:-} in --help) usage; exit 0 ;; esac
if [ -n "$from" ]; then
	[ $# = 0 ] || { echo "compare.sh: -r FILE takes no revision" >&2; exit 64; }
elif [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "compare.sh: usage: bench/compare.sh [-n RUNS] [-b BENCHES] [-o FILE] REV [REV2]" >&2
	exit 64
fi
case $runs in '' | *[!0-9]* | 0) echo "compare.sh: -n wants a positive number, not '$runs'" >&2; exit 64 ;; esac
for b in $benches; do
	case $b in
	memmap | dump | scan | classify) ;;
	*) echo "compare.sh: unknown bench '$b' (memmap dump scan classify)" >&2; exit 64 ;;
	esac
done

export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
rev_a=${1:-} rev_b=${2:-}
die() { echo "compare.sh: $*" >&2; exit 2; }
commit_a="" commit_b=""
if [ -z "$from" ]; then
	commit_a=$(git -C "$top" rev-parse --verify --quiet "$rev_a^{commit}") ||
		{ echo "compare.sh: '$rev_a' is not a revision" >&2; exit 64; }
fi
if [ -n "$rev_b" ]; then
	commit_b=$(git -C "$top" rev-parse --verify --quiet "$rev_b^{commit}") ||
		{ echo "compare.sh: '$rev_b' is not a revision" >&2; exit 64; }
fi

# ---- scratch, worktrees and the running bench: gone on any exit ------------
tmpd=$(mktemp -d "${TMPDIR:-/tmp}/bench-compare.XXXXXX")
worktrees=()
child=""
cleanup() {
	local w
	trap - INT TERM
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	for w in "${worktrees[@]}"; do
		git -C "$top" worktree remove --force "$w" 2>/dev/null || true
	done
	git -C "$top" worktree prune 2>/dev/null || true
	rm -rf "$tmpd"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# report FILE COL: per command of FILE (BENCH_SAMPLES lines), each build's
# median [fastest slowest] in ms of column COL (4: wall, 7: CPU), the ratio of the medians after/before,
# and the median of the per-round ratios (the two runs of a round are
# next to each other in time, so a load that comes and goes weighs on
# both: the steadier figure on a busy machine); failures with their cause.
report() {
	awk -F'\t' -v col="$2" '
	function med(list,   a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)	# insertion sort: a handful of values
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		lo = a[1]; hi = a[n]
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		if ($col == "" || $col == "-") next	# a pause has no CPU time
		key = $1 "\t" $2
		if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
		v = ($2 ~ / pause$/) ? $4 : $col / 1e6
		i = ++nrun[key, $3]	# the round: the Nth run of this build
		if ($5 == 0) { ok[key, $3] = ok[key, $3] " " v; val[key, $3, i] = v }
		else { nfail[key, $3]++; if (!((key, $3) in why)) why[key, $3] = "exit " $5 ": " $6 }
	}
	function cell(key, l,   m) {
		if ((key, l) in ok) {
			m = med(ok[key, l])
			mv[l] = m
			return sprintf("%.1f [%.1f %.1f]%s", m, lo, hi,
				nfail[key, l] ? " +" nfail[key, l] " failed" : "")
		}
		mv[l] = ""
		return nfail[key, l] ? "failed" : "-"
	}
	function paired(key,   i, n, list) {
		n = 0; list = ""
		for (i = 1; i <= nrun[key, "before"]; i++)
			if ((key, "before", i) in val && (key, "after", i) in val &&
			    val[key, "before", i] > 0) {
				list = list " " val[key, "after", i] / val[key, "before", i]
				n++
			}
		return n ? sprintf("%.2f", med(list)) : "-"
	}
	END {
		printf "%-9s %-44s %-26s %-26s %7s %7s\n", "bench", "command", "before", "after", "ratio", "paired"
		for (k = 1; k <= nk; k++) {
			key = order[k]; split(key, f, "\t")
			a = cell(key, "before"); b = cell(key, "after")
			r = "-"
			if (mv["before"] != "" && mv["after"] != "" && mv["before"] > 0)
				r = sprintf("%.2f", mv["after"] / mv["before"])
			printf "%-9s %-44s %-26s %-26s %7s %7s\n", f[1], f[2], a, b, r, paired(key)
			for (l = 1; l <= 2; l++) {
				lab = l == 1 ? "before" : "after"
				if ((key, lab) in why)
					printf "%9s   %s failed %d of its runs: %s\n", "",
						lab, nfail[key, lab], why[key, lab]
			}
			if (f[2] ~ /^classify --chunks (PID|DIR)/) {
				kind = substr(f[2], 19, 3)
				for (l = 1; l <= 2; l++) {
					lab = l == 1 ? "before" : "after"
					if (mv[lab] != "") chunkwalk[kind, lab] = mv[lab]
				}
			}
		}
		for (l = 1; l <= 2; l++) {
			lab = l == 1 ? "before" : "after"
			if ((("DIR", lab) in chunkwalk) && (("PID", lab) in chunkwalk))
				printf "classify --chunks DIR / PID, %s: %.2f (medians of %s; goal: at most 1.5)\n",
					lab, chunkwalk["DIR", lab] / chunkwalk["PID", lab], col == 4 ? "wall" : "CPU"
		}
	}' "$1"
}

# report_both FILE: the wall times, then the CPU times.
report_both() {
	echo "-- wall time"
	report "$1" 4
	echo
	echo "-- CPU time (user+system, the command and its waited-for children)"
	report "$1" 7
}

if [ -n "$from" ]; then
	report_both "$from"
	exit 0
fi

# build REV DIR: REV checked out detached in DIR and built (make all).
build() {
	git -C "$top" worktree add --detach --quiet "$2" "$1" ||
		die "cannot add a worktree for $1"
	worktrees+=("$2")
	echo "compare.sh: building $1 in $2"
	make -C "$2" -j"$(nproc)" all >"$2.make.log" 2>&1 ||
		die "make all failed at $1: $(tail -5 "$2.make.log")"
}

# This tree is always built: its targets and helpers serve both builds.
echo "compare.sh: building this tree ($top)"
make -C "$top" -j"$(nproc)" all >"$tmpd/top.make.log" 2>&1 ||
	die "make all failed here: $(tail -5 "$tmpd/top.make.log")"
build "$commit_a" "$tmpd/before"
bin_a=$tmpd/before/bin
name_a="$rev_a ($(git -C "$top" rev-parse --short "$commit_a"))"
if [ -n "$commit_b" ]; then
	build "$commit_b" "$tmpd/after"
	bin_b=$tmpd/after/bin
	name_b="$rev_b ($(git -C "$top" rev-parse --short "$commit_b"))"
else
	bin_b=$top/bin
	name_b="working tree ($(git -C "$top" rev-parse --short HEAD)"
	[ -z "$(git -C "$top" status --porcelain -- libforensic tools Makefile)" ] ||
		name_b="$name_b+local changes"
	name_b="$name_b)"
fi

# ---- the benches ------------------------------------------------------------
samples=$tmpd/samples.tsv
: >"$samples"
loads=""
echo "compare: $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(nproc) cpus, $runs rounds"
echo "  before = $name_a"
echo "  after  = $name_b"
for b in $benches; do
	l0=$(cut -d' ' -f1-3 /proc/loadavg)
	echo
	echo "== bench/$b.sh (load $l0)"
	BENCH_BUILDS="before=$bin_a after=$bin_b" BENCH_SAMPLES=$samples \
		BENCH_RUNS=$runs "$top/bench/$b.sh" &
	child=$!
	st=0
	wait "$child" || st=$?
	child=""
	l1=$(cut -d' ' -f1-3 /proc/loadavg)
	loads="$loads$(printf '\n  %-9s load before %s, after %s' "$b" "$l0" "$l1")"
	[ "$st" = 0 ] || echo "compare.sh: bench/$b.sh failed (exit $st); its runs so far are below" >&2
	[ "$st" = 0 ] || failed=2
done
[ -z "$keep" ] || cp "$samples" "$keep"

# ---- the report -----------------------------------------------------------------
echo
echo "== before/after: medians of $runs rounds, ms [fastest slowest]; ratios after/before"
echo "   before = $name_a; after = $name_b"
echo "   load average (1, 5, 15 min):$loads"
report_both "$samples"
exit "${failed:-0}"
