#!/bin/bash
# A literal that overlaps itself, in a run that crosses scan's 4 MiB window
# edge: every occurrence is a hit, whatever the number of threads (with
# non-overlapping hits, which of them a window kept depended on where the
# run began: 19 hits with two threads where one gave 20; fuzz_scan).
. "$TOP/tests/e2e/lib.sh"

python3 -c '
import sys
b = bytearray(b"." * (8 << 20))
b[(4 << 20) - 50:(4 << 20) + 50] = b"A" * 100
sys.stdout.buffer.write(b)' >mem.bin
for j in 1 2; do
	scan --tsv -j $j -e AAAAA mem.bin | cut -f2 | sed 1d >hits.$j
done
expect_eq "hits, one thread" 96 "$(wc -l <hits.1)"
compare hits.1 hits.2
expect_eq "first hit" "0x$(printf '%012x' $(((4 << 20) - 50)))" "$(head -1 hits.1)"
exit 0
