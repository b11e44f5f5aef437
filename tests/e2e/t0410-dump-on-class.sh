#!/bin/bash
# Issue 18 point 3: dump-on --class with a class classify never gives
# (hepa, Heap) was accepted and never fired (without --timeout it waited
# forever). It is a usage error (64) listing the valid classes, taken
# from classify --list-classes (one list: fx_class_name), before any
# process is looked at.
. "$TOP/tests/e2e/lib.sh"

dumpon=$TOP/scripts/dump-on
classify --list-classes >classes || fail "classify --list-classes failed"
for c in heap arena mmap-chunk thread-stack anon jvm-heap code; do
	grep -qx -- "$c" classes || fail "--list-classes lacks $c: $(cat classes)"
done
# Ground truth from classify itself: every class of a live target's
# regions is in the list.
start_target growleak 100 1000 - 100000
pid=$TARGET_PID
classify --tsv "$pid" >regions.tsv || fail "classify failed"
k=$(col class <regions.tsv)
tail -n +2 regions.tsv | cut -f"$k" | sort -u >seen
[ -s seen ] || fail "no classes seen"
while read -r c; do
	grep -qx -- "$c" classes || fail "classify gave '$c', not in --list-classes"
done <seen

for bad in hepa Heap 'heap '; do
	rc=0
	timeout 30 "$dumpon" --rss 1G --class "$bad" -o case "$pid" 2>err || rc=$?
	expect_eq "--class '$bad': exit status" 64 "$rc"
	grep -q "^dump-on: unknown class '$bad' for --class: classify gives anon, heap, arena, .*thread-stack" err ||
		fail "--class '$bad': $(cat err)"
	[ ! -e case ] || fail "a case directory"
done
# A class that exists still works.
rc=0
"$dumpon" --rss 1T --class heap --timeout 1 -i 0.2 -o case "$pid" 2>err || rc=$?
expect_eq "--class heap: exit status (timeout)" 2 "$rc"
grep -q "stayed below" err || fail "--class heap: $(cat err)"
