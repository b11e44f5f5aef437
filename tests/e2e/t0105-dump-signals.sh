#!/bin/bash
# SIGINT or SIGTERM in the middle of a freeze dump: dump-region lets the
# target go at once (running again, untraced), says so, exits 1 (partial)
# and leaves an index of what it captured, marked interrupted. The same
# for --max-pause: the freeze is bounded.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target dumpme 512 4
pid=$TARGET_PID
rss0=$(rss_kb "$pid")

for sig in INT TERM; do
	dump-region --mode freeze -o "d$sig" "$pid" >/dev/null 2>"err$sig" &
	dpid=$!
	for i in $(seq 1000); do
		[ -n "$(tracers "$pid")" ] && break
		sleep 0.005
	done
	[ -n "$(tracers "$pid")" ] || fail "SIG$sig: the freeze never began"
	kill -"$sig" "$dpid"
	rc=0
	wait "$dpid" || rc=$?
	expect_eq "SIG$sig: exit status" 1 "$rc"
	untraced "$pid"
	all_threads_in "$pid" SR
	grep -q "the dump stopped early, the target was let go" "err$sig" ||
		fail "SIG$sig: no message: $(cat "err$sig")"
	grep -q "stopped for [0-9.]* ms" "err$sig" || fail "SIG$sig: no pause reported"
	grep -q '"interrupted":true' "d$sig/process.json" || fail "SIG$sig: not marked interrupted"
	[ -s "d$sig/regions.tsv" ] || fail "SIG$sig: no index"
done

# --max-pause 1 on a dump that takes longer (1 GiB to disk): let go at 1 s.
rm -rf dINT dTERM
start_target dumpme 1536 2
pid2=$TARGET_PID
rc=0
dump-region --mode freeze --max-pause 1 -o slow "$pid2" >/dev/null 2>errslow || rc=$?
if grep -q "max-pause reached" errslow; then
	expect_eq "--max-pause: exit status" 1 "$rc"
	ms=$(sed -n 's/.*stopped for \([0-9]*\)\.[0-9] ms.*/\1/p' errslow)
	[ -n "$ms" ] && [ "$ms" -lt 1500 ] || fail "--max-pause 1: stopped for $ms ms"
else
	# A machine that copies 1.5 GiB in under a second: nothing to bound.
	expect_eq "fast copy: exit status" 0 "$rc"
fi
untraced "$pid2"
all_threads_in "$pid2" SR
expect_eq "rss (kB)" "$rss0" "$(rss_kb "$pid")"
