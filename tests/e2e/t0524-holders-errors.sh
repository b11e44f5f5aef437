#!/bin/bash
# classify --holders when there is no chain to give: a class name no
# loaded class has (one line saying so, no records, exit 2); a class
# loaded but with no instance (java.util.AbstractMap: abstract) gives its
# depth-0 record, count 0, a line saying nothing holds it, exit 0; a
# process that is not a JVM: "not a JVM", exit 2; usage errors (64).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

start_objleak -XX:+UseParallelGC
pid=$TARGET_PID
rc=0
classify --holders No.Such.Class --tsv "$pid" >out 2>err || rc=$?
expect_eq "unknown class: exit status" 2 "$rc"
expect_eq "unknown class: records" 0 "$(wc -l <out)"
grep -q "no class named 'No.Such.Class' is loaded" err || fail "unknown class: said: $(cat err)"
expect_eq "unknown class: lines on stderr" 1 "$(wc -l <err)"
rc=0
classify --holders java.util.AbstractMap --tsv "$pid" >out 2>err || rc=$?
expect_eq "no instance: exit status ($(cat err))" 0 "$rc"
expect_eq "no instance: records" "pid	depth	count	bytes	starttime	class
$pid	0	0	0	$(cut -d' ' -f22 "/proc/$pid/stat")	java.util.AbstractMap" "$(cat out)"
grep -q "no instance of java.util.AbstractMap" err || fail "no instance: said: $(cat err)"
no_attach "$pid"

start_target growleak 1000
rc=0
classify --holders Ctx --tsv "$TARGET_PID" >out 2>err || rc=$?
expect_eq "not a JVM: exit status" 2 "$rc"
grep -q "not a JVM" err || fail "not a JVM: said: $(cat err)"
for args in "--holders" "--holders Ctx --objects $pid" "--holders Ctx --chunks $pid"; do
	rc=0
	classify $args >out 2>err || rc=$?
	expect_eq "classify $args: exit status ($(cat err))" 64 "$rc"
done
