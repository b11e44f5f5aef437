#!/bin/bash
# RELIABILITY T25: huge pages. A hugetlb mapping half written and a THP
# (MADV_HUGEPAGE) mapping are dumped, live and frozen: every written page
# is in the file at its offset, the hugetlb pages never touched are holes
# ("absent") and were not faulted in (HugePages_Free unchanged: no page
# taken from the pool), and the THP mapping is not split (AnonHugePages
# unchanged). Sets vm.nr_hugepages for the test (root) and restores it.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

pool=/proc/sys/vm/nr_hugepages
[ -w "$pool" ] || skip "cannot set vm.nr_hugepages (not root?)"
old=$(cat "$pool")
trap 'cleanup; echo "$old" >"$pool"' EXIT
echo $((old + 4)) >"$pool" 2>/dev/null || skip "cannot grow the hugetlb pool"
free_pages() { awk '/^HugePages_Free:/ {print $2}' /proc/meminfo; }
[ "$(free_pages)" -ge 4 ] || skip "the hugetlb pool has fewer than 4 free pages"

start_target hugepages
pid=$TARGET_PID
h=$(ready_value hugetlb)
t=$(ready_value thp)
[ "$h" != "-" ] || skip "MAP_HUGETLB gave nothing"
# anon_huge START: AnonHugePages (kB) of the mapping at START.
anon_huge() {
	awk -v s="${1#0x}" '$1 ~ "^"s"-" {p=1; next} p && /^AnonHugePages:/ {print $2; exit}' \
		"/proc/$pid/smaps"
}
free0=$(free_pages)
thp0=$(anon_huge "$t")

# check_file FILE PAGES: page i of FILE begins "hugepage-page-i".
check_file() {
	python3 - "$1" "$2" <<'PY' || fail "$1: pages not where they belong"
import sys
data = open(sys.argv[1], 'rb').read()
for i in range(int(sys.argv[2])):
    want = b'hugepage-page-%d\0' % i
    if data[i * 4096:i * 4096 + len(want)] != want:
        sys.exit('page %d: %r' % (i, data[i * 4096:i * 4096 + 24]))
PY
}
for mode in live freeze; do
	dump-region -q --mode "$mode" -o "d-$mode" "$pid" "$h" "$t" >/dev/null ||
		fail "dump ($mode) failed"
	check_file "d-$mode/$pid-$h-"*.bin 1024
	check_file "d-$mode/$pid-$t-"*.bin 2048
	# The two hugetlb pages never touched: one 4 MiB hole, not read.
	expect_eq "holes of the hugetlb mapping ($mode)" \
		"$(printf '%s\t0x%x\t0x%x\tabsent' "$pid" $((h + 4194304)) $((h + 8388608)))" \
		"$(awk -F'\t' -v p="$pid" '$1==p' "d-$mode/holes.tsv")"
	expect_eq "HugePages_Free after the $mode dump" "$free0" "$(free_pages)"
	# (Only meaningful when the kernel gave THP: "never" gives 0 kB.)
	[ "$thp0" = 0 ] || expect_eq "AnonHugePages of the THP mapping after the $mode dump" \
		"$thp0" "$(anon_huge "$t")"
done
expect_eq "target state" S "$(awk '{print $3}' "/proc/$pid/stat")"
