#!/bin/bash
# dump-region's bytes of [heap] equal gdb's `dump memory` of the same
# range, for a live dump of a stopped target and a freeze dump of a
# running one; the target's RSS does not grow, and the canary string the
# target put on its heap is where it said.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"
command -v gdb >/dev/null 2>&1 || skip "no gdb on this machine"

start_target dumpme 16 2
pid=$TARGET_PID
canary=$(ready_value canary)

# gdb_dump START END FILE: gdb's own copy of [START, END).
gdb_dump() {
	gdb -nx -batch -p "$pid" -ex "dump memory $3 $1 $2" </dev/null \
		>gdb.log 2>&1 || fail "gdb dump memory failed: $(tail -3 gdb.log)"
	[ -s "$3" ] || fail "gdb wrote no $3: $(tail -3 gdb.log)"
}

# 1. Freeze dump of the running target, then gdb (the target is idle).
rss0=$(rss_kb "$pid")
dump-region -q --mode freeze -o freeze "$pid" '[heap]' >out1.tsv
expect_eq "rss after the freeze dump (kB)" "$rss0" "$(rss_kb "$pid")"
all_threads_in "$pid" SR
untraced "$pid"
start=$(field freeze/regions.tsv start)
end=$(field freeze/regions.tsv end)
file=$(field freeze/regions.tsv file)
[ -f "freeze/$file" ] || fail "no region file '$file'"

# 2. Live dump of the stopped target.
kill -STOP "$pid"
wait_state "$pid" T
dump-region -q -o live "$pid" '[heap]' >out2.tsv
expect_eq "rss after the live dump (kB)" "$rss0" "$(rss_kb "$pid")"
all_threads_in "$pid" T

# gdb last: it reads absent pages too (zeros), faulting them in.
gdb_dump "$start" "$end" gdb.bin
cmp "gdb.bin" "freeze/$file" || fail "freeze dump differs from gdb's dump memory"
cmp "gdb.bin" "live/$(field live/regions.tsv file)" ||
	fail "live dump differs from gdb's dump memory"

# The canary: at its address, in our file.
off=$(( canary - start ))
got=$(dd if="freeze/$file" bs=1 skip="$off" count=40 2>/dev/null | tr -d '\0')
expect_eq "canary in the dump" "memforensic-canary-$pid" "$got"
echo "heap $start-$end: $(stat -c %s gdb.bin) bytes equal to gdb's"
