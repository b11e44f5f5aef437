#!/bin/bash
# classify --holders on a JVM busy allocating (ObjLeak's "churn" thread:
# young collections every few milliseconds), G1: live, each pass reads
# the heap of its moment: exit 0, or 1 with the reason said (a
# collection between passes, bytes not parsed), never a crash, and the
# Ctx instances counted exactly (old objects a young collection does not
# move); under --freeze, the whole chain as ObjLeak builds it.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"
. "$TOP/tests/e2e/holderslib.sh"

command -v java >/dev/null 2>&1 || skip "no java on this machine"
start_cmd "the JVM" java -Xmx256m -XX:+UseG1GC \
	"$TOP/corpus/targets/ObjLeak.java" "$NCTX" "$NMSG" churn
pid=$TARGET_PID
for i in 1 2; do
	rc=0
	classify --holders Ctx --tsv "$pid" >live.tsv 2>live.err || rc=$?
	case $rc in
	0) ;;
	1) grep -qE "a collection ran|not parsed|not read" live.err ||
		fail "live: exit 1 with no reason: $(cat live.err)" ;;
	*) fail "live: exit $rc: $(cat live.err)" ;;
	esac
	chain_has live.tsv 0 "$NCTX" Ctx
done
rc=0
classify --holders Ctx --freeze --tsv "$pid" >frozen.tsv 2>frozen.err || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "--freeze: exit $rc: $(cat frozen.err)"
grep -q "a collection ran" frozen.err && fail "--freeze: a collection during the freeze: $(cat frozen.err)"
chain_has frozen.tsv 0 "$NCTX" Ctx
chain_has frozen.tsv 1 "$NCTX" 'java.util.HashMap$Node'
chain_has frozen.tsv 2 1 '[Ljava.util.HashMap$Node;'
chain_has frozen.tsv 3 1 java.util.HashMap
chain_has frozen.tsv 4 1 Holder
chain_has frozen.tsv 5 1 'static ObjLeak.holder'
no_attach "$pid"
