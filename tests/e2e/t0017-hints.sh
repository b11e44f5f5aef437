#!/bin/bash
# Issue 18 point 8, hints where a mistake was made: `scan PID` said
# "cannot open 'PID'" and exited 1 (partial) with nothing produced; now a
# usage error (64) saying how (memmap PID | scan). `dump-region PID heap`
# found nothing without a word of '[heap]'; now it asks "did you mean
# '[heap]'?" (a selector naming nothing still fails, exit 2, no dump).
. "$TOP/tests/e2e/lib.sh"

start_target growleak 100
pid=$TARGET_PID
rc=0; scan --strings "$pid" </dev/null >out 2>err || rc=$?
expect_eq "scan PID: exit status" 64 "$rc"
grep -q "^scan: '$pid' is a pid, not a dump or file: .*memmap $pid | scan" err ||
	fail "scan PID: $(cat err)"
[ ! -s out ] || fail "scan PID: output"
# A file named like a pid is still a file.
printf 'hello-from-a-file\n' >"$pid"
scan --strings "$pid" </dev/null | grep -q hello-from-a-file || fail "a file named $pid"
rm -f "$pid"

for name in heap stack vdso; do
	rc=0; dump-region -o d "$pid" "$name" >/dev/null 2>err || rc=$?
	expect_eq "dump-region PID $name: exit status" 2 "$rc"
	grep -qF "no region of process $pid matches '$name' (did you mean '[$name]'?)" err ||
		fail "dump-region PID $name: $(cat err)"
	[ ! -e d ] || fail "a dump directory"
done
rc=0; dump-region -o d "$pid" hepa >/dev/null 2>err || rc=$?
expect_eq "dump-region PID hepa: exit status" 2 "$rc"
grep -q "did you mean" err && fail "a hint for a name like none: $(cat err)"
dump-region -q -o d "$pid" '[heap]' >/dev/null || fail "dump-region PID [heap]"
