#!/bin/bash
# Every thread's call stack through libdwfl over our own memory source:
# on a multi-threaded target, the top two frames of every thread from
# `classify --threads` on our core (dump-region --core), on gdb's gcore
# core and live under --freeze equal eu-stack's on the same core (eu-stack
# --core, libdwfl's own core reader), and so do a freeze dump directory's
# and a snapshot's (registers in process.json). A live pid read without
# stopping it has no registers: '-'. A core without the stacks' memory
# ends each stack where it can no longer be read, with that reason, never
# a made-up frame.
. "$TOP/tests/e2e/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "stacks are unwound on x86-64 only"
unset DEBUGINFOD_URLS

command -v eu-stack >/dev/null || skip "no eu-stack (Debian: elfutils)"

# top2 < classify --threads TSV: "tid frame0;frame1", sorted.
top2() {
	awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		{n=split($c["stack"], f, ";"); print $c["tid"] "\t" f[1] ";" f[2]}' |
		sort
}
# eu_top2 CORE: eu-stack's "tid frame0;frame1", sorted.
eu_top2() {
	eu-stack --core="$1" 2>eu.err >eu.out || [ $? = 1 ] ||
		fail "eu-stack --core=$1: $(cat eu.err)"
	awk '/^TID / {tid=$2; sub(":", "", tid); next}
		/^#0 / {f0[tid]=$3} /^#1 / {f1[tid]=$3}
		END {for (t in f0) print t "\t" f0[t] ";" f1[t]}' eu.out | sort
}

start_target threads 6
pid=$TARGET_PID
nthreads=$(( $(ready_value threads) + 1 ))

classify --threads --tsv "$pid" >live.tsv
n=$(top2 <live.tsv | awk -F'\t' '$2 != "-;"' | wc -l)
expect_eq "threads with a stack read live without stopping" 0 "$n"

classify --threads --freeze --tsv "$pid" >frozen.tsv 2>frozen.err ||
	fail "classify --threads --freeze: $(cat frozen.err)"
grep -q "stopped for .* ms" frozen.err || fail "no pause said: $(cat frozen.err)"
top2 <frozen.tsv >frozen.top2

dump-region -q --core "$TRASH/our.core" "$pid" ||
	fail "dump-region --core failed"
classify --threads --tsv "$TRASH/our.core" >our.tsv
top2 <our.tsv >our.top2
eu_top2 "$TRASH/our.core" >our.eu
expect_eq "threads eu-stack unwound on our core" "$nthreads" \
	"$(wc -l <our.eu)"
compare our.eu our.top2
# The target waits in pause(): its stacks do not move between the two.
compare our.eu frozen.top2
# Not vacuous: the workers' frames are named.
grep -q "	pause;worker$" our.top2 || fail "no 'pause;worker' frames"

# Dump directories: process.json holds the registers read in the stop
# (a freeze's, a snapshot's), the stacks come from the dump's memory.
for mode in freeze snapshot; do
	dump-region -q --mode $mode -o "$TRASH/$mode.dir" "$pid" >/dev/null \
		2>$mode.err || fail "dump-region --mode $mode: $(cat $mode.err)"
	grep -q '"regs":\["0x' "$TRASH/$mode.dir/process.json" ||
		fail "no registers in the $mode dump's process.json"
	classify --threads --tsv "$TRASH/$mode.dir" >$mode.tsv
	top2 <$mode.tsv >$mode.top2
	compare our.eu $mode.top2
done

if command -v gcore >/dev/null; then
	gcore -o "$TRASH/g" "$pid" >gcore.out 2>&1 ||
		fail "gcore: $(cat gcore.out)"
	classify --threads --tsv "$TRASH/g.$pid" >g.tsv
	top2 <g.tsv >g.top2
	eu_top2 "$TRASH/g.$pid" >g.eu
	compare g.eu g.top2
else
	echo "note: no gcore (Debian: gdb): gcore's core not compared"
fi

# A core of the heap alone: every stack ends at its first read, said.
dump-region -q --core "$TRASH/hole.core" "$pid" '[heap]' ||
	fail "dump-region --core [heap] failed"
classify --threads --tsv "$TRASH/hole.core" >hole.tsv 2>/dev/null || true
bad=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["stack"] !~ /^pause;\[stack unreadable at 0x[0-9a-f]+: not captured\]$/' \
	hole.tsv)
[ -z "$bad" ] || fail "stacks over a hole: $bad"
expect_eq "threads in the hole core" "$nthreads" "$(($(wc -l <hole.tsv) - 1))"
