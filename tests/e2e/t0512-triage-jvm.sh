#!/bin/bash
# triage on a JVM: objects.tsv is its Java heap's class histogram (the
# target's own classes exact), and report.md has a "Biggest Java classes"
# section: the biggest class by bytes, then a table of the ten biggest.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

start_objleak -XX:+UseG1GC
pid=$TARGET_PID
rc=0
"$TOP/scripts/triage" --no-dump -o case "$pid" 2>err || rc=$?
triage_live_ok "$rc" err || fail "triage: exit $rc: $(cat err)"
grep -q "^objects: classify --objects --tsv $pid@[0-9]* (exit 0)\$" case/log.txt ||
	fail "no objects step: $(cat case/log.txt)"
python3 "$TOP/tests/e2e/objects.py" own case/objects.tsv "$NCTX" "$NMSG"
big=$(tail -n +2 case/objects.tsv | sort -t$'\t' -k3,3nr | head -1 | cut -f5)
sed -n '/^## Biggest Java classes$/,/^## /p' case/report.md >section
grep -q "^\*\*\`$big\`\*\*: [0-9]* objects, " section || fail "biggest class $big not named: $(cat section)"
# The table: a header, ten classes (most bytes first, Ctx among them), a total.
expect_eq "table rows" 12 "$(sed -n '/^```$/,/^```$/p' section | grep -vc '^```$')"
grep -q " Ctx\$" section || fail "Ctx not among the ten biggest: $(cat section)"
grep -q "objects.tsv" case/report.md || fail "objects.tsv not in the file list of report.md"
