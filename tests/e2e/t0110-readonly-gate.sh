#!/bin/bash
# The toolkit never writes to its targets (RELIABILITY.md D4, 4.9): no
# call in the library or the tools may write another process's memory or
# registers, attach with the SIGSTOP of PTRACE_ATTACH, or kill the target
# with its tracer (PTRACE_O_EXITKILL); /proc/PID/mem is opened read-only.
# And every tool raises its own oom_score_adj: under memory pressure it
# goes before the service it looks at.
. "$TOP/tests/e2e/lib.sh"

bad='process_vm_writev|PTRACE_POKE|PTRACE_SETREGS|PTRACE_SETFPREGS|PTRACE_ATTACH|PTRACE_O_EXITKILL|PTRACE_SETOPTIONS'
if grep -rnE "$bad" "$TOP/libforensic" "$TOP/tools" --include='*.c' --include='*.h' |
	grep -vE ':[0-9]+:\s*(/?\*|//)' >hits; then
	fail "forbidden calls: $(cat hits)"
fi
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
