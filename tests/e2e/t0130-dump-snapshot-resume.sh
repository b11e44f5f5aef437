#!/bin/bash
# dump-region --mode snapshot borrows one thread's registers for the
# clone (issue 15): that thread's system call resumes or restarts as if
# never interrupted. hijackme's main thread (the one borrowed: stderr
# names it) waits in read() on a pipe, in nanosleep, in a futex wait, or
# computes in a busy loop, checking every return (no EINTR, no short or
# early return, the next byte in sequence, the registers of its loop);
# /proc/PID/syscall says where it is before the dumps. Two snapshots
# each; the target's own count of good turns grows and of errors stays
# 0.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

[ "$(uname -m)" = x86_64 ] || skip "snapshot mode is x86-64 only"

# report PID FILE: the target's "ok=N err=M why=T" line, fresh.
report() {
	rm -f "$2"
	kill -USR2 "$1"
	for i in $(seq 300); do [ -s "$2" ] && break; sleep 0.01; done
	cat "$2"
}

for mode in read nanosleep futex busy; do
	start_target hijackme "$mode" "$PWD/$mode.report"
	pid=$TARGET_PID
	# Where the main thread is: the system call's number (read 0,
	# futex 202, clock_nanosleep 230; nanosleep 35 with an older
	# libc), or "running" in its loop.
	case $mode in
	read) want="0" ;; nanosleep) want="230|35" ;; futex) want="202" ;; busy) want="running" ;;
	esac
	for i in $(seq 100); do
		where=$(cut -d' ' -f1 "/proc/$pid/task/$pid/syscall")
		echo "$where" | grep -qxE "$want" && break
		sleep 0.01
	done
	echo "$where" | grep -qxE "$want" || fail "$mode: the main thread is at '$where', not $want"
	before=$(report "$pid" "$mode.report")
	for r in 1 2; do
		dump-region --mode snapshot -o "$mode$r" "$pid" '[stack]' >/dev/null 2>err ||
			fail "$mode: snapshot $r: $(cat err)"
		grep -q "registers of thread $pid borrowed" err ||
			fail "$mode: another thread was borrowed: $(cat err)"
		let_go "$pid" "$mode: snapshot $r"
		sleep 0.1
	done
	after=$(report "$pid" "$mode.report")
	echo "$mode: before '$before', after '$after'"
	case $after in
	*" err=0 why=-") ;;
	*) fail "$mode: the borrowed thread saw the stop: $after" ;;
	esac
	okb=$(echo "$before" | sed 's/ok=\([0-9]*\).*/\1/')
	oka=$(echo "$after" | sed 's/ok=\([0-9]*\).*/\1/')
	[ "$oka" -gt "$okb" ] || fail "$mode: no progress: $before then $after"
	all_threads_in "$pid" SR
	kill -9 "$pid"
done
