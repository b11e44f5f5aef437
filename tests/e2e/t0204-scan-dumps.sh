#!/bin/bash
# scan reads dumps as it reads live memory: a dump directory of
# dump-region (by path, and through the records dump-region writes on
# stdout) gives the same hits as the live process it was taken from; an
# ELF core written by gdb's gcore (ground truth independent of our code)
# gives the hits of the live process at the same addresses, with its pid.
. "$TOP/tests/e2e/lib.sh"
command -v gcore >/dev/null || skip "no gcore (Debian: gdb)"

start_target scan_sparse
pid=$TARGET_PID
enc=(-n 8 --enc ascii,utf8,utf16le)
memmap "$pid" | scan "${enc[@]}" >live.tsv
dump-region -o "$TRASH/dump" "$pid" >records.tsv 2>dump.err ||
	fail "dump-region failed: $(cat dump.err)"
scan "${enc[@]}" "$TRASH/dump" >dir.tsv
compare live.tsv dir.tsv
scan "${enc[@]}" <records.tsv >piped.tsv
compare live.tsv piped.tsv
grep -q 'LAST-BYTE-MARKER$' dir.tsv || fail "no marker in the dump"

n=3000
start_target leaky $n
pid=$TARGET_PID
memmap "$pid" | scan -e '$UNKNOWN' >live.tsv
gcore -o "$TRASH/core" "$pid" >gcore.out 2>&1 || fail "gcore: $(cat gcore.out)"
scan -e '$UNKNOWN' "$TRASH/core.$pid" >core.tsv
# gcore dumps what the kernel would: the hits in the heap are the same,
# with the pid taken from the core's NT_PRPSINFO note.
heap=$(printf "0x%012x" "0x$(awk '$6 == "[heap]" {print $1}' "/proc/$pid/maps" | cut -d- -f1)")
grep "	$heap	" live.tsv | cut -f1,2,4,5,7 >expect
grep "	$heap	" core.tsv | cut -f1,2,4,5,7 >actual
expect_eq "hits in the heap" "$n" "$(wc -l <expect)"
compare expect actual
# Not an ELF core, not a directory: raw bytes at --base.
head -c 100 /dev/zero >raw.bin
printf 'needle' >>raw.bin
expect_eq "raw file" "-	0x000010000064	0x000010000000	literal	6	-	needle" \
	"$(scan -e needle --base 0x10000000 raw.bin | tail -1)"
# A missing input is reported; the others are still scanned (partial).
rc=0
scan -e needle raw.bin nosuchfile >out.tsv 2>err || rc=$?
expect_eq "exit with a missing input" 1 "$rc"
grep -q "^scan: cannot open 'nosuchfile'" err || fail "message: $(cat err)"
grep -q needle out.tsv || fail "the readable input was not scanned"
