#!/bin/bash
# A process whose main thread has exited while other threads run: its own
# /proc/PID/maps reads empty; memmap reads a live thread's instead.
. "$TOP/tests/e2e/lib.sh"

start_target threads 3 leader-exit
# Wait (bounded) until the leader is a zombie thread.
for _ in $(seq 500); do
	[ "$(awk '{print $3}' "/proc/$TARGET_PID/task/$TARGET_PID/stat" 2>/dev/null)" = Z ] && break
	sleep 0.01
done
[ -s "/proc/$TARGET_PID/maps" ] && skip "this kernel still shows the exited leader's maps"
memmap --tsv "$TARGET_PID" >out.tsv
tid=$(ls "/proc/$TARGET_PID/task" | grep -v "^$TARGET_PID\$" | head -1)
python3 "$TOP/tests/e2e/maps.py" kernel "/proc/$TARGET_PID/task/$tid/maps" >expect
python3 "$TOP/tests/e2e/maps.py" memmap out.tsv >actual
compare expect actual
