#!/bin/bash
# classify --holders under --freeze, and offline on a freeze dump
# directory (dump-region --mode freeze) and on our core (dump-region
# --core) of the JVM (G1 with CDS, the default): ObjLeak's chains, and
# the very records of the live walk. The live walk before and after the
# captures must agree (up to 10 tries), so that they are of that heap.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"
. "$TOP/tests/e2e/dumplib.sh"
. "$TOP/tests/e2e/holderslib.sh"

start_objleak
pid=$TARGET_PID
rc=0
classify --holders Ctx --freeze --tsv "$pid" >frozen.tsv 2>frozen.err || rc=$?
expect_eq "--freeze: exit status ($(cat frozen.err))" 0 "$rc"
grep -q "stopped for" frozen.err || fail "--freeze: no pause said: $(cat frozen.err)"
classify --holders Msg --freeze --tsv "$pid" >frozen-msg.tsv 2>/dev/null
objleak_chains frozen.tsv frozen-msg.tsv
capture_jvm "$pid" classify --holders Ctx --tsv "$pid"
for src in jvm.dir jvm.core; do
	rc=0
	classify --holders Ctx --tsv "$TRASH/$src" >"$src.tsv" 2>"$src.err" || rc=$?
	expect_eq "$src: exit status ($(cat "$src.err"))" 0 "$rc"
	classify --holders Msg --tsv "$TRASH/$src" >"$src-msg.tsv" 2>/dev/null
	objleak_chains "$src.tsv" "$src-msg.tsv"
	# Thread roots may differ (a stack word moved between captures):
	# the heap's records are the same (a core records no start time).
	grep -v "	thread " live.after | no_start >want
	grep -v "	thread " "$src.tsv" | no_start >got
	cmp -s want got || fail "$src: not the live records: $(diff want got)"
done
no_attach "$pid"
