#!/bin/bash
# classify --threads --freeze on a thread that never blocks: its stack is
# unwound after the thaw, when the thread has moved on, so the top of it
# is copied in the stop. Six times over, the spinning thread's stack
# reads deep_a or deep_b (0 to 40 of one of them) <- spin <- start_thread
# <- __clone3, the only stacks it ever has (the target's source), never
# the two mixed, as a stack that changed under the unwinder reads.
. "$TOP/tests/e2e/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "stacks are unwound on x86-64 only"

start_target spinstack
pid=$TARGET_PID
tid=$(ready_value spinner)
for i in 1 2 3 4 5 6; do
	classify --threads --freeze --tsv "$pid" >t.tsv 2>err ||
		fail "classify --threads --freeze: $(cat err)"
	s=$(awk -F'\t' -v t="$tid" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["tid"] == t {print $c["stack"]}' t.tsv)
	echo "$s" >>stacks
	# Between two calls the thread is in spin itself: none of either.
	[[ $s =~ ^((deep_a\;){1,40}|(deep_b\;){1,40})?spin\;start_thread\;__clone3$ ]] ||
		fail "round $i: the spinning thread's stack reads '$s'"
done
