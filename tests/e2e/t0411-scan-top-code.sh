#!/bin/bash
# Issue 18 point 7: the most repeated "strings" of scan --top were machine
# code and tables of loaded libraries ('[]A\A]A^A_' thousands of times).
# --top now skips code and read-only file mappings (an x in perms, or a
# file mapped without w) of region records, dump directories and ELF
# cores, said with -v; --with-code counts them again. Ground truth: scan's
# own hit records (every string, no --top), the kernel's maps (which
# regions are code) and readelf (a core's segments).
. "$TOP/tests/e2e/lib.sh"

start_target growleak 5000
pid=$TARGET_PID
memmap --tsv "$pid" >regions.tsv
# Start addresses of code and read-only file regions, from the kernel.
awk '{split($1, a, "-"); p = $2
	if (substr(p, 3, 1) == "x" || ($5 != 0 && substr(p, 2, 1) != "w"))
		printf "0x%012s\n", a[1]}' "/proc/$pid/maps" >code
[ -s code ] || fail "no code regions in the target"
scan --strings --tsv <regions.tsv >hits.tsv
# Every string's count in data only, and everywhere.
awk -F'\t' 'NR == FNR {code[$1] = 1; next} FNR == 1 {next}
	{all[$7]++; if (!($3 in code)) data[$7]++}
	END {for (t in all) printf "%d\t%d\t%s\n", data[t], all[t], t}' code hits.tsv |
	sort -t"$(printf '\t')" -k2,2nr >counts
# A text found mostly in code: the noise.
noise=$(awk -F'\t' '$2 > 2 * $1 && $2 >= 3 {print; exit}' counts)
[ -n "$noise" ] || fail "no repeated string in code: $(head -5 counts)"
IFS=$'\t' read -r ndata nall text <<<"$noise"

scan --strings --top 0 --tsv <regions.tsv >top.tsv
got=$(T=$text awk -F'\t' '$4 == ENVIRON["T"] {print $1}' top.tsv)
expect_eq "--top count of '$text' (data only)" "${ndata/#0/}" "$got"
scan --strings --top 0 --with-code --tsv <regions.tsv >topcode.tsv
got=$(T=$text awk -F'\t' '$4 == ENVIRON["T"] {print $1}' topcode.tsv)
expect_eq "--top --with-code count of '$text'" "$nall" "$got"
# The leak's string leads without code.
expect_eq "first of --top" '$UNKNOWN' "$(sed -n 2p top.tsv | cut -f4)"
# -v says what was skipped.
scan -v --strings --top 5 <regions.tsv 2>err >/dev/null
n=$(grep -c "skipped (.*code or a read-only file; --with-code scans it)" err)
expect_eq "regions said skipped" "$(wc -l <code)" "$n"
# Hits (no --top) still come from every region.
scan -e "$(head -c 4 <<<"$text")" --tsv <regions.tsv | tail -n +2 | cut -f3 | sort -u >seen
grep -qxFf code seen || fail "scan without --top skipped code regions"
# A dump directory's regions.tsv: the same rule.
rank --tsv -n 100 regions.tsv | dump-region -q -o dump >/dev/null
scan --strings --top 0 dump >dtop.tsv
grep -qF "$text" dtop.tsv && [ "$ndata" = 0 ] && fail "dump: '$text' counted from code"
scan --strings --top 0 --with-code dump | grep -qF "$text" || fail "dump --with-code: no '$text'"
# An ELF core: the same rule, perms from PT_LOAD's p_flags, a file mapping
# from NT_FILE (it scanned every segment: machine code led --top). The
# segments skipped are exactly the core's that the kernel's maps call
# code or a read-only file.
dump-region -q --core core "$pid" >/dev/null || fail "dump-region --core: exit $?"
readelf -lW core | awk '$1 == "LOAD" {print $3}' >loads
sed 's/^0x0*/0x/' loads | sort -u >loads.n
sed 's/^0x0*/0x/' code | sort -u >code.n
comm -12 loads.n code.n >want
[ -s want ] || fail "no code segment in the core: $(head -3 loads)"
scan --strings --top 0 core >ctop.tsv
grep -qF "$text" ctop.tsv && [ "$ndata" = 0 ] && fail "core: '$text' counted from code"
scan --strings --top 0 --with-code core | grep -qF "$text" || fail "core --with-code: no '$text'"
scan -v --strings --top 5 core 2>err >/dev/null
sed -n 's/^scan: \(0x[0-9a-f]*\)-0x[0-9a-f]* skipped (.*code or a read-only file; --with-code scans it)$/\1/p' err |
	sed 's/^0x0*/0x/' | sort -u >skipped
expect_eq "core segments said skipped" "$(cat want)" "$(cat skipped)"
scan -v --strings --top 5 --with-code core 2>err >/dev/null
grep -q "skipped (" err && fail "core --with-code skipped: $(grep -m1 skipped err)"
true
