#!/bin/bash
# PID@STARTTIME pins a pid to the process meant (RELIABILITY D10, T35):
# memmap, classify and dump-region read the process that started then, and
# refuse, with one line and nothing read, a pid that names another process
# now (the runbooks pass it, so a reused pid is never read or dumped).
. "$TOP/tests/e2e/lib.sh"

start_target dumpme
pid=$TARGET_PID
# Field 22 of stat, counted after the last ')' (comm may hold one).
st=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $20}')
[ -n "$st" ] || fail "no start time for $pid"
wrong=$((st + 1))

memmap --tsv "$pid@$st" >m.tsv || fail "memmap $pid@$st: exit $?"
[ "$(wc -l <m.tsv)" -gt 5 ] || fail "memmap $pid@$st: $(cat m.tsv)"
classify --summary --tsv "$pid@$st" >s.tsv || fail "classify $pid@$st: exit $?"
dump-region -q -o ok "$pid@$st" '[heap]' >d.tsv || fail "dump-region $pid@$st: exit $?"
[ -s ok/regions.tsv ] || fail "no dump of $pid@$st"

for cmd in "memmap --tsv" "classify --tsv" "dump-region -q -o no"; do
	rc=0
	$cmd "$pid@$wrong" >out 2>err || rc=$?
	expect_eq "$cmd $pid@$wrong: exit" 2 "$rc"
	grep -q "process $pid is not the one meant: it did not start at $wrong" err ||
		fail "$cmd: no clear message: $(cat err)"
	expect_eq "$cmd: stderr lines" 1 "$(wc -l <err)"
	if grep -qv '^pid' out; then
		fail "$cmd $pid@$wrong wrote records: $(head -3 out)"
	fi
done
[ ! -e no ] || fail "dump-region left a directory for a process not meant"

for bad in "$pid@" "@$st" "$pid@x" "$pid@0" "x@1"; do
	rc=0
	memmap "$bad" >/dev/null 2>err || rc=$?
	expect_eq "memmap '$bad': exit" 64 "$rc"
done
exit 0
