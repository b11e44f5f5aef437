#!/bin/bash
# RELIABILITY T9: a target whose thread waits in epoll_wait and takes
# EINTR for a fatal error (a ptrace stop ends epoll_wait with EINTR).
# A live dump leaves it alone; a freeze dump, a core or a snapshot (whose
# stop for the fork is a freeze) refuses (exit 2, one
# line naming the thread), the target untouched; with --accept-eintr the
# freeze goes ahead, stderr and process.json say what it cost, and the
# target indeed saw the EINTR.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target epolled
pid=$TARGET_PID
heap=$(ready_value heap)
waiter=$(ready_value waiter)	# in epoll_wait when the line came

dump-region -q -o live "$pid" "$heap" >/dev/null || fail "live dump failed"
for args in "--mode freeze -o frozen" "--core out.core" "--mode snapshot -o snap"; do
	rc=0
	dump-region $args "$pid" "$heap" >/dev/null 2>err || rc=$?
	expect_eq "exit status ($args)" 2 "$rc"
	grep -q "cannot freeze pid $pid: 1 thread (thread $waiter...) waits in epoll_wait" err ||
		fail "$args: no clear refusal: $(cat err)"
	expect_eq "stderr lines ($args)" 2 "$(wc -l <err)"	# the plan, the refusal
	[ ! -e frozen ] && [ ! -e out.core ] && [ ! -e snap ] ||
		fail "$args: output left behind"
	expect_eq "tracers" "" "$(tracers "$pid")"
done
grep -q EINTR "$TRASH/target.err" && fail "the target saw EINTR without a freeze"
kill -0 "$pid" || fail "the target died"

dump-region --mode freeze --accept-eintr -o accepted "$pid" "$heap" >/dev/null 2>err ||
	fail "freeze with --accept-eintr failed: $(cat err)"
grep -q "1 thread in epoll_wait got EINTR from the freeze (--accept-eintr)" err ||
	fail "no report of the EINTR: $(cat err)"
grep -q '"consistency":"[^"]*EINTR' accepted/process.json ||
	fail "process.json says nothing of it: $(cat accepted/process.json)"
rc=0
wait "$pid" || rc=$?
expect_eq "the target's exit (it takes EINTR for fatal)" 3 "$rc"
grep -q "epolled: EINTR" "$TRASH/target.err" || fail "the target did not report EINTR"
