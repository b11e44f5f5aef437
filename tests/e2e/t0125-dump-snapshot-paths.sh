#!/bin/bash
# Every way a snapshot dump ends kills and reaps the forked copy (issue
# 15): Ctrl-C (SIGINT) and SIGTERM during the copy, a full disk (ENOSPC,
# with --force past the plan's refusal), a seccomp target (refused before
# any fork: the target untouched), a --max-pause shorter than the copy
# (it bounds the stop, not the copy), a target stopped by SIGSTOP (it
# stays stopped). Each time the target runs,
# untraced, with no child, no zombie, no SIGCHLD. Needs a small tmpfs
# for the full disk (skipped without). A seccomp target is refused.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

[ "$(uname -m)" = x86_64 ] || skip "snapshot mode is x86-64 only"
start_target genwriter 256 2 "$PWD/report"
pid=$TARGET_PID
buf=$(ready_value buf)

clean() {
	let_go "$pid" "$1"
	all_threads_in "$pid" SR
}

for sig in INT TERM; do
	dump-region --mode snapshot -o "s$sig" "$pid" "$buf" >/dev/null 2>"err$sig" &
	dpid=$!
	wait_copy "$pid" || fail "SIG$sig: no copy was ever held"
	kill -"$sig" "$dpid"
	rc=0
	wait "$dpid" || rc=$?
	# 1 with a region copied whole before the signal, else 2.
	[ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "SIG$sig: exit status $rc"

	grep -q "the dump stopped early" "err$sig" || fail "SIG$sig: $(cat "err$sig")"
	grep -q "snapshot: stopped" "err$sig" || fail "SIG$sig: no windows: $(cat "err$sig")"
	clean "SIG$sig"
done

rc=0
dump-region -q --mode snapshot --max-pause 1 -o slow "$pid" "$buf" >/dev/null 2>err || rc=$?
expect_eq "--max-pause 1: exit status" 0 "$rc"
clean "--max-pause"

mkdir small
if mount -t tmpfs -o size=16m,mode=0700 memforensic-test small 2>/dev/null; then
	trap 'cleanup; umount small 2>/dev/null || true' EXIT
	rc=0
	dump-region --force --mode snapshot -o small/full "$pid" "$buf" >/dev/null 2>err || rc=$?
	[ "$rc" = 1 ] || [ "$rc" = 2 ] || fail "disk full: exit $rc: $(cat err)"
	grep -q "No space left on device" err || fail "no ENOSPC message: $(cat err)"
	clean "full disk"
else
	echo "note: no small tmpfs here: the full disk is not tried"
fi

# A stopped target (SIGSTOP) stays stopped through the fork and the
# reap, and runs again on SIGCONT.
kill -STOP "$pid"
wait_state "$pid" T
dump-region -q --mode snapshot -o stopped "$pid" "$buf" >/dev/null 2>err ||
	fail "stopped target: $(cat err)"
let_go "$pid" "stopped target"
all_threads_in "$pid" T
python3 "$TOP/tests/e2e/gencheck.py" "$(ls stopped/*.bin)" >/dev/null ||
	fail "the stopped target's snapshot is not one instant"
kill -CONT "$pid"
all_threads_in "$pid" SR

kill -USR2 "$pid"
for i in $(seq 200); do [ -s report ] && break; sleep 0.01; done
expect_eq "the target's SIGCHLD count" "sigchld=0" "$(cut -d' ' -f1 report)"

# A target under a seccomp filter is refused before anything is done
# (RELIABILITY T43): exit 2, one line, the target let go.
GENWRITER_SECCOMP=1 start_target genwriter 8 1 "$PWD/report2"
spid=$TARGET_PID
rc=0
dump-region --mode snapshot -o sec "$spid" >/dev/null 2>err || rc=$?
expect_eq "seccomp: exit status" 2 "$rc"
grep -q "cannot snapshot pid $spid: a seccomp filter" err || fail "seccomp: $(cat err)"
let_go "$spid" seccomp
all_threads_in "$spid" SR
