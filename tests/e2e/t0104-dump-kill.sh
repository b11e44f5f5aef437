#!/bin/bash
# dump-region SIGKILLed at random points of a freeze dump, many times: the
# kernel lets every tracee go, so each time the target is alive, in its
# earlier state (running, or stopped when it was stopped before),
# untraced, and its RSS unchanged. DUMP_KILL_ROUNDS (default 30).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

rounds=${DUMP_KILL_ROUNDS:-30}
start_target dumpme 256 8
pid=$TARGET_PID
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
	if [ $((r % 2)) = 0 ]; then
		# Anywhere from the start: before, at and during the seize.
		sleep "0.$(printf '%03d' $((RANDOM % 150)))"
	else
		# Once the freeze has begun, at a random point of the copy.
		for i in $(seq 400); do
			[ -n "$(tracers "$pid")" ] && break
			sleep 0.002
		done
		sleep "0.0$(printf '%02d' $((RANDOM % 30)))"
	fi
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
	# Each region's Rss from smaps (an exact page-table walk): the
	# rollup total moves by a page now and then on this machine with
	# nobody touching the target (kdamond runs), each region's does not.
	grep -E '^[0-9a-f]+-|^Rss' "/proc/$pid/smaps" >smaps.1
	if ! cmp -s smaps.0 smaps.1; then
		diff smaps.0 smaps.1 >&2 || true
		fail "round $r: a region's Rss changed"
	fi
	rm -rf "d$r"
done
echo "$rounds rounds, $killed_frozen killed while the target was traced"
[ "$killed_frozen" -ge $((rounds / 6)) ] ||
	fail "only $killed_frozen of $rounds kills hit a freeze: the test missed its point"
