#!/bin/bash
# RELIABILITY T12: the target runs execve in the middle of a live dump,
# its new program mapping the same addresses with other bytes. The dump
# keeps only the old program's bytes (never a 'B' of the new one), marks
# the rest "gone", exits 1 and says the process ran execve (not that it
# exited).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

avail=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
[ "$avail" -ge $((6 * 1024 * 1024)) ] || skip "less than 6 GiB available (2 GiB target, exec'd, and its dump)"
start_target execme 2048
pid=$TARGET_PID
fixed=$(ready_value fixed)
dump-region -o d "$pid" "$fixed" >out 2>err &
dpid=$!
STARTED="$STARTED $dpid"
# Once dump-region has written 256 MiB of the 2 GiB copy, the target is
# told to exec (progress seen in /proc/PID/io, not guessed with a sleep).
for i in $(seq 4000); do
	w=$(awk '/^wchar:/ {print $2}' "/proc/$dpid/io" 2>/dev/null || echo 0)
	[ "${w:-0}" -ge 268435456 ] && break
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.001
done
[ "${w:-0}" -ge 268435456 ] || fail "the copy never reached 256 MiB: $(cat err)"
kill -USR1 "$pid"
rc=0
wait "$dpid" || rc=$?
expect_eq "exit status (part of the old image kept)" 1 "$rc"
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
