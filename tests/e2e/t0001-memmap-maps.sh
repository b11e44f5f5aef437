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
grep -q "	file	$TRASH/odd/new\\\\nline\$" odd.tsv || fail "newline name"
grep -q "	file	$TRASH/odd/tab\\\\there\\\\\\\\back\$" odd.tsv || fail "tab/backslash name"
grep -q "	deleted	$TRASH/odd/unlinked (deleted)\$" odd.tsv || fail "unlinked file"
grep -q "	file	$TRASH/odd/real (deleted)\$" odd.tsv || fail "a file really named '(deleted)'"
grep -q "	memfd	/memfd:memfd-test (deleted)\$" odd.tsv || fail "memfd"
grep -q "	shm	/SYSV00000000 (deleted)\$" odd.tsv || fail "sysv shm"
grep -q "	shm	/dev/zero (deleted)\$" odd.tsv || fail "shared anonymous"
grep -q "	---p	.*	guard	-\$" odd.tsv || fail "guard page"
grep -q "	heap	\[heap\]\$" odd.tsv || fail "heap"
grep -q "	stack	\[stack\]\$" odd.tsv || fail "stack"
grep -q "	vdso	\[vdso\]\$" odd.tsv || fail "vdso"
[ "$(grep -c 'deep-file$' odd.tsv)" = 1 ] || fail "4 KiB path"
