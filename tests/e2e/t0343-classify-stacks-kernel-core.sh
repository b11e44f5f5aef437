#!/bin/bash
# Call stacks from a core the kernel wrote: a multi-threaded target
# killed with SIGSEGV; classify --threads on the kernel's core gives every
# thread's top two frames as eu-stack --core does on it.
. "$TOP/tests/e2e/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "stacks are unwound on x86-64 only"
unset DEBUGINFOD_URLS
command -v eu-stack >/dev/null || skip "no eu-stack (Debian: elfutils)"
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
'|'* | */*) skip "core_pattern '$pattern' sends cores elsewhere (a pipe or a path): no kernel core to read here" ;;
esac
ulimit -c unlimited 2>/dev/null || skip "cannot raise the core size limit"

mkdir "$TRASH/cwd"
cd "$TRASH/cwd"
start_target threads 4
cd "$TRASH"
pid=$TARGET_PID
kill -SEGV "$pid"
wait "$pid" 2>/dev/null || true
core=$(ls "$TRASH/cwd" | grep -v '^ready' | head -1)
[ -n "$core" ] || skip "the kernel wrote no core (pattern '$pattern', limit $(ulimit -c))"
core=$TRASH/cwd/$core

classify --threads --tsv "$core" >k.tsv 2>k.err ||
	fail "classify --threads $core: $(cat k.err)"
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	{split($c["stack"], f, ";"); print $c["tid"] "\t" f[1] ";" f[2]}' k.tsv |
	sort >got
eu-stack --core="$core" >eu.out 2>eu.err || [ $? = 1 ] ||
	fail "eu-stack --core: $(cat eu.err)"
awk '/^TID / {tid=$2; sub(":", "", tid); next}
	/^#0 / {f0[tid]=$3} /^#1 / {f1[tid]=$3}
	END {for (t in f0) print t "\t" f0[t] ";" f1[t]}' eu.out | sort >want
expect_eq "threads in the kernel's core" 5 "$(wc -l <want)"
compare want got
grep -q '	pause;worker$' got || fail "no 'pause;worker' frames"
