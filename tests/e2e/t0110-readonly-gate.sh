#!/bin/bash
# The toolkit never writes to its targets (RELIABILITY.md D4, 4.9): no
# call in the library or the tools may write another process's memory,
# attach with the SIGSTOP of PTRACE_ATTACH, or kill the target with its
# tracer (PTRACE_O_EXITKILL); /proc/PID/mem is opened read-only. The one
# exception is D4's, --mode snapshot: libforensic/snapshot.c alone may set
# a thread's registers and signal mask and ptrace options (to inject clone
# and wait4), and set PTRACE_O_EXITKILL on the forked copy, never on the
# target. And every tool raises its own oom_score_adj: under memory
# pressure it goes before the service it looks at.
. "$TOP/tests/e2e/lib.sh"

never='process_vm_writev|PTRACE_POKE|PTRACE_ATTACH|PTRACE_SETFPREGS|PTRACE_SETREGSET'
snap='PTRACE_SETREGS|PTRACE_SETSIGMASK|PTRACE_O_EXITKILL|PTRACE_SETOPTIONS|0x420b'
code() {
	grep -rnE "$1" "$TOP/libforensic" "$TOP/tools" --include='*.c' --include='*.h' |
		grep -vE ':[0-9]+:\s*(/?\*|//)'
}
if code "$never" >hits; then
	fail "forbidden calls: $(cat hits)"
fi
if code "$snap" | grep -v "^$TOP/libforensic/snapshot.c:" >hits; then
	fail "register or option writes outside snapshot.c: $(cat hits)"
fi
code "$snap" >snaphits || true
grep -q PTRACE_SETREGS snaphits ||
	fail "snapshot.c sets no registers: the gate is looking in the wrong place"
# Exit-kill is set on one pid, the child held (hold_child), on one line.
grep PTRACE_O_EXITKILL snaphits >exitkill || true
expect_eq "lines setting PTRACE_O_EXITKILL" 1 "$(wc -l <exitkill)"
grep -q 'PTRACE_SETOPTIONS, child, 0, PTRACE_O_EXITKILL' exitkill ||
	fail "PTRACE_O_EXITKILL set on something else than the child: $(cat exitkill)"
# Every open of a mem file is O_RDONLY.
grep -rn '"mem"' "$TOP/libforensic" "$TOP/tools" --include='*.c' >memopens || true
[ -s memopens ] || fail "no open of a mem file found: the gate is looking in the wrong place"
if grep -rnE 'open[a-z]*\([^;]*"[a-z/%]*mem"[^;]*O_(RDWR|WRONLY)' "$TOP/libforensic" "$TOP/tools" --include='*.c'; then
	fail "a mem file opened for writing"
fi

# oom_score_adj: a tool reading a long stdin shows its own.
mkfifo in
memmap --from in >/dev/null 2>&1 &
p=$!
exec 3>in
adj=$(cat "/proc/$p/oom_score_adj")
exec 3>&-
wait "$p" || true
expect_eq "memmap's oom_score_adj" 1000 "$adj"
