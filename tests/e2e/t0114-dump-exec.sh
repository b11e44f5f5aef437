#!/bin/bash
# RELIABILITY T12: the target runs execve in the middle of a live dump,
# its new program mapping the same addresses with other bytes. The dump
# keeps only the old program's bytes (never a 'B' of the new one), marks
# the rest "gone", exits 1 and says the process ran execve (not that it
# exited).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target execme 2048
pid=$TARGET_PID
fixed=$(ready_value fixed)
dump-region -o d "$pid" "$fixed" >out 2>err &
dpid=$!
STARTED="$STARTED $dpid"
# The plan line comes before the copy (about a second for 2 GiB): 0.1 s
# into it the target is told to exec.
for i in $(seq 2000); do grep -q '^dump-region: plan' err && break; sleep 0.005; done
grep -q '^dump-region: plan' err || fail "no plan line: $(cat err)"
sleep 0.1
kill -USR1 "$pid"
rc=0
wait "$dpid" || rc=$?
# 1: part of the old image kept; 2 (a slow machine): none of it.
[ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "exit status $rc: $(cat err)"
grep -q "pid $pid ran execve" err || fail "no execve message: $(cat err)"
grep -q "exited" err && fail "an execve reported as an exit: $(cat err)"
if [ "$rc" = 1 ] || [ -d d ]; then
	python3 - d/"$pid"-*.bin "$rc" <<'PY' || fail "the new program's bytes in the dump"
import sys
d = open(sys.argv[1], 'rb').read()
a, b = d.count(b'A'), d.count(b'B')
print('A bytes %d, B bytes %d, zeros %d' % (a, b, d.count(b'\0')))
sys.exit(1 if b or (not a and sys.argv[2] == '1') else 0)
PY
	awk -F'\t' '$4 == "gone"' d/holes.tsv | grep -q . ||
		fail "no 'gone' hole: $(cat d/holes.tsv)"
fi
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q ' after ' || fail "the target did not exec"
