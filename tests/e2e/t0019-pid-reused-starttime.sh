#!/bin/bash
# Issue 18 point 1: two different processes with the same pid (a service
# restarted in a container is pid 1 again) are told apart by the
# `starttime` column (stat field 22) that every record kind with a pid
# carries. snapdiff says the captures are of different processes (and
# still compares); a capture compared with itself is silent; dump-region
# and scan refuse records whose pid now names another process; a dump
# keeps the start time (regions.tsv, else process.json).
#
# The trick: in a new pid namespace the first process is pid 1, every time.
# Each capture runs as that pid 1 (a bash), our tools inside the same
# namespace, so two runs give two processes of one pid.
. "$TOP/tests/e2e/lib.sh"

command -v unshare >/dev/null || skip "no unshare"
unshare --pid --fork --mount-proc true 2>/dev/null ||
	skip "cannot make a pid namespace (not root?)"

# in_ns SCRIPT: run SCRIPT (bash) as pid 1 of a new pid namespace.
in_ns() {
	unshare --pid --fork --mount-proc bash -c "PATH='$BIN':\$PATH; set -e; $1"
}
capture() {
	in_ns "memmap --tsv 1 >regions-$1.tsv
		classify --summary --tsv 1 >summary-$1.tsv
		classify --threads --tsv 1 >threads-$1.tsv
		classify --chunks --tsv 1 >chunks-$1.tsv
		memmap --tsv 1 | rank -n 3 --tsv | scan --strings --tsv >hits-$1.tsv
		cut -d' ' -f22 /proc/1/stat >start-$1"
}
capture a
# Start times are clock ticks (10 ms): let one pass, or the two processes
# could share a start time.
t=$(cut -d' ' -f22 /proc/self/stat)
while [ "$(cut -d' ' -f22 /proc/self/stat)" = "$t" ]; do :; done
capture b
sa=$(cat start-a) sb=$(cat start-b)
[ "$sa" != "$sb" ] || fail "the two pid 1s started at the same tick $sa"

# Every kind with a pid has starttime, just before its free-text column,
# and every record the process's.
for k in regions:name summary:class threads:stack chunks:type hits:text; do
	f=${k%%:*}-a.tsv last=${k#*:}
	hdr=$(head -1 "$f")
	case $hdr in
	*"	starttime	$last"|*"	starttime	$last	"*) ;;
	*) fail "$f: no starttime before $last: $hdr" ;;
	esac
	c=$(col starttime <"$f")
	expect_eq "$f: starttime of every record" "$sa" \
		"$(tail -n +2 "$f" | cut -f"$c" | sort -u)"
	expect_eq "$f: pid" 1 "$(tail -n +2 "$f" | cut -f1 | sort -u)"
done

# snapdiff: the same pid, another start: said on stderr, still compared.
for k in regions summary threads chunks; do
	rc=0
	snapdiff --tsv --all "$k-a.tsv" "$k-b.tsv" >"$k.out" 2>err || rc=$?
	expect_eq "snapdiff $k: exit" 0 "$rc"
	grep -qx "snapdiff: the captures are of different processes: pid 1 started at $sa in the old capture, at $sb in the new (its pid was reused): .*" err ||
		fail "snapdiff $k: a reused pid compared without a word: $(cat err)"
	expect_eq "snapdiff $k: lines on stderr" 1 "$(wc -l <err)"
	[ "$(wc -l <"$k.out")" -ge 2 ] || fail "snapdiff $k: nothing compared"
	# A capture with itself: silent.
	snapdiff --tsv "$k-a.tsv" "$k-a.tsv" >/dev/null 2>err ||
		fail "snapdiff $k with itself: exit $?"
	[ ! -s err ] || fail "snapdiff $k with itself: $(cat err)"
done
# A capture saved without the column (before it was one) is not called
# another process: its start time is unknown.
c=$(col starttime <summary-b.tsv)
awk -F'\t' -v c="$c" -v OFS='\t' '{ s = ""; for (i = 1; i <= NF; i++)
	if (i != c) s = s (s == "" ? "" : OFS) $i; print s }' summary-b.tsv >old-b.tsv
snapdiff --tsv summary-a.tsv old-b.tsv >/dev/null 2>err || fail "snapdiff, one side old: exit $?"
[ ! -s err ] || fail "snapdiff with an unknown start time: $(cat err)"

# The records of process a, given to dump-region and scan while pid 1 is
# process b: refused, nothing of b read under a's records.
in_ns "rc=0; dump-region -q -o d <regions-a.tsv >dr.out 2>dr.err || rc=\$?
	echo \$rc >dr.rc
	rc=0; rank -n 3 --tsv regions-a.tsv | scan --strings --tsv >sc.out 2>sc.err || rc=\$?
	echo \$rc >sc.rc"
expect_eq "dump-region of a reused pid's records: exit" 2 "$(cat dr.rc)"
grep -qx "dump-region: process 1 is not the one meant: it did not start at $sa (that process exited; its pid was reused)" dr.err ||
	fail "dump-region: $(cat dr.err)"
[ ! -e d ] || fail "dump-region left a dump of another process"
[ "$(cat sc.rc)" != 0 ] || fail "scan of a reused pid's records: exit 0"
grep -q "cannot read pid 1: not the process of the records (it did not start at $sa: .*its pid was reused)" sc.err ||
	fail "scan: $(cat sc.err)"
[ "$(wc -l <sc.out)" -le 1 ] || fail "scan read another process: $(head -3 sc.out)"

# A dump keeps the start time: its regions.tsv (records without the column
# get the live process's), and classify and scan of the dump give it; a
# regions.tsv without the column falls back to process.json's.
in_ns "cut -d' ' -f22 /proc/1/stat >start-c
	memmap --tsv 1 | rank -n 3 --tsv | cut -f1-23,25 | dump-region -q -o dc >dc.out"
sc=$(cat start-c)
c=$(col starttime <dc/regions.tsv)
[ -n "$c" ] || fail "regions.tsv has no starttime: $(head -1 dc/regions.tsv)"
expect_eq "regions.tsv starttime" "$sc" "$(tail -n +2 dc/regions.tsv | cut -f"$c" | sort -u)"
expect_eq "dump-region's records: starttime" "$sc" "$(tail -n +2 dc.out | cut -f"$c" | sort -u)"
classify --summary --tsv dc >dsum.tsv || fail "classify of the dump: exit $?"
expect_eq "classify of a dump: starttime" "$sc" \
	"$(tail -n +2 dsum.tsv | cut -f"$(col starttime <dsum.tsv)" | sort -u)"
scan --strings --tsv dc >dhits.tsv || fail "scan of the dump: exit $?"
expect_eq "scan of a dump: starttime" "$sc" \
	"$(tail -n +2 dhits.tsv | cut -f"$(col starttime <dhits.tsv)" | sort -u)"
awk -F'\t' -v c="$c" -v OFS='\t' '{ s = ""; for (i = 1; i <= NF; i++)
	if (i != c) s = s (s == "" ? "" : OFS) $i; print s }' dc/regions.tsv >r.tsv
mv r.tsv dc/regions.tsv
classify --summary --tsv dc >dsum2.tsv || fail "classify of the dump without the column: exit $?"
expect_eq "classify of a dump, from process.json: starttime" "$sc" \
	"$(tail -n +2 dsum2.tsv | cut -f"$(col starttime <dsum2.tsv)" | sort -u)"
exit 0
