#!/bin/bash
# classify --objects on a collector it cannot walk (ZGC, Shenandoah,
# Epsilon): one line "not supported for this collector", no records,
# exit 1. A collector this JDK lacks is left out, said.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

command -v java >/dev/null 2>&1 || skip "no java on this machine"
tried=0
for gc in ZGC ShenandoahGC EpsilonGC; do
	if ! java -XX:+UnlockExperimentalVMOptions -XX:+Use$gc -version \
		>/dev/null 2>&1; then
		echo "this JDK has no $gc: not tried"
		continue
	fi
	start_cmd "the JVM ($gc)" java -Xmx64m -Xlog:disable -XX:+UnlockExperimentalVMOptions \
		-XX:+Use$gc "$TOP/corpus/targets/ObjLeak.java" 100 100
	rc=0
	classify --objects --tsv "$TARGET_PID" >out 2>err || rc=$?
	expect_eq "$gc: exit status" 1 "$rc"
	expect_eq "$gc: records" 0 "$(wc -l <out)"
	expect_eq "$gc: lines on stderr" 1 "$(wc -l <err)"
	grep -q "not supported for this collector" err || fail "$gc: $(cat err)"
	no_attach "$TARGET_PID"
	kill -9 "$TARGET_PID"
	tried=$((tried + 1))
done
[ "$tried" -gt 0 ] || skip "this JDK has none of ZGC, Shenandoah, Epsilon"
