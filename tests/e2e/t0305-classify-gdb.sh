#!/bin/bash
# Cross-check with glibc's own view: gdb with glibc's debug symbols
# (Debian libc6-dbg) lists the arenas through main_arena.next and counts
# the mmapped chunks (mp_.n_mmaps); classify, which has no symbols, must
# find the same arenas and as many mmapped chunks. gdb stops the target
# for its look, after classify is done.
. "$TOP/tests/e2e/lib.sh"
command -v gdb >/dev/null || skip "no gdb"

start_target arenas
pid=$TARGET_PID
classify --chunks --tsv "$pid" | awk -F'\t' 'NR>1 {print $2}' | sort -u >actual
classify --tsv "$pid" >regions.tsv
cat >arenas.gdb <<'GDB'
set $a = &main_arena
printf "main 0x%012lx\n", (unsigned long) $a
set $a = main_arena.next
while $a != &main_arena
  printf "arena 0x%012lx\n", (unsigned long) $a
  set $a = $a->next
end
printf "mmaps %d\n", mp_.n_mmaps
GDB
gdb -nx -batch -p "$pid" -iex 'set debuginfod enabled off' -x arenas.gdb \
	</dev/null >gdb.out 2>gdb.err || true
grep -q '^main 0x' gdb.out ||
	skip "gdb cannot see main_arena: glibc debug symbols (libc6-dbg) missing: $(tail -1 gdb.err)"
awk '/^(main|arena) 0x/ {print $2}' gdb.out | sort -u >expect
compare expect actual
n=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["class"]=="mmap-chunk" {split($c["detail"], d, " "); s+=d[1]} END {print s+0}' regions.tsv)
expect_eq "mmapped chunks" "$(awk '/^mmaps/ {print $2}' gdb.out)" "$n"
