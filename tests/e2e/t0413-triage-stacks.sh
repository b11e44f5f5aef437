#!/bin/bash
# triage's report groups the threads by identical call stacks, biggest
# group first: with --mode freeze (the user accepts stops) the registers
# are read in one and the groups are eu-stack's on the same idle target
# (its full stacks, frames joined innermost first); without, the target
# is never stopped and the report says how to get the stacks.
. "$TOP/tests/e2e/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "stacks are unwound on x86-64 only"
unset DEBUGINFOD_URLS
command -v eu-stack >/dev/null || skip "no eu-stack (Debian: elfutils)"
triage=$TOP/scripts/triage

start_target threads 5
pid=$TARGET_PID
"$triage" -o case --no-dump --mode freeze "$pid" 2>triage.err ||
	fail "triage --mode freeze failed: $(cat triage.err)"
sed -n '/^## Thread stacks/,/^## /p' case/report.md >got.md
grep -q '^## Thread stacks' got.md || fail "no thread stacks in the report"
sed -n '/^```$/,/^```$/p' got.md | grep -v '^```$' >got

# eu-stack's stacks of the same threads, grouped the same way.
eu-stack -p "$pid" >eu.out 2>eu.err || [ $? = 1 ] || fail "eu-stack: $(cat eu.err)"
awk '/^TID / {if (s != "") print s; s=""; next}
	/^#[0-9]/ {s = s (s == "" ? "" : " <- ") $3}
	END {if (s != "") print s}' eu.out | sort | uniq -c |
	awk '{n=$1; sub(/^ *[0-9]+ /, ""); printf "%d thread%s: %s\n", n, n == 1 ? "" : "s", $0}' |
	sort -t: -k1,1nr >want
# The biggest group first: the five workers.
head -1 got | grep -q '^5 threads: pause <- worker <- ' ||
	fail "biggest group: $(head -1 got)"
compare want got

# Without a stopping mode the target is never stopped: no stacks, a hint.
"$triage" -o case2 --no-dump "$pid" 2>triage2.err ||
	fail "triage failed: $(cat triage2.err)"
grep -q 'classify --threads --freeze' case2/report.md ||
	fail "no hint to get the stacks"
! grep -q '^## Thread stacks' case2/report.md ||
	fail "stacks without registers"
