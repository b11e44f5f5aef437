#!/bin/bash
# The target changes under a live dump: a region unmapped while it is
# being read becomes holes (unreadable), not a crash; a target that exits
# mid-dump is reported, the dump ends cleanly with what it had.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

# wait_file GLOB: until a file matching GLOB exists (the region's copy
# has begun: its file is created first).
wait_file() {
	local i
	for i in $(seq 2000); do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.002
	done
	fail "no $1 appeared"
}

# 1. Unmapped mid-read.
start_target dumpme 1024 1
pid=$TARGET_PID
big=$(printf '0x%012x' "$(ready_value big)")
dump-region -o u "$pid" "$big" >out 2>err &
dpid=$!
wait_file "u/$pid-$big-*.bin"
kill -USR1 "$pid"
rc=0
wait "$dpid" || rc=$?
[ "$rc" -le 1 ] || fail "unmap mid-read: exit $rc: $(cat err)"
kill -0 "$pid" || fail "the target died"
holes=$(field u/regions.tsv holes)
if grep -q $'\tunreadable$' u/holes.tsv; then
	[ "$holes" -gt 1048576 ] || fail "unreadable holes not counted: $holes"
	echo "unmapped mid-read: $holes bytes of holes"
else
	echo "note: the copy finished before the unmap (holes $holes)"
fi

# 2. The target exits mid-dump.
start_target dumpme 1024 3
pid=$TARGET_PID
big=$(printf '0x%012x' "$(ready_value big)")
dump-region -o x "$pid" >out 2>err &
dpid=$!
wait_file "x/$pid-$big-*.bin"
kill -USR2 "$pid"
rc=0
wait "$dpid" || rc=$?
case $rc in
1 | 2) grep -q "pid $pid exited during the dump" err || fail "no message: $(cat err)" ;;
0) echo "note: the copy finished before the exit" ;;
*) fail "target exit mid-dump: exit $rc: $(cat err)" ;;
esac
[ -f x/regions.tsv ] || fail "no index"
