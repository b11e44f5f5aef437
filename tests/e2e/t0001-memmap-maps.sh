#!/bin/bash
# memmap --tsv lists exactly the regions of /proc/PID/maps: start, end,
# perms, offset, dev, inode and name byte for byte (after unescaping), on
# C targets, including names that are hard to parse.
. "$TOP/tests/e2e/lib.sh"

start_target leaky 1000
same_maps "$TARGET_PID"

start_target threads 8
same_maps "$TARGET_PID"

mkdir odd
start_target oddnames "$TRASH/odd"
same_maps "$TARGET_PID"
# The hard names are there, and labelled.
memmap --tsv "$TARGET_PID" >odd.tsv
# Every record carries the process's start time (stat field 22).
st=$(cut -d' ' -f22 "/proc/$TARGET_PID/stat")
[ "$(tail -n +2 odd.tsv | cut -f24 | sort -u)" = "$st" ] || fail "starttime"
grep -q "	file	[0-9]*	$TRASH/odd/new\\\\nline\$" odd.tsv || fail "newline name"
grep -q "	file	[0-9]*	$TRASH/odd/tab\\\\there\\\\\\\\back\$" odd.tsv || fail "tab/backslash name"
grep -q "	deleted	[0-9]*	$TRASH/odd/unlinked (deleted)\$" odd.tsv || fail "unlinked file"
grep -q "	file	[0-9]*	$TRASH/odd/real (deleted)\$" odd.tsv || fail "a file really named '(deleted)'"
grep -q "	memfd	[0-9]*	/memfd:memfd-test (deleted)\$" odd.tsv || fail "memfd"
grep -q "	shm	[0-9]*	/SYSV00000000 (deleted)\$" odd.tsv || fail "sysv shm"
grep -q "	shm	[0-9]*	/dev/zero (deleted)\$" odd.tsv || fail "shared anonymous"
grep -q "	---p	.*	guard	[0-9]*	-\$" odd.tsv || fail "guard page"
grep -q "	heap	[0-9]*	\[heap\]\$" odd.tsv || fail "heap"
grep -q "	stack	[0-9]*	\[stack\]\$" odd.tsv || fail "stack"
grep -q "	vdso	[0-9]*	\[vdso\]\$" odd.tsv || fail "vdso"
[ "$(grep -c 'deep-file$' odd.tsv)" = 1 ] || fail "4 KiB path"
