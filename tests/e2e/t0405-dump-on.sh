#!/bin/bash
# scripts/dump-on on a target whose heap grows by 20,000 contexts every
# 200 ms: with --class heap it waits until the heap holds the threshold,
# then dumps the [heap] (the kernel's maps says where it is) holding the
# target's "$UNKNOWN" contexts; a threshold never reached ends at
# --timeout with exit 2; a process that exits ends the watch with exit 2.
. "$TOP/tests/e2e/lib.sh"

dumpon=$TOP/scripts/dump-on
"$dumpon" --help >help.txt
grep -q '^usage: dump-on ' help.txt || fail "dump-on --help: no usage line"
grep -q '^Examples' help.txt || fail "dump-on --help: no examples"
grep -q '^Exit status' help.txt || fail "dump-on --help: no exit status"
rc=0; "$dumpon" 1 2>err || rc=$?
expect_eq "no --rss: exit status" 64 "$rc"
rc=0; "$dumpon" --rss lots 1 2>err || rc=$?
expect_eq "bad --rss: exit status" 64 "$rc"

start_target growleak 1000 20000 - 200
pid=$TARGET_PID
# The first [heap]'s Rss: smaps read while brk grows the heap may show
# the region twice (the kernel's seq_file resumes at the moved end; 2 of
# 300 reads here).
heap_rss() { awk '/ \[heap\]$/ {h = 1; next} /^[0-9a-f]+-/ {h = 0}
	h && /^Rss:/ {print $2 * 1024; exit}' "/proc/$pid/smaps"; }
before=$(heap_rss)
limit=$((before + 8 * 1048576))
"$dumpon" --rss "$limit" --class heap -n 1 -i 0.2 --timeout 60 -o case "$pid" \
	2>dumpon.err || fail "dump-on failed: $(cat dumpon.err)"
after=$(heap_rss)
[ "$after" -ge "$limit" ] || fail "dumped before the heap reached $limit (kernel: $after)"
measured=$(sed -n 's/^measured: class heap of process [0-9]*, \([0-9]*\) bytes resident$/\1/p' case/trigger.txt)
[ -n "$measured" ] && [ "$measured" -ge "$limit" ] || fail "trigger.txt: $(cat case/trigger.txt)"
heap=$(awk '/ \[heap\]$/ {split($1, a, "-"); print a[1]}' "/proc/$pid/maps")
expect_eq "dumped regions" 1 "$(($(wc -l <case/dumped.tsv) - 1))"
read -r start file name < <(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	{print $c["start"], $c["file"], $c["name"]}' case/dumped.tsv)
expect_eq "dumped region's name" "[heap]" "$name"
expect_eq "dumped region's start" "$(printf '0x%012x' "0x$heap")" "$start"
n=$(strings -a "$file" | grep -c -x '\$UNKNOWN')
[ "$n" -ge 1000 ] || fail "only $n \$UNKNOWN contexts in the dumped heap"

rc=0; "$dumpon" --rss 1T -i 0.2 --timeout 1 -o never "$pid" 2>err || rc=$?
expect_eq "never crossed: exit status" 2 "$rc"
grep -q "stayed below 1099511627776 bytes .* (--timeout)" err || fail "timeout: $(cat err)"
[ ! -e never ] || fail "a case directory without a trigger"

kill -9 "$pid"
wait "$pid" 2>/dev/null || true
rc=0; "$dumpon" --rss 1T -o gone "$pid" 2>err || rc=$?
expect_eq "gone: exit status" 2 "$rc"
