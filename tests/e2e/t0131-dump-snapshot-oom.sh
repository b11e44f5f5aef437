#!/bin/bash
# dump-region --mode snapshot keeps itself off the OOM killer's list
# inside the two windows it cannot close from outside (issue 15,
# RELIABILITY T41). Where the kernel lets us (CAP_SYS_RESOURCE): strace,
# outside our code, shows every register write to the target
# (PTRACE_SETREGS: borrowed for the clone and the reap's wait4, and given
# back) and the exit-kill hold on the child (PTRACE_SETOPTIONS) between
# a write of -1000 to its own oom_score_adj and the write of the value it
# had (500 here, set before). Where the kernel refuses -1000 (a shell's
# echo fails too: a container without CAP_SYS_RESOURCE), dump-region
# says so on stderr and in process.json, and the rest of that check is
# skipped. Needs strace.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

[ "$(uname -m)" = x86_64 ] || skip "snapshot mode is x86-64 only"
command -v strace >/dev/null 2>&1 || skip "no strace on this machine"
start_target genwriter 16 2 "$PWD/report"
pid=$TARGET_PID
buf=$(ready_value buf)

shielded=true
sh -c 'echo -1000 >/proc/self/oom_score_adj' 2>/dev/null || shielded=false

# Not -f: the guardian, forked, is not traced.
sh -c 'echo 500 >/proc/self/oom_score_adj && exec "$@"' sh \
	strace -o trace -e trace=ptrace,pwrite64 -e signal=none -s 16 \
	dump-region --mode snapshot -o snap "$pid" "$buf" >/dev/null 2>err ||
	fail "snapshot under strace: $(cat err)"
grep -q "snapshot: stopped" err || fail "no snapshot: $(cat err)"
let_go "$pid" "the snapshot"
grep -q "\"oom_shielded\":$shielded" snap/process.json ||
	fail "process.json: not oom_shielded $shielded: $(cat snap/process.json)"
if [ "$shielded" = false ]; then
	grep -q "not off the OOM killer's list meanwhile" err ||
		fail "the refusal is not said: $(cat err)"
	grep -q 'pwrite64(.*"-1000".*EACCES' trace ||
		fail "no refused write in strace's trace: $(cat trace)"
	skip "the kernel refuses oom_score_adj -1000 here (no CAP_SYS_RESOURCE): said, not shielded"
fi

# The events in order: S (shield on), U (back to 500), R (a register
# write), K (exit-kill set on the child).
awk '/pwrite64\(.*"-1000".* = 5$/ { print "S"; next }
     /pwrite64\(.*"500/ { print "U"; next }
     /ptrace\(PTRACE_SETREGS/ { print "R"; next }
     /ptrace\(PTRACE_SETOPTIONS.*PTRACE_O_EXITKILL/ { print "K" }' trace | tr -d '\n' >seq
echo "events: $(cat seq)"
grep -q R seq || fail "no register write seen: $(cat trace)"
grep -q K seq || fail "no exit-kill hold seen: $(cat trace)"
# Each R and K inside an S...U pair; none left open.
awk '{ for (i = 1; i <= length($0); i++) { c = substr($0, i, 1)
	if (c == "S") { if (on) bad = 1; on = 1 }
	else if (c == "U") { if (!on) bad = 1; on = 0 }
	else if (!on) bad = 1 } }
     END { exit bad || on }' seq ||
	fail "a register write or the hold outside oom_score_adj -1000: $(cat seq)"
expect_eq "windows shielded (the clone's, the reap's)" 2 "$(grep -o S seq | wc -l)"
