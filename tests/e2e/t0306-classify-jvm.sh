#!/bin/bash
# A JVM with -Xmx256m and no other flag, explained from its vmStructs
# tables, against what the JVM itself reports through jcmd: the jvm-heap
# regions are exactly its 256 MiB reserved heap (GC.heap_info), the code
# heaps' bounds and committed parts are Compiler.codecache's, class space
# and metaspace are VM.metaspace's (the class space's bounds VM.info's),
# every task of /proc/PID/task has a --threads record and every Java
# thread carries the name Thread.print gives it. The target is never
# stopped: its state stays S.
. "$TOP/tests/e2e/lib.sh"

command -v jcmd >/dev/null || skip "no jcmd (the JDK's own report) on this machine"
start_jvm 32
pid=$TARGET_PID
# jcmd attaches once (an "Attach Listener" thread appears), then reports.
jcmd "$pid" GC.heap_info >heap_info.txt
jcmd "$pid" Compiler.codecache >codecache.txt
jcmd "$pid" Thread.print >threads.txt
jcmd "$pid" VM.info >vm_info.txt
classify --tsv "$pid" >regions.tsv 2>classify.err || fail "classify: $(cat classify.err)"
py() { python3 "$TOP/tests/e2e/jvm.py" "$@" || fail "jvm.py $1: see above"; }
py heap heap_info.txt regions.tsv
size=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["class"]=="jvm-heap" {s+=$c["size"]} END {print s}' regions.tsv)
expect_eq "jvm-heap bytes (-Xmx256m)" 268435456 "$size"
py code codecache.txt regions.tsv
# Metaspace commits and uncommits as classes load and unload (jcmd's own
# attach loads some; a GC may give chunks back: once, on a loaded machine,
# 8.19 MB at jcmd's look and 6.75 MB at ours). Compared at a moment the
# JVM's figures held still across our read (5 tries).
ms_lines() { grep -E '^ *(Non-class|Class) space:' "$1"; }
for try in 1 2 3 4 5; do
	jcmd "$pid" VM.metaspace >metaspace.txt
	summary "$pid" >summary.tsv
	jcmd "$pid" VM.metaspace >metaspace2.txt
	[ "$(ms_lines metaspace.txt)" = "$(ms_lines metaspace2.txt)" ] && break
	echo "note: metaspace moved during try $try: $(ms_lines metaspace.txt | tr -s ' ') / $(ms_lines metaspace2.txt | tr -s ' ')"
done
py metaspace metaspace.txt regions.tsv summary.tsv
py ccs vm_info.txt regions.tsv
py names threads.txt regions.tsv
# The CDS archive is found and is metaspace, its file mapping included.
grep -q $'\tjvm-metaspace\tCDS archive, mapped from classes.jsa' regions.tsv ||
	fail "no CDS archive region"

# One --threads record per task, at a moment the task list holds still.
for try in $(seq 10); do
	ls "/proc/$pid/task" | sort -n >expect
	classify --threads --tsv "$pid" >threads.tsv
	awk -F'\t' 'NR>1 {print $2}' threads.tsv | sort -n >actual
	ls "/proc/$pid/task" | sort -n >expect2
	cmp -s expect expect2 && cmp -s expect actual && break
done
compare expect actual
# A Java thread's stack is the JVM's: 1 MiB with its guard zones.
main_tid=$(sed -n 's/^"main" #1 .*nid=\(0x[0-9a-f]*\).*/\1/p' threads.txt)
[ -n "$main_tid" ] || fail "no main thread in Thread.print"
expect_eq "main thread's stack size" 1048576 \
	"$(awk -F'\t' -v t=$((main_tid)) '$2==t {print $6}' threads.tsv)"
state=$(awk '{print $3}' "/proc/$pid/stat")
expect_eq "target state" S "$state"
