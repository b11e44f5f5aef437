#!/bin/bash
# classify --objects offline: a freeze dump directory of the whole JVM
# (dump-region --mode freeze) and our core (dump-region --core) give the
# live histogram, class by class (G1 with CDS, the default JVM). The live
# walk before and after the captures must agree (up to 10 tries), so that
# the captures are of that heap.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_objleak
pid=$TARGET_PID
capture_jvm "$pid" classify --objects --tsv "$pid"
python3 "$TOP/tests/e2e/objects.py" own live.after "$NCTX" "$NMSG"
for src in jvm.dir jvm.core; do
	rc=0
	classify --objects --tsv "$TRASH/$src" >"$src.tsv" 2>"$src.err" || rc=$?
	expect_eq "$src: exit status ($(cat "$src.err"))" 0 "$rc"
	python3 "$TOP/tests/e2e/objects.py" same live.after "$src.tsv"
done
no_attach "$pid"
