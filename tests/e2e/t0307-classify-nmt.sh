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
# check_nmt FLAGS...: one JVM with NMT and FLAGS, compared.
check_nmt() {
	start_cmd "the JVM ($*)" java -Xmx256m -XX:NativeMemoryTracking=summary \
		"$@" "$TOP/corpus/targets/Idle.java" 32
	pid=$TARGET_PID
	for try in 1 2 3 4 5; do
		nmt >nmt.txt
		summary "$pid" >summary.tsv
		classify --tsv "$pid" >regions.tsv
		nmt >nmt2.txt
		# Only the figures compared must hold still.
		held nmt.txt >a
		held nmt2.txt >b
		cmp -s a b && break
	done
	echo "JVM flags: -Xmx256m $*"
	python3 "$TOP/tests/e2e/jvm.py" nmt nmt.txt summary.tsv regions.tsv ||
		fail "classify --summary and NMT disagree (flags: $*; see above)"
	kill -9 "$pid"
}
nmt() { jcmd "$pid" VM.native_memory summary | grep -v '^[0-9]*:$'; }
held() {
	grep -E 'Java Heap|Class \(|Code \(|Thread \(|stack:|Class space|Metadata' -A1 "$1" |
		grep -v malloc
}
# The default (G1, CDS archive mapped), then no archive and another
# collector: class space found without the archive to lean on.
check_nmt
check_nmt -Xshare:off -XX:+UseParallelGC
