#!/bin/bash
# A stripped binary's frames read module+0xOFFSET, OFFSET inside the
# function the unstripped binary's symbol table (nm) says the thread is
# in, never a wrong name: the workers read pause;threads.stripped+0x...;
# start_thread;__clone3 as eu-stack -p has them, the main thread's second
# frame lies inside main.
. "$TOP/tests/e2e/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "stacks are unwound on x86-64 only"
unset DEBUGINFOD_URLS

command -v strip >/dev/null && command -v nm >/dev/null ||
	skip "no strip or nm (Debian: binutils)"
cp "$TARGETS/threads" threads.stripped
strip threads.stripped
nm -S "$TARGETS/threads" >syms
start_cmd "stripped threads" ./threads.stripped 3
pid=$TARGET_PID
classify --threads --freeze --tsv "$pid" >t.tsv 2>t.err ||
	fail "classify --threads --freeze: $(cat t.err)"
# in_fn FRAME FN: the offset of FRAME (threads.stripped+0xOFF) lies in FN.
in_fn() {
	local off
	case $1 in
	threads.stripped+0x*) off=$((16#${1#threads.stripped+0x})) ;;
	*) fail "frame '$1' is not threads.stripped+0xOFFSET" ;;
	esac
	read -r a s <<<"$(awk -v f="$2" '$4 == f {print $1, $2}' syms)"
	[ -n "$a" ] || fail "no $2 in nm's table"
	[ "$off" -ge $((16#$a)) ] && [ "$off" -lt $((16#$a + 16#$s)) ] ||
		fail "frame $1 is not inside $2 (0x$a, 0x$s bytes)"
}
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	{print $c["tid"], $c["stack"]}' t.tsv >stacks
workers=0
while read -r tid stack; do
	IFS=';' read -r f0 f1 f2 f3 rest <<<"$stack"
	expect_eq "tid $tid frame 0" pause "$f0"
	if [ "$tid" = "$pid" ]; then
		in_fn "$f1" main
	else
		in_fn "$f1" worker
		expect_eq "tid $tid frames 2-3" "start_thread;__clone3;" \
			"$f2;$f3;$rest"
		workers=$((workers + 1))
	fi
done <stacks
expect_eq "worker threads" "$(ready_value threads)" "$workers"
