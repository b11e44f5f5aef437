#!/bin/bash
# RELIABILITY T13: a target stuck in vfork (its child neither execs nor
# exits: the parent sleeps uninterruptibly, state D, and cannot be
# stopped). A freeze dump or core refuses before seizing anything (a
# seized thread would stop when the vfork ends, whoever still traces it),
# with one line naming the thread, exit 2, nothing left behind; it neither
# hangs nor leaves the target traced; a live dump works.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target vforker
pid=$TARGET_PID
child_of "$pid" "vfork child"	# killed first, by pid
wait_state "$pid" D

for mode in freeze core; do
	if [ "$mode" = core ]; then args=(--core out.core); else args=(--mode freeze -o out); fi
	start=$(date +%s%N)
	rc=0
	timeout 20 dump-region "${args[@]}" "$pid" >/dev/null 2>err || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	expect_eq "exit status ($mode)" 2 "$rc"
	grep -q "cannot freeze pid $pid: thread $pid waits in vfork for its child" err ||
		fail "$mode: no clear message: $(cat err)"
	[ "$ms" -lt 2000 ] || fail "$mode: gave up after $ms ms"
	[ ! -e out ] && [ ! -e out.core ] || fail "$mode: output left behind"
	expect_eq "tracers after $mode" "" "$(tracers "$pid")"
	expect_eq "state after $mode" D "$(awk '{print $3}' "/proc/$pid/stat")"
done
dump-region -q -o live "$pid" "$(ready_value heap)" >/dev/null || fail "live dump failed"
python3 -c 'import sys; sys.exit(b"V" * 1048576 not in open(sys.argv[1], "rb").read())' \
	live/"$pid"-*.bin || fail "live dump: the target's 1 MiB of 'V' is not in it"
