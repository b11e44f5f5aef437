#!/bin/bash
# memmap PID | rank -n 1 picks the region that pmap -x, sorted by RSS,
# picks (pmap's own "total" line left out: its third field is the total
# size, which would otherwise sort last).
. "$TOP/tests/e2e/lib.sh"
command -v pmap >/dev/null || skip "no pmap (procps)"

pick_same() {
	local ours theirs
	ours=$(memmap "$1" | rank -n 1 --tsv | awk -F'\t' 'NR==2 {print $2}')
	theirs=$(pmap -x "$1" | sed -n '3,$p' | grep -v '^total' |
		sort -k3 -n | tail -1 | awk '{print $1}')
	[ -n "$ours" ] && [ -n "$theirs" ] || fail "pid $1: nothing picked"
	expect_eq "pid $1 biggest region" "$((16#$theirs))" "$((ours))"
}

start_target leaky
pick_same "$TARGET_PID"
# The leak is the answer: the heap holds 262144 112-byte chunks (28 MiB).
memmap "$TARGET_PID" | rank -n 1 --tsv | tail -1 | grep -q '	heap	[0-9]*	\[heap\]$' ||
	fail "the leaky target's top region is not its heap"
start_target bigheap 96
pick_same "$TARGET_PID"
expect_eq "bigheap top region" "$(ready_value start)" \
	"$(memmap "$TARGET_PID" | rank -n 1 --tsv | awk -F'\t' 'NR==2 {print $2}' | sed 's/^0x0*/0x/')"
start_target threads 8
pick_same "$TARGET_PID"
if command -v java >/dev/null; then
	start_jvm 64
	pick_same "$TARGET_PID"
fi
