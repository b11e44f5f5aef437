#!/bin/bash
# triage and dump-on take --mode snapshot (issue 15) and pass it to
# dump-region: the case's dump says mode snapshot, the target keeps no
# child; a mode they do not know is a usage error.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

[ "$(uname -m)" = x86_64 ] || skip "snapshot mode is x86-64 only"
start_target genwriter 16 1 "$PWD/report"
pid=$TARGET_PID

"$TOP/scripts/triage" --mode snapshot -o case "$pid" 2>triage.err ||
	fail "triage: $(cat triage.err)"
grep -q '"mode":"snapshot"' case/dump/process.json ||
	fail "triage's dump is not a snapshot: $(grep -o '"mode":"[a-z]*"' case/dump/process.json)"
"$TOP/scripts/dump-on" --rss 1 --mode snapshot -o on "$pid" >/dev/null 2>on.err ||
	fail "dump-on: $(cat on.err)"
grep -q '"mode":"snapshot"' on/dump/process.json ||
	fail "dump-on's dump is not a snapshot"
let_go "$pid" "the runbooks"
for s in triage dump-on; do
	rc=0
	"$TOP/scripts/$s" --mode sometimes --rss 1 "$pid" >/dev/null 2>err || rc=$?
	expect_eq "$s --mode sometimes: exit status" 64 "$rc"
	grep -q "mode is live, freeze or snapshot" err || fail "$s: $(cat err)"
done
