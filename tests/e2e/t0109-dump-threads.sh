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

# A thread that never blocks (spinstack's spinner) is "running" whenever
# /proc/TID/syscall is read after the thaw: process.json gives every
# thread the stack pointer of the freeze's registers, the capture's
# instant (it wrote null for a busy thread, so a dump directory named
# its stack by nobody), and classify names the thread's stack from the
# dump as it does live.
start_target spinstack
pid=$TARGET_PID
spinner=$(ready_value spinner)
dump-region -q --mode freeze -o spin "$pid" >/dev/null || fail "freeze dump of spinstack: exit $?"
python3 - spin/process.json "$spinner" <<'PY' || fail "process.json threads: $(cat spin/process.json)"
import json, sys
p = json.load(open(sys.argv[1]))
ts = {t['tid']: t for t in p['threads']}
assert int(sys.argv[2]) in ts, 'no spinner thread'
for t in ts.values():
	assert t['sp'] is not None, 'thread %d: sp null' % t['tid']
	assert 'regs' in t and int(t['sp'], 16) == int(t['regs'][7], 16), \
		'thread %d: sp %s, not its registers\' %s' % (t['tid'], t['sp'], t.get('regs', ['?'] * 8)[7])
PY
classify --tsv spin | keep class detail | grep -q "thread-stack	thread $spinner " ||
	fail "the spinner's stack not named from the dump: $(classify --tsv spin | keep class detail | grep stack)"
untraced "$pid"
