#!/bin/bash
# The record schema in one place (schema.c): rank sorts each kind by its
# own figure without --by (snapdiff's example `snapdiff a b | rank --where
# status=new` failed: delta records have no rss), and snapdiff keys every
# kind on pid where it has one (two processes' summaries compared with
# themselves summed both heaps under the first pid), and says so when the
# captures compared are of different processes.
. "$TOP/tests/e2e/lib.sh"

R=$TOP/corpus/records
# first_col FILE COL: COL of the first record.
first_col() {
	awk -F'\t' -v want="$2" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		NR==2 {print $c[want]}' "$1"
}
# ranked FILE COL: rank FILE (no --by) and check the records come by COL,
# biggest first.
ranked() {
	rank --tsv -n 0 "$1" >ranked.tsv || fail "rank $1: exit $?"
	awk -F'\t' -v want="$2" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i
			if (!(want in c)) exit 3; next}
		NR > 2 && $c[want] + 0 > prev + 0 {exit 4}
		{prev = $c[want]}' ranked.tsv ||
		fail "rank $1 is not by $2: $(head -5 ranked.tsv)"
}
ranked "$R/regions-1.tsv" rss
ranked "$R/chunks-1.tsv" inuse
ranked "$R/threads-1.tsv" stack_rss
ranked "$R/top-1.tsv" count
ranked "$R/summary-1.tsv" rss

# snapdiff's own example: deltas ranked by delta, filtered by status.
snapdiff --tsv "$R/chunks-1.tsv" "$R/chunks-2.tsv" >deltas.tsv
rc=0
rank --where status=grown deltas.tsv >grown.tsv 2>err || rc=$?
expect_eq "snapdiff | rank --where status=grown: exit" 0 "$rc"
[ "$(wc -l <grown.tsv)" -ge 2 ] || fail "no grown records: $(cat err)"
ranked deltas.tsv delta

# Two processes' summaries compared with themselves: each pid's heap
# stays its own (was: one heap of both, under the first pid).
awk -F'\t' 'NR==1 {print; next} {print} {$1 = 99999; print}' OFS='\t' \
	"$R/summary-1.tsv" >two.tsv
snapdiff --tsv --all two.tsv two.tsv >same.tsv 2>err
heap1=$(awk -F'\t' '$NF == "heap" {print $4}' "$R/summary-1.tsv")
n=$(awk -F'\t' 'NR > 1 && $4 == "same"' same.tsv | wc -l)
expect_eq "records unchanged" "$(($(wc -l <two.tsv) - 1))" "$n"
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["class"] == "heap" {print $c["pid"], $c["new"]}' same.tsv | sort >heaps
expect_eq "heaps" "14962 $heap1
99999 $heap1" "$(cat heaps)"

grep -q 'different processes' err && fail "same pids called different: $(cat err)"
snapdiff --tsv --all two.tsv two.tsv 2>err >/dev/null
[ ! -s err ] || fail "snapdiff of a capture with itself: $(cat err)"
# Captures of two different processes: said on stderr, records still
# compared (each pid's are new or gone).
awk -F'\t' 'NR==1 {print; next} {$1 = 99999; print}' OFS='\t' \
	"$R/summary-2.tsv" >other.tsv
rc=0
snapdiff --tsv "$R/summary-1.tsv" other.tsv >other.out 2>err || rc=$?
expect_eq "snapdiff of two processes: exit" 0 "$rc"
grep -qx "snapdiff: the captures are of different processes (old: pid 14962; new: pid 99999): .*" err ||
	fail "two processes compared without a word: $(cat err)"
expect_eq "their records: new or gone only" 0 \
	"$(tail -n +2 other.out | awk -F'\t' '$4 != "new" && $4 != "gone"' | wc -l)"

# A filter that matches nothing, on a terminal: the header and "0 records"
# (was: nothing at all, as if rank had not run).
script -qec "rank --where kind=nosuch $R/regions-1.tsv" /dev/null </dev/null >tty.out
grep -q "0 records" tty.out || fail "no '0 records' line: $(cat -v tty.out)"
grep -q "rss" tty.out || fail "no header: $(cat -v tty.out)"

# Records that are not regions, or lack the figure, are said to be so.
start_target dumpme
rc=0
memmap --rollup --tsv "$TARGET_PID" | dump-region -o roll >/dev/null 2>err || rc=$?
expect_eq "memmap --rollup | dump-region: exit" 2 "$rc"
grep -q "a rollup record" err || fail "no clear message: $(cat err)"
[ ! -e roll ] || fail "a dump directory was left for a rollup record"
# scan refuses it the same way (it scanned the whole address space: the
# machine code of every library as the top strings), nothing written.
msg="line 2: a rollup record (memmap --rollup: the totals of process $TARGET_PID), not a region: give region records (memmap PID)"
grep -qxF "dump-region: $msg" err || fail "dump-region's words: $(cat err)"
rc=0
memmap --rollup --tsv "$TARGET_PID" | scan --strings --top 3 >roll.out 2>err || rc=$?
expect_eq "memmap --rollup | scan --top: exit" 2 "$rc"
grep -qxF "scan: stdin: $msg" err || fail "scan: no clear message: $(cat err)"
[ ! -s roll.out ] || fail "scan of a rollup record wrote: $(head -3 roll.out)"
# After region records too: the input is refused, not half scanned.
rc=0
{ memmap --tsv "$TARGET_PID"; memmap --rollup --tsv "$TARGET_PID"; } |
	scan --strings --top 3 >roll.out 2>err || rc=$?
expect_eq "regions then a rollup | scan: exit" 2 "$rc"
grep -q "a rollup record" err || fail "scan: no clear message: $(cat err)"
rc=0
memmap --fast --tsv "$TARGET_PID" | rank -n 3 >fast.out 2>err || rc=$?
expect_eq "memmap --fast | rank: exit" 2 "$rc"
grep -q "no record has a value in column 'rss'" err || fail "no clear message: $(cat err)"
memmap --fast --tsv "$TARGET_PID" | rank -n 3 --by size --tsv >fast.out ||
	fail "memmap --fast | rank --by size failed"
expect_eq "records ranked by size" 4 "$(wc -l <fast.out)"
exit 0
