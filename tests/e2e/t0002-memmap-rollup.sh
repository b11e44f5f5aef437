#!/bin/bash
# memmap's rss/pss/swap sums equal the kernel's smaps_rollup on C targets.
. "$TOP/tests/e2e/lib.sh"

start_target leaky
sums_match_rollup "$TARGET_PID"
start_target threads 8
sums_match_rollup "$TARGET_PID"
start_target bigheap 64
sums_match_rollup "$TARGET_PID"
