#!/bin/bash
# classify on a JVM's capture: a freeze dump directory and our --core of
# an idle JVM give the live process's region classes (Java heap,
# metaspace, code cache, Java threads' stacks, from the vmStructs tables
# read out of the capture) and its threads. A core carries one comm for
# every thread (NT_PRPSINFO), so its details are not compared. An idle
# JVM's own threads still malloc and free between two captures: the chunk
# histogram and summary are compared on the JVM stopped (SIGSTOP).
# gcore's core gives the chunk histogram only: gdb writes PROT_NONE
# ranges (metaspace and heap reservations, guards) as readable, so their
# classes cannot be told apart (t0312 compares them on C targets).
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

# The chunk histogram and the summary of a JVM held still (SIGSTOP: its
# threads cannot malloc between the live walk and the captures; a
# stopped target stays stopped through dump-region's freeze) are the
# live ones, from the dump directory and from our core.
kill -STOP "$pid"
no_start_of classify --chunks --tsv "$pid" >live.chunks
classify --summary --tsv "$pid" |
	keep regions size inuse_bytes free_bytes class category >live.summary
dump-region -q --mode freeze -o "$TRASH/held.dir" "$pid" >/dev/null ||
	fail "dump-region of the stopped JVM"
dump-region -q --core "$TRASH/held.core" "$pid" >/dev/null ||
	fail "dump-region --core of the stopped JVM"
expect_eq "the JVM after the captures" T \
	"$(awk '/^State:/ {print $2}' "/proc/$pid/status")"
kill -CONT "$pid"
[ "$(wc -l <live.chunks)" -gt 10 ] || fail "live JVM chunks: $(cat live.chunks)"
for src in held.dir held.core; do
	no_start_of classify --chunks --tsv "$TRASH/$src" >"$src.chunks" ||
		fail "classify --chunks $src"
	compare live.chunks "$src.chunks"
	classify --summary --tsv "$TRASH/$src" |
		keep regions size inuse_bytes free_bytes class category \
		>"$src.summary"
	compare live.summary "$src.summary"
done

# A capture whose libjvm is not the one mapped (a dump: another inode in
# regions.tsv) or not on this machine (a core: its NT_FILE path names a
# directory that is not here): classify says so in one line naming it
# and exits 1 (the Java heap not passed off as anonymous memory by a
# silent exit 0); --objects on the core says why it cannot walk, exit 2.
cp -a "$TRASH/held.dir" "$TRASH/nojvm"
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; print; next}
	$c["name"] ~ /libjvm\.so/ {$c["inode"]=1} {print}' OFS='\t' \
	"$TRASH/held.dir/regions.tsv" >"$TRASH/nojvm/regions.tsv"
python3 - "$TRASH/held.core" "$TRASH/nojvm.core" <<'PY'
import re, sys
d = open(sys.argv[1], 'rb').read()
m = re.search(rb'/usr/lib/jvm/([^/\0]+)/lib/server/libjvm\.so', d)
assert m, 'no libjvm path in the core'
a = m.group(0)
open(sys.argv[2], 'wb').write(d.replace(a, a.replace(b'/usr/lib/jvm/', b'/usr/lib/jvX/')))
PY
for src in nojvm nojvm.core; do
	for opt in "" --summary; do
		rc=0
		classify $opt "$TRASH/$src" >/dev/null 2>nojvm.err || rc=$?
		expect_eq "classify $opt on $src: exit" 1 "$rc"
		grep -q "libjvm\.so: cannot read its ELF symbols" nojvm.err ||
			fail "$src: no word about libjvm: $(cat nojvm.err)"
		expect_eq "classify $opt $src: lines on stderr" 1 "$(wc -l <nojvm.err)"
	done
done
grep -q "jvX/.*libjvm" nojvm.err || fail "the core's libjvm not named: $(cat nojvm.err)"
rc=0
classify --objects "$TRASH/nojvm.core" >/dev/null 2>nojvm.err || rc=$?
expect_eq "classify --objects on a core without libjvm: exit" 2 "$rc"
grep -q "libjvm\.so cannot be read here" nojvm.err ||
	fail "--objects: no word about libjvm: $(cat nojvm.err)"

# gcore's core of the JVM held still: the same chunk histogram as live.
# (Its region classes are not compared: gdb writes the PROT_NONE
# reservations, guards and arena reserves, as readable zeros, so they
# read as anon.) Last: gdb's attach and detach are gdb's.
if command -v gcore >/dev/null; then
	kill -STOP "$pid"
	no_start_of classify --chunks --tsv "$pid" >live2.chunks
	gcore -o "$TRASH/jvm.gcore" "$pid" >gcore.out 2>&1 ||
		fail "gcore: $(tail -3 gcore.out)"
	kill -CONT "$pid" 2>/dev/null || true
	no_start_of classify --chunks --tsv "$TRASH/jvm.gcore.$pid" >gcore.chunks ||
		fail "classify --chunks on gcore's core"
	compare live2.chunks gcore.chunks
else
	echo "note: no gcore (Debian: gdb): gcore's core of the JVM not compared"
fi
