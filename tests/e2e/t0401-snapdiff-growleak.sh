#!/bin/bash
# A live target leaks 50,000 more 96-byte contexts between two captures
# (growleak, on SIGUSR1; it reports the new total through a FIFO, read
# with a bound). snapdiff of the classify --chunks captures puts size 112
# first with delta 50,000; of the memmap captures, [heap] grown, with the
# end the kernel's maps shows; of the scan --top captures, "$UNKNOWN" by
# 50,000 copies. Ground truth: the target's own report and /proc/PID/maps.
. "$TOP/tests/e2e/lib.sh"

heap_end() { awk '/ \[heap\]$/ {split($1, a, "-"); print a[2]}' "/proc/$1/maps"; }
top_strings() { memmap --tsv "$1" | rank --tsv --where kind=heap | scan --strings --top 5; }
# field FILE COL: COL of the first record of FILE.
field() {
	awk -F'\t' -v want="$2" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		NR==2 {print $c[want]}' "$1"
}

mkfifo report
start_target growleak 1000 50000 "$TRASH/report"
pid=$TARGET_PID
leak=$(ready_value leak)
settled "$pid"
classify --chunks --tsv "$pid" >c1.tsv
memmap --tsv "$pid" >m1.tsv
top_strings "$pid" >s1.tsv
kill -USR1 "$pid"
line=$(timeout 60 head -1 report) || fail "growleak did not report its leak"
expect_eq "target's report" "leaked pid=$pid contexts=$((1000 + leak))" "$line"
settled "$pid"
classify --chunks --tsv "$pid" >c2.tsv
memmap --tsv "$pid" >m2.tsv
top_strings "$pid" >s2.tsv

# Chunks: size 112 first, delta = the target's own count of the leak.
snapdiff c1.tsv c2.tsv >chunks.tsv
expect_eq "first record's size" 112 "$(field chunks.tsv size)"
expect_eq "first record's delta" "$leak" "$(field chunks.tsv delta)"
expect_eq "first record's status" grown "$(field chunks.tsv status)"
old=$(field chunks.tsv old)
[ "$old" -ge 1000 ] || fail "old in-use 112-byte chunks $old < 1000"
expect_eq "new count" $((old + leak)) "$(field chunks.tsv new)"
head -1 chunks.tsv >hdr
printf 'delta\told\tnew\tstatus\tpid\tarena\tsize\ttype\n' >hdr.expect
compare hdr.expect hdr

# The table a person reads: signed, grouped, with a total row.
snapdiff --table c1.tsv c2.tsv >chunks.txt
sed -n 2p chunks.txt | grep -q '^ *+50,000 .* grown ' ||
	fail "table's first row: $(sed -n 2p chunks.txt)"
grep -q '  total  ' chunks.txt || fail "no total row in the table"

# Regions: [heap] grown, first by rss, its end the kernel's.
snapdiff m1.tsv m2.tsv >regions.tsv
expect_eq "first region" "[heap]" "$(field regions.tsv name)"
expect_eq "[heap] status" grown "$(field regions.tsv status)"
expect_eq "[heap] end" "0x$(heap_end "$pid")" "$(field regions.tsv end)"
delta=$(field regions.tsv delta)
# 50,000 chunks of 112 bytes were written: the heap's RSS grew by that,
# less what free space the old heap top held (at most its 132 KiB).
[ "$delta" -ge $((leak * 112 - 135168)) ] ||
	fail "[heap] rss grew by $delta, less than the leak"
# The same through --group-by name, and nothing else grew that much.
snapdiff --group-by name --min-delta 1M m1.tsv m2.tsv >byname.tsv
expect_eq "groups of 1M or more" 1 "$(($(wc -l <byname.tsv) - 1))"
expect_eq "grown group" "[heap]" "$(field byname.tsv name)"

# Strings: "$UNKNOWN" by 50,000 copies, first.
snapdiff s1.tsv s2.tsv >strings.tsv
expect_eq "first string" '$UNKNOWN' "$(field strings.tsv text)"
expect_eq "its delta" "$leak" "$(field strings.tsv delta)"

# JSON: the same first record, numbers as numbers.
snapdiff --json c1.tsv c2.tsv | head -1 >first.json
grep -q '^{"delta":50000,"old":[0-9]*,"new":[0-9]*,"status":"grown",.*"size":112,' \
	first.json || fail "json: $(cat first.json)"
