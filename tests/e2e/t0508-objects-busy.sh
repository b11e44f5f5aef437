#!/bin/bash
# classify --objects on a live JVM busy allocating (ObjLeak churn: young
# collections every few milliseconds) under G1, Parallel and Serial,
# five walks each: never a crash; the long-lived classes (Ctx, Msg,
# Holder) exact; what the collector moved under the walk is said on
# stderr ("not parsed", exit 1), never counted.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

command -v java >/dev/null 2>&1 || skip "no java on this machine"
for gc in G1 Parallel Serial; do
	start_cmd "the JVM ($gc, churn)" java -Xmx256m -XX:+Use${gc}GC \
		"$TOP/corpus/targets/ObjLeak.java" "$NCTX" "$NMSG" churn
	for i in 1 2 3 4 5; do
		rc=0
		classify --objects --tsv "$TARGET_PID" >ours.tsv 2>ours.err || rc=$?
		case $rc in
		0) ;;
		1) grep -q "not parsed" ours.err || fail "$gc: exit 1 unexplained: $(cat ours.err)" ;;
		*) fail "$gc: exit $rc: $(cat ours.err)" ;;
		esac
		python3 "$TOP/tests/e2e/objects.py" own ours.tsv "$NCTX" "$NMSG"
	done
	no_attach "$TARGET_PID"
	kill -9 "$TARGET_PID"
done
