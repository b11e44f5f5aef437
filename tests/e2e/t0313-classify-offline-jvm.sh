#!/bin/bash
# classify on a JVM's capture: a freeze dump directory and our --core of
# an idle JVM give the live process's region classes (Java heap,
# metaspace, code cache, Java threads' stacks, from the vmStructs tables
# read out of the capture) and its threads. A core carries one comm for
# every thread (NT_PRPSINFO), so its details are not compared; the chunk
# histogram is not compared either: an idle JVM's own threads still
# malloc and free between two captures. gcore's core is left out: gdb
# writes PROT_NONE ranges (metaspace and heap reservations, guards) as
# readable, so they cannot be told apart (t0312 compares it on C targets).
. "$TOP/tests/e2e/lib.sh"

start_jvm 32
pid=$TARGET_PID
# A JVM just started still compiles and allocates for a while: a capture
# counts when the live classes before and after it are the same (up to
# 20 tries, each a fresh capture; a real difference shows in all).
live() {
	classify --tsv "$pid" | keep start end class detail >"live.$1"
	classify --threads --tsv "$pid" | keep tid stack_start stack_end \
		>"live.threads.$1"
}
stable=0
for try in $(seq 20); do
	rm -rf "$TRASH/jvm.dir" "$TRASH/jvm.core"
	live before
	# A JVM maps and unmaps as it runs: a region gone between the
	# selection and the freeze is exit 1 ("no longer mapped"); that
	# capture is not the one compared: look again.
	rc=0
	dump-region --mode freeze -o "$TRASH/jvm.dir" "$pid" >/dev/null \
		2>dump.err || rc=$?
	[ "$rc" = 0 ] || { [ "$rc" = 1 ] && grep -q "no longer mapped" dump.err; } ||
		fail "dump-region: exit $rc: $(cat dump.err)"
	[ "$rc" = 0 ] || continue
	dump-region --core "$TRASH/jvm.core" "$pid" >/dev/null 2>core.err ||
		fail "dump-region --core: $(cat core.err)"
	live after
	if cmp -s live.before live.after &&
	   cmp -s live.threads.before live.threads.after; then
		stable=1
		break
	fi
done
[ $stable = 1 ] || fail "the JVM's map never held still over a capture"
mv live.after live.regions
mv live.threads.after live.threads
grep -q '	jvm-heap	' live.regions || fail "no Java heap in the live JVM"

classify --tsv "$TRASH/jvm.dir" 2>dir.err | keep start end class detail \
	>dir.regions
compare live.regions dir.regions
classify --tsv "$TRASH/jvm.core" 2>cr.err | keep start end class >core.regions
keep start end class <live.regions >live.classes
compare live.classes core.regions
for src in jvm.dir jvm.core; do
	classify --threads --tsv "$TRASH/$src" | keep tid stack_start stack_end \
		>"$src.threads"
	compare live.threads "$src.threads"
done
