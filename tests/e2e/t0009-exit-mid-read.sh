#!/bin/bash
# A target killed while memmap reads its smaps: memmap says so, exits 2,
# and prints none of the cut-short map.
. "$TOP/tests/e2e/lib.sh"

start_target manymaps 30000
# 64-byte reads of a 30,000-region smaps take long enough to be caught.
memmap --tsv --read-size 64 "$TARGET_PID" >out 2>err &
mp=$!
for _ in $(seq 1000); do
	rchar=$(awk '/^rchar/ {print $2}' "/proc/$mp/io" 2>/dev/null || echo 0)
	[ "${rchar:-0}" -gt 1000000 ] && break
	sleep 0.005
done
[ "${rchar:-0}" -gt 1000000 ] || fail "memmap did not start reading (or finished too soon)"
kill -9 "$TARGET_PID"
rc=0
wait "$mp" || rc=$?
expect_eq "exit status" 2 "$rc"
grep -q "process $TARGET_PID exited while its map was read" err || fail "message: $(cat err)"
[ ! -s out ] || fail "records of a cut-short map were printed"
