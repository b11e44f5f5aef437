#!/bin/bash
# A target corrupts its own heap metadata, one way per run: classify
# --chunks reports 'corrupt at ADDR' (ADDR from the target's report),
# exits 1, and finishes within a second; the target lives on.
. "$TOP/tests/e2e/lib.sh"

for mode in size0 sizehuge misaligned prevsize tcache-loop tcache-wild \
	fastbin-loop top-huge arena-next arena-self ar-ptr; do
	start_target corrupt "$mode"
	pid=$TARGET_PID
	addr=$(ready_value addr)
	t0=$(date +%s%N)
	rc=0
	timeout -s KILL 10 classify --chunks --tsv "$pid" >"$mode.tsv" 2>"$mode.err" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_eq "$mode: exit status" 1 "$rc"
	grep -q "corrupt at $addr" "$mode.tsv" ||
		fail "$mode: no 'corrupt at $addr' record: $(grep corrupt "$mode.tsv")"
	grep -q "corrupt heap metadata at $addr" "$mode.err" ||
		fail "$mode: no message on stderr"
	[ "$ms" -lt 1000 ] || fail "$mode: took $ms ms"
	kill -0 "$pid" || fail "$mode: the target died"
	# The region listing still works and says what it can.
	classify --tsv "$pid" >/dev/null 2>&1 || [ $? -eq 1 ] ||
		fail "$mode: classify without --chunks failed"
	kill -9 "$pid"
done
