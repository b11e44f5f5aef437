#!/bin/bash
# On a JVM: memmap lists exactly its maps, its sums equal smaps_rollup, and
# rank -n 1 picks the region pmap picks.
. "$TOP/tests/e2e/lib.sh"

start_jvm 32
same_maps "$TARGET_PID"
sums_match_rollup "$TARGET_PID"
[ "$(wc -l <memmap.out)" -gt 100 ] || fail "a JVM has hundreds of regions"
