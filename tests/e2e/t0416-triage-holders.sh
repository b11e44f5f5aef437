#!/bin/bash
# triage on a JVM: holders.tsv is the holders chain of the biggest class
# of the application (ObjLeak's Ctx: bigger than Msg and Holder; the
# JDK's [J, HashMap$Node, [B... are bigger still and passed over), as
# ObjLeak builds it, and report.md says it in a "Who holds" section: the
# chain on one line, then its table.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"
. "$TOP/tests/e2e/holderslib.sh"

start_objleak -XX:+UseParallelGC
pid=$TARGET_PID
rc=0
"$TOP/scripts/triage" --no-dump -o case "$pid" 2>err || rc=$?
triage_live_ok "$rc" err || fail "triage: exit $rc: $(cat err)"
grep -q "^holders: classify --holders Ctx --tsv $pid@[0-9]* (exit 0)\$" case/log.txt ||
	fail "no holders step on Ctx: $(cat case/log.txt)"
chain_has case/holders.tsv 0 "$NCTX" Ctx
chain_has case/holders.tsv 1 "$NCTX" 'java.util.HashMap$Node'
chain_has case/holders.tsv 2 1 '[Ljava.util.HashMap$Node;'
chain_has case/holders.tsv 3 1 java.util.HashMap
chain_has case/holders.tsv 4 1 Holder
chain_has case/holders.tsv 5 1 'static ObjLeak.holder'
sed -n '/^## Who holds `Ctx`$/,/^## /p' case/report.md >section
# The stack scan is conservative (classify(1)): a slot a frame of main
# no longer uses may still hold one HashMap$Node, a "thread main" root
# beside the table at depth 2 (seen in CI). Such roots are left out of
# the chain compared, and kept in the section.
sed -e 's/, `thread [^`]*` ([0-9]*)//g' -e 's/`thread [^`]*` ([0-9]*), //g' section >chain
[ -s section ] || fail "no 'Who holds' section: $(cat case/report.md)"
grep -qF "\`Ctx\` ($NCTX) <- \`java.util.HashMap\$Node\` ($NCTX) <- \`[Ljava.util.HashMap\$Node;\` (1) <- \`java.util.HashMap\` (1) <- \`Holder\` (1)" chain ||
	fail "the chain not said: $(cat section)"
grep -q 'static ObjLeak.holder' section || fail "the owner not said: $(cat section)"
grep -q "holders.tsv" case/report.md || fail "holders.tsv not in the file list of report.md"
no_attach "$pid"
