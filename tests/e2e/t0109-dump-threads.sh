#!/bin/bash
# Threads that come and go, and a leader that is gone. Thread churn (a
# spawner of threads that live about 1 ms): ten freeze dumps and a core in
# a row finish, the target runs on untraced, gdb opens the core. A
# process whose main thread exited while others run: live, freeze and
# core dumps read its memory through a live thread.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target dumpme 8 2 churn
pid=$TARGET_PID
for i in $(seq 10); do
	timeout -s KILL 30 dump-region -q --mode freeze -o "c$i" "$pid" '[heap]' >/dev/null 2>err ||
		fail "freeze $i under churn: exit $?: $(cat err)"
	untraced "$pid"
	rm -rf "c$i"
done
timeout -s KILL 30 dump-region --core churn.core "$pid" >/dev/null 2>err ||
	fail "core under churn: exit $?: $(cat err)"
n=$(sed -n "s/.*core 'churn.core': \([0-9]*\) threads.*/\1/p" err)
[ -n "$n" ] && [ "$n" -ge 4 ] || fail "core under churn: $(cat err)"
untraced "$pid"
all_threads_in "$pid" SRD
if command -v gdb >/dev/null 2>&1; then
	gdb -nx -batch "$TARGETS/dumpme" churn.core -ex "info threads" </dev/null >gdb.out 2>&1
	expect_eq "threads in gdb" "$n" "$(grep -cE '^[* ] +[0-9]+ +(Thread|LWP) ' gdb.out)"
fi
rm -f churn.core

start_target threads 3 leader-exit
pid=$TARGET_PID
for _ in $(seq 500); do
	[ "$(awk '{print $3}' "/proc/$pid/task/$pid/stat" 2>/dev/null)" = Z ] && break
	sleep 0.01
done
[ "$(awk '{print $3}' "/proc/$pid/task/$pid/stat")" = Z ] || fail "the leader did not exit"
dump-region -q -o live "$pid" >/dev/null || fail "live dump, leader gone: exit $?"
dump-region -q --mode freeze -o frozen "$pid" >/dev/null || fail "freeze dump, leader gone: exit $?"
captured=$(awk -F'\t' 'NR > 1 && $25 != "-" {s += $8 - $27} END {print s}' live/regions.tsv)
[ "$captured" -gt 1000000 ] || fail "leader gone: only $captured bytes captured"
compare <(cut -f2,3,27 live/regions.tsv) <(cut -f2,3,27 frozen/regions.tsv)
dump-region -q --core lead.core "$pid" || fail "core, leader gone: exit $?"
untraced "$pid"
