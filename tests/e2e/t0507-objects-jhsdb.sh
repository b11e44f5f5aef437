#!/bin/bash
# classify --objects against the JDK's serviceability agent, which also
# reads the JVM from outside (jhsdb jmap --histo: ptrace, no attach
# listener): on the default JVM (G1 with CDS, default TLABs) every class's
# count and bytes equal, with the TLABs' unfilled parts skipped and the
# archived heap regions walked alike. jhsdb takes about 20 s.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

command -v jhsdb >/dev/null 2>&1 || skip "no jhsdb on this machine"
start_objleak
pid=$TARGET_PID
rc=0
classify --objects --tsv "$pid" >ours.tsv 2>ours.err || rc=$?
expect_eq "classify --objects exit status ($(cat ours.err))" 0 "$rc"
python3 "$TOP/tests/e2e/objects.py" own ours.tsv "$NCTX" "$NMSG"
no_attach "$pid"
jhsdb jmap --histo --pid "$pid" >jhsdb.txt 2>jhsdb.err ||
	fail "jhsdb: $(tail -3 jhsdb.err)"
grep -q "Total" jhsdb.txt || fail "jhsdb printed no histogram: $(tail -3 jhsdb.err)"
python3 "$TOP/tests/e2e/objects.py" jhsdb ours.tsv jhsdb.txt
