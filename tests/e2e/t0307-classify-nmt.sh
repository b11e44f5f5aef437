#!/bin/bash
# classify --summary on a JVM with Native Memory Tracking on agrees with
# `jcmd PID VM.native_memory summary` for Java Heap, Class (class space),
# Metaspace, Code and Thread: reserved within 1%, committed within 10%
# (tests/e2e/jvm.py nmt: what NMT counts as mapped; its malloc'd part of
# each category lives in the glibc arenas, which we count as malloc).
# Threads come and go in a young JVM: up to 5 tries at a moment when two
# NMT reports around our reading agree.
. "$TOP/tests/e2e/lib.sh"

command -v jcmd >/dev/null || skip "no jcmd (the JDK's own report) on this machine"
command -v java >/dev/null || skip "no java on this machine"
start_cmd "the JVM" java -Xmx256m -XX:NativeMemoryTracking=summary \
	"$TOP/corpus/targets/Idle.java" 32
pid=$TARGET_PID
nmt() { jcmd "$pid" VM.native_memory summary | grep -v '^[0-9]*:$'; }
for try in 1 2 3 4 5; do
	nmt >nmt.txt
	classify --summary --tsv "$pid" >summary.tsv
	classify --tsv "$pid" >regions.tsv
	nmt >nmt2.txt
	# Only the figures compared must hold still (malloc counts move).
	grep -E 'Java Heap|Class \(|Code \(|Thread \(|stack:|Class space|Metadata' -A1 nmt.txt | grep -v malloc >a
	grep -E 'Java Heap|Class \(|Code \(|Thread \(|stack:|Class space|Metadata' -A1 nmt2.txt | grep -v malloc >b
	cmp -s a b && break
done
python3 "$TOP/tests/e2e/jvm.py" nmt nmt.txt summary.tsv regions.tsv ||
	fail "classify --summary and NMT disagree (see above)"
