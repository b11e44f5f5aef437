#!/bin/bash
# dump-region --mode snapshot --core (issue 15): the ELF core is written
# from the forked copy after the thaw, with the registers of every thread
# of the target taken during the short stop (the copy has one thread).
# gdb lists as many threads as /proc/PID/task had, each with a non-zero
# rip and a backtrace through main or start_thread; the core's copy of
# genwriter's buffer is one instant (gencheck.py); MADV_DONTFORK and
# WIPEONFORK regions are holes (zeros), not the target's bytes. Ctrl-C
# during the copy and a full disk (small tmpfs, skipped without) remove
# the core; SIGKILL during the copy leaves the guardian to reap; every time the target runs, untraced, with no child, no
# zombie, no SIGCHLD and no other process running its executable.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

[ "$(uname -m)" = x86_64 ] || skip "snapshot mode is x86-64 only"
command -v gdb >/dev/null 2>&1 || skip "no gdb on this machine"
start_target genwriter 64 4 "$PWD/report"
pid=$TARGET_PID
buf=$(ready_value buf)
df=$(ready_value dontfork)
wf=$(ready_value wipeonfork)
exe=$(readlink "/proc/$pid/exe")
# genwriter makes its threads before it is ready, and no more after.
ntask=$(ls "/proc/$pid/task" | wc -l)

clean() {
	let_go "$pid" "$1"
	all_threads_in "$pid" SR
	untraced "$pid"
}

dump-region --mode snapshot --core snap.core "$pid" >out 2>err ||
	fail "snapshot core: exit $?: $(cat err)"
grep -q "snapshot: stopped .* ms for the fork ($ntask threads)" err ||
	fail "no stop reported: $(cat err)"
grep -q "core 'snap.core': $ntask threads" err || fail "no summary: $(cat err)"
expect_eq "core mode" 600 "$(stat -c %a snap.core)"
clean "after the snapshot core"

gdb -nx -batch "$TARGETS/genwriter" snap.core -ex "info threads" \
	-ex "thread apply all bt" </dev/null >gdb.out 2>&1 ||
	fail "gdb failed: $(tail gdb.out)"
gdb -nx -batch "$TARGETS/genwriter" snap.core \
	-ex "thread apply all info registers rip" </dev/null >rip.out 2>&1 ||
	fail "gdb failed: $(tail rip.out)"
expect_eq "threads in gdb" "$ntask" \
	"$(grep -cE '^[* ] +[0-9]+ +(Thread|LWP) ' gdb.out)"
for t in $(ls "/proc/$pid/task"); do
	grep -q "LWP $t)\{0,1\} " gdb.out || fail "thread $t missing in gdb: $(cat gdb.out)"
done
expect_eq "rip of each thread" "$ntask" "$(grep -cE '^rip +0x[0-9a-f]*[1-9a-f]' rip.out)"
# Each thread's backtrace (after its "Thread N" header) ends in main or
# start_thread.
awk '/^Thread [0-9]+ / { if (t) print t, ok; t = $2; ok = 0 }
     /(in | )(main|start_thread) \(/ { ok = 1 }
     END { if (t) print t, ok }' gdb.out >bts
expect_eq "backtraces" "$ntask" "$(wc -l <bts)"
! grep -q ' 0$' bts || fail "a backtrace reaches neither main nor start_thread: $(cat gdb.out)"
! grep -qi "corrupt\|cannot access memory" gdb.out || fail "gdb complains: $(cat gdb.out)"

# The memory: the buffer at the fork's instant; the regions a fork leaves
# out or empties are holes (zeros), not 'F' or 'W'.
cat >seg.py <<'PY'
import struct, sys
f = open(sys.argv[1], "rb")
h = f.read(64)
(phoff,) = struct.unpack_from("<Q", h, 32)
(phnum,) = struct.unpack_from("<H", h, 56)
f.seek(phoff)
for i in range(phnum):
    t, fl, off, va, pa, fsz, msz, al = struct.unpack("<IIQQQQQQ", f.read(56))
    if t == 1 and va == int(sys.argv[2], 0):
        f.seek(off)
        open(sys.argv[3], "wb").write(f.read(fsz))
        sys.exit(0)
sys.exit("no PT_LOAD at " + sys.argv[2])
PY
python3 seg.py snap.core "$buf" buf.bin || fail "no buffer in the core"
python3 "$TOP/tests/e2e/gencheck.py" buf.bin >check || fail "core memory: $(cat check)"
cat check
for a in "$df" "$wf"; do
	python3 seg.py snap.core "$a" seg.bin || fail "no segment at $a"
	[ "$(tr -d '\0' <seg.bin | wc -c)" = 0 ] ||
		fail "region $a (dontfork/wipeonfork) holds the target's bytes"
done

expect_eq "processes running $exe" 1 "$(same_exe "$pid")"

# Ctrl-C during the copy: no core left, the copy killed and reaped.
start_target genwriter 256 2 "$PWD/report2"
bpid=$TARGET_PID
dump-region --mode snapshot --core int.core "$bpid" >/dev/null 2>errINT &
dpid=$!
wait_copy "$bpid" || fail "SIGINT: no copy was ever held"
kill -INT "$dpid"
rc=0
wait "$dpid" || rc=$?
expect_eq "SIGINT: exit status" 2 "$rc"
[ ! -e int.core ] || fail "SIGINT: the broken core was left"
let_go "$bpid" "SIGINT"
all_threads_in "$bpid" SR

mkdir small
if mount -t tmpfs -o size=16m,mode=0700 memforensic-test small 2>/dev/null; then
	trap 'cleanup; umount small 2>/dev/null || true' EXIT
	rc=0
	dump-region --force --mode snapshot --core small/full.core "$bpid" \
		>/dev/null 2>err || rc=$?
	expect_eq "disk full: exit status" 2 "$rc"
	grep -q "No space left on device" err || fail "no ENOSPC message: $(cat err)"
	[ ! -e small/full.core ] || fail "disk full: the broken core was left"
	let_go "$bpid" "full disk"
	all_threads_in "$bpid" SR
else
	echo "note: no small tmpfs here: the full disk is not tried"
fi

# SIGKILL during the core's copy, 10 times (t0124 does the directory's
# 100), while no thread of the target is traced: the kernel kills the held copy (exit-kill), the guardian reaps it
# inside the target. The core, partly written, stays: nothing of ours
# runs after a SIGKILL to remove it.
RANDOM=$$
for r in $(seq 10); do
	dump-region -q --mode snapshot --core "k$r.core" "$bpid" >/dev/null 2>&1 &
	dpid=$!
	wait_copy "$bpid" || true
	sleep "0.0$(printf '%02d' $((RANDOM % 20)))"
	# As t0124: not inside the windows snapshot.h cannot close (the
	# target traced then).
	untraced_now "$bpid" && kill -KILL "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null || true
	kill -0 "$bpid" || fail "SIGKILL round $r: the target died"
	let_go "$bpid" "SIGKILL round $r"
	all_threads_in "$bpid" SR
	rm -f "k$r.core"
done

# The two targets, and nothing else, run genwriter in this group.
expect_eq "processes running $exe" 2 "$(same_exe "$pid")"
kill -USR2 "$pid"
for i in $(seq 200); do [ -s report ] && break; sleep 0.01; done
expect_eq "the target's SIGCHLD count" "sigchld=0" "$(cut -d' ' -f1 report)"
p=$(cut -d' ' -f2 report | cut -d= -f2)
[ "$p" -gt 2 ] || fail "the target stopped writing: $(cat report)"
