#!/bin/bash
# Live: `memmap PID | scan --strings --top 5` on a target that leaked N
# contexts reports "$UNKNOWN" N times plus its copies in the binary, and
# the targets' RSS does not grow, even over a 1 GiB mapping that is
# almost all untouched (only present pages are read). The strings at
# known addresses of scan_sparse are found where the target put them:
# across a page boundary, across the boundary of scan's 4 MiB windows, at
# a region's last byte, in UTF-16LE and in UTF-8.
. "$TOP/tests/e2e/lib.sh"


n=20000
start_target leaky $n
pid=$TARGET_PID
before=$(target_rss "$pid")
memmap "$pid" | scan --strings --top 5 >top.tsv
after=$(target_rss "$pid")
expect_eq "leaky VmRSS (kB) after the scan" "$before" "$after"
# The target's own report: N contexts between first and last, each with
# its "$UNKNOWN". A copy or two elsewhere (the code that wrote them keeps
# the 8 bytes as an immediate: "$UNKNOWNI" in the binary; a stack slot)
# is allowed, and must be outside that range.
first=$(ready_value first)
last=$(ready_value last)
memmap "$pid" | scan --strings >hits.tsv
python3 -c '
import sys
lo, hi = int(sys.argv[1], 16), int(sys.argv[2], 16)
i = o = 0
for line in open(sys.argv[3], encoding="utf-8", errors="replace"):
    f = line.rstrip("\n").split("\t")
    if f[-1] == "$UNKNOWN":
        if lo <= int(f[1], 16) < hi: i += 1
        else: o += 1
print(i, o)' "$first" "$last" hits.tsv >counts
read -r inside outside <counts
expect_eq "hits of \$UNKNOWN among the contexts" "$n" "$inside"
[ "$outside" -le 4 ] || fail "$outside copies of \$UNKNOWN outside the contexts"
got=$(awk -F'\t' '$4 == "$UNKNOWN" && $3 == "ascii" {print $1}' top.tsv)
expect_eq "count of \$UNKNOWN in --top" "$((n + outside))" "$got"
expect_eq "bytes of \$UNKNOWN" "$(((n + outside) * 8))" \
	"$(awk -F'\t' '$4 == "$UNKNOWN" {print $2}' top.tsv)"
head -1 top.tsv | grep -qx 'count	bytes	enc	text' || fail "top header"
[ "$(wc -l <top.tsv)" = 6 ] || fail "--top 5 gave $(($(wc -l <top.tsv) - 1)) records"
# The most frequent first.
sort -t'	' -k1,1nr -s <(tail -n +2 top.tsv) | cmp -s - <(tail -n +2 top.tsv) ||
	fail "top not sorted by count"
# --min-count keeps only what repeats that often.
memmap "$pid" | scan --top 0 --min-count $n >min.tsv
[ "$(tail -n +2 min.tsv | cut -f4)" = '$UNKNOWN' ] || fail "--min-count: $(cat min.tsv)"

start_target scan_sparse
pid=$TARGET_PID
before=$(target_rss "$pid")
memmap "$pid" | scan -v --strings -n 10 --enc ascii,utf8,utf16le >hits.tsv 2>scan.err
after=$(target_rss "$pid")
expect_eq "scan_sparse VmRSS (kB) after the scan" "$before" "$after"
grep -q 'not present or unreadable' scan.err || fail "no -v summary"
big=$(ready_value big)
for k in canary:ascii:SCAN-CANARY-PAGE-ONE-HUNDRED \
	cross:ascii:CROSS-PAGE-BOUNDARY-MARKER window:ascii:WINDOW-EDGE-MARKER \
	last:ascii:LAST-BYTE-MARKER utf16:utf16le:JAVA-UTF16-CANARY \
	utf8:utf8:价格-UTF8-CANARY; do
	IFS=: read -r key enc text <<<"$k"
	addr=$(printf '0x%012x' "$(ready_value "$key")")
	line=$(awk -F'\t' -v a="$addr" '$2 == a' hits.tsv)
	[ -n "$line" ] || fail "$text: no hit at $addr"
	expect_eq "$key hit" "$pid	$addr	$enc	$text" \
		"$(cut -f1,2,4,7 <<<"$line")"
done
# Each found once, though it crosses a page or a window boundary.
expect_eq "hits of the window marker" 1 "$(grep -c 'WINDOW-EDGE-MARKER$' hits.tsv)"
expect_eq "hits of the page marker" 1 "$(grep -c 'CROSS-PAGE-BOUNDARY-MARKER$' hits.tsv)"
# One thread finds the same.
memmap "$pid" | scan -j 1 --strings -n 10 --enc ascii,utf8,utf16le >hits1.tsv
compare hits.tsv hits1.tsv
expect_eq "scan_sparse VmRSS (kB) after two scans" "$before" "$(target_rss "$pid")"
