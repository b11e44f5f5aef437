#!/bin/bash
# dump-region SIGKILLed at random points of a freeze dump, many times: the
# kernel lets every tracee go, so each time the target is alive, in its
# earlier state (running, or stopped when it was stopped before),
# untraced, and its RSS unchanged. DUMP_KILL_ROUNDS (default 30).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

rounds=${DUMP_KILL_ROUNDS:-30}
start_target dumpme 128 8
pid=$TARGET_PID
rss0=$(rss_kb "$pid")
grep -E '^[0-9a-f]+-|^Rss' "/proc/$pid/smaps" >smaps.0
RANDOM=$$
killed_frozen=0
for r in $(seq "$rounds"); do
	stopped=$((r % 3 == 0))
	if [ "$stopped" = 1 ]; then
		kill -STOP "$pid"
		wait_state "$pid" T
	fi
	dump-region -q --mode freeze -o "d$r" "$pid" >/dev/null 2>&1 &
	dpid=$!
	# 0 to ~400 ms: before, during and after the seize, mid copy.
	sleep "0.$(printf '%03d' $((RANDOM % 400)))"
	[ -n "$(tracers "$pid")" ] && killed_frozen=$((killed_frozen + 1))
	kill -KILL "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	kill -0 "$pid" || fail "round $r: the target died"
	untraced "$pid"
	if [ "$stopped" = 1 ]; then
		all_threads_in "$pid" T
		kill -CONT "$pid"
		wait_state "$pid" S
	fi
	all_threads_in "$pid" SR
	if [ "$(rss_kb "$pid")" != "$rss0" ]; then
		# Which region grew, for the record.
		grep -E '^[0-9a-f]+-|^Rss' "/proc/$pid/smaps" >smaps.1
		diff smaps.0 smaps.1 >&2 || true
		fail "round $r: rss $(rss_kb "$pid") kB, was $rss0 kB"
	fi
	rm -rf "d$r"
done
echo "$rounds rounds, $killed_frozen killed while the target was traced"
[ "$killed_frozen" -ge $((rounds / 6)) ] ||
	fail "only $killed_frozen of $rounds kills hit a freeze: the test missed its point"
