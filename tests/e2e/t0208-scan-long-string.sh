#!/bin/bash
# A target's memory is hostile input (RELIABILITY T46): one string as long
# as a region (256 MiB of 'Z') costs scan linear time and bounded memory.
# Its hit says the whole length and keeps only the first FX_TEXT_MAX
# (64 KiB) of text (the old scan kept all of it while it grew and again as
# a key of --top: 1 GiB took 10.5 s and 3.2 GB of memory).
. "$TOP/tests/e2e/lib.sh"
[ -x /usr/bin/time ] || skip "no /usr/bin/time (Debian: time)"

start_target bigheap 256
memmap --tsv "$TARGET_PID" |
	awk -F'\t' 'NR == 1 || $9 >= 268435456' >big.tsv
[ "$(wc -l <big.tsv)" = 2 ] || fail "no 256 MiB region: $(cat big.tsv)"
/usr/bin/time -f '%M' -o rss scan --strings --top 3 --tsv <big.tsv >top.tsv ||
	fail "scan --top: exit $?"
kb=$(tail -1 rss)
echo "scan --strings --top of 256 MiB of one string: max RSS $kb KB"
[ "$kb" -lt 204800 ] || fail "scan used $kb KB for one 256 MiB string"
read -r count bytes enc < <(awk -F'\t' 'NR == 2 {print $1, $2, $3}' top.tsv)
expect_eq "count" 1 "$count"
expect_eq "bytes" 268435456 "$bytes"
expect_eq "enc" ascii "$enc"
expect_eq "text kept" 65536 "$(sed -n 2p top.tsv | cut -f4 | tr -d '\n' | wc -c)"
/usr/bin/time -f '%M' -o rss scan --strings --tsv <big.tsv >hits.tsv ||
	fail "scan: exit $?"
kb=$(tail -1 rss)
[ "$kb" -lt 204800 ] || fail "scan used $kb KB for one 256 MiB string"
expect_eq "len" 268435456 "$(sed -n 2p hits.tsv | cut -f5)"
exit 0
