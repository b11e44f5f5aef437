#!/bin/bash
# classify --threads --freeze refuses, in one line and exit 2, what
# dump-region's freeze refuses: a target with a thread in epoll_wait (a
# ptrace stop would end that call with EINTR, which this target takes for
# a fatal error); the target is untouched and still alive. --accept-eintr
# freezes it anyway: the target then takes the EINTR and exits, mostly
# while its stacks are read, which classify says (exit 1), making up no
# frame.
. "$TOP/tests/e2e/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "stacks are unwound on x86-64 only"

start_target epolled
pid=$TARGET_PID
rc=0
classify --threads --freeze --tsv "$pid" >out.tsv 2>err || rc=$?
expect_eq "exit status of a refused freeze" 2 "$rc"
expect_eq "lines on stderr" 1 "$(wc -l <err)"
grep -q "epoll_wait" err || fail "refusal does not say why: $(cat err)"
[ ! -s out.tsv ] || [ "$(wc -l <out.tsv)" -le 1 ] || fail "records written"
kill -0 "$pid" || fail "the target died"
! grep -q "EINTR" "$TRASH/target.err" || fail "the target got EINTR"

rc=0
classify --threads --freeze --accept-eintr --tsv "$pid" >out2.tsv 2>err2 ||
	rc=$?
grep -q "stopped for .* ms" err2 || fail "no pause said: $(cat err2)"
# The target took the EINTR for a fatal error and exited, most often as
# its stacks were being read: said (exit 1), no stack made up.
wait "$pid" 2>/dev/null || true
grep -q "epolled: EINTR" "$TRASH/target.err" || fail "the target got no EINTR"
case $rc in
0) ;;
1) grep -q "exited during the walk" err2 || fail "exit not said: $(cat err2)" ;;
*) fail "classify --threads --freeze --accept-eintr: exit $rc: $(cat err2)" ;;
esac
# Every frame is one the target has (its source), or module+0xOFFSET or
# a bare address once its files could no longer be read; an unwind cut
# short ends with its reason.
bad=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	{s = $c["stack"]; sub(/;?\[[^;]*\]$/, "", s); n = split(s, f, ";")
	 for (i = 1; i <= n; i++)
		if (f[i] !~ /^(pause|main|__libc_start_call_main|__libc_start_main@@GLIBC_2\.34|_start|epoll_wait|waiter|start_thread|__clone3|0x[0-9a-f]+|[^;]+\+0x[0-9a-f]+)$/)
			print $c["stack"]}' out2.tsv)
[ -z "$bad" ] || fail "frames the target does not have: $bad"
