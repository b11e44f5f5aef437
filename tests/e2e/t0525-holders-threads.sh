#!/bin/bash
# classify --holders finds roots in Java threads' stacks: TimerLeak leaks
# 25 java.util.Timers, each with its TaskQueue and its thread "Timer-N",
# waiting on that queue (its frames hold it). The TaskQueues' holders:
# the 25 Timers and their 25 TimerThreads, and each thread Timer-0 to
# Timer-24 by name (the JVM's own names, as /proc's comm shows them).
. "$TOP/tests/e2e/lib.sh"

command -v java >/dev/null || skip "no java on this machine"
start_cmd "the JVM" java -Xmx256m -XX:+UseParallelGC "$TOP/corpus/targets/TimerLeak.java" 25
pid=$TARGET_PID
kill -USR2 "$pid"
for i in $(seq 500); do
	[ "$(grep -l '^Timer-' /proc/"$pid"/task/*/comm 2>/dev/null | wc -l)" -ge 25 ] && break
	sleep 0.02
done
sleep 0.5	# each thread reaches its wait
rc=0
classify --holders java.util.TaskQueue --tsv "$pid" >out.tsv 2>err || rc=$?
expect_eq "exit status ($(cat err))" 0 "$rc"
got() { awk -F'\t' -v c="$1" '$2 == 1 && $6 == c {print $3}' out.tsv; }
expect_eq "depth 0: TaskQueues" 25 "$(awk -F'\t' '$2 == 0 {print $3}' out.tsv)"
expect_eq "depth 1: Timers" 25 "$(got java.util.Timer)"
expect_eq "depth 1: TimerThreads" 25 "$(got java.util.TimerThread)"
for t in /proc/"$pid"/task/*; do
	n=$(cat "$t/comm")
	case $n in Timer-*) ;; *) continue ;; esac
	[ -n "$(got "thread $n")" ] || fail "no root 'thread $n' at depth 1: $(cat out.tsv)"
done
