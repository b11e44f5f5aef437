#!/bin/bash
# A dump that does not fit: the plan refuses it before writing a byte
# (exit 2, says how much is needed and free); with --force it runs into
# the full disk (ENOSPC), stops with a clear error and, in freeze mode,
# lets the target go at once: running, untraced, RSS unchanged. Needs a
# small tmpfs (root).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

mkdir small
mount -t tmpfs -o size=16m,mode=0700 memforensic-test small 2>/dev/null ||
	skip "cannot mount a small tmpfs here (needs root and mount rights)"
trap 'cleanup; umount small 2>/dev/null || true' EXIT

start_target dumpme 64 2
pid=$TARGET_PID
rss0=$(rss_kb "$pid")
big=$(printf '0x%x' "$(ready_value big)")

rc=0
dump-region -o small/refused "$pid" "$big" >out 2>err || rc=$?
expect_eq "plan refusal: exit status" 2 "$rc"
grep -q "cannot dump pid $pid: 63M to write, 16M free on" err || fail "no refusal: $(cat err)"
[ ! -e small/refused ] || fail "the refused dump left files: $(ls small/refused)"

for mode in live freeze; do
	rc=0
	dump-region --force --mode "$mode" -o "small/$mode" "$pid" "$big" >out 2>err || rc=$?
	[ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "$mode, disk full: exit $rc: $(cat err)"
	grep -q "No space left on device" err || fail "$mode: no ENOSPC message: $(cat err)"
	untraced "$pid"
	all_threads_in "$pid" SR
	expect_eq "$mode: rss (kB)" "$rss0" "$(rss_kb "$pid")"
	rm -rf "small/$mode"
done
