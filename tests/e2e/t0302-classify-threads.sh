#!/bin/bash
# 300 idle threads: 300 thread-stack regions, 301 --threads records whose
# tids are the kernel's task list; each thread's stack is the region its
# stack pointer (task/TID/syscall) is in. On a JVM: one record per task.
. "$TOP/tests/e2e/lib.sh"

start_target idlethreads 300
pid=$TARGET_PID
# The threads leave their barrier after the ready line: wait until every
# one sleeps (a thread on a CPU has no stack pointer to show).
for try in $(seq 500); do
	running=$(cat /proc/$pid/task/*/stat 2>/dev/null | awk '$3 != "S"' | wc -l)
	[ "$running" = 0 ] && break
	sleep 0.01
done
classify --tsv "$pid" >regions.tsv
n=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["class"]=="thread-stack"' regions.tsv | wc -l)
expect_eq "thread-stack regions" 300 "$n"
n=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["class"]=="guard" && $c["detail"] ~ /^guard of thread/' regions.tsv | wc -l)
expect_eq "thread stack guards" 300 "$n"
classify --threads --tsv "$pid" >threads.tsv
expect_eq "thread records" 301 "$(($(wc -l <threads.tsv) - 1))"
ls "/proc/$pid/task" | sort -n >expect
awk -F'\t' 'NR>1 {print $2}' threads.tsv | sort -n >actual
compare expect actual
# Every stack pointer the kernel shows lies in the record's stack.
awk -F'\t' 'NR>1 {print $2, $4, $5}' threads.tsv | while read -r tid lo hi; do
	sp=$(awk '{print $(NF-1)}' "/proc/$pid/task/$tid/syscall")
	[ $((sp)) -ge $((lo)) ] && [ $((sp)) -le $((hi)) ] ||
		fail "thread $tid: sp $sp outside $lo-$hi"
done
# Main thread: the [stack] region.
awk -F'\t' -v p="$pid" '$2==p' threads.tsv | grep -q . || fail "no main thread record"

command -v java >/dev/null || skip "no java for the JVM half (the C half passed)"
start_jvm 32
jpid=$TARGET_PID
for try in $(seq 10); do
	ls "/proc/$jpid/task" | sort -n >expect
	classify --threads --tsv "$jpid" | awk -F'\t' 'NR>1 {print $2}' | sort -n >actual
	ls "/proc/$jpid/task" | sort -n >expect2
	cmp -s expect expect2 && cmp -s expect actual && break
done
compare expect actual
