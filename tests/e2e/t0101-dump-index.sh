#!/bin/bash
# A whole-process dump against the kernel's own figures: every region of
# /proc/PID/maps has a record; the bytes captured of each readable region
# are exactly its Rss from smaps (present pages, nothing faulted in); the
# holes column adds up holes.tsv; sha256 agrees with sha256sum for whole
# regions; device, userfaultfd, vvar and MADV_DONTDUMP regions are skipped
# and listed; 1 TiB of untouched MAP_NORESERVE costs one page; modes 0700
# and 0600; the PAGEMAP_SCAN path and the pagemap-entry fallback agree.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target dumpme 64 3
pid=$TARGET_PID
rss0=$(rss_kb "$pid")
big=$(ready_value big)
huge=$(ready_value huge)
huge_page=$(ready_value huge_page)
uffd=$(ready_value uffd)
dd=$(ready_value dd)

cat "/proc/$pid/smaps" >smaps.before
dump-region --sha256 -o d "$pid" >stdout.tsv 2>stderr.txt || fail "exit $?: $(cat stderr.txt)"
cat "/proc/$pid/smaps" >smaps.after
# Regions, Rss and Swap: what a dump must not change. (Pss and the
# shared/private split move with whoever else maps a page: our own libc,
# the kernel's background scanners.)
keep='^[0-9a-f]+-|^(Rss|Swap):'
cmp -s <(grep -E "$keep" smaps.before) <(grep -E "$keep" smaps.after) ||
	fail "the target's smaps changed during the dump: $(diff <(grep -E "$keep" smaps.before) <(grep -E "$keep" smaps.after))"
expect_eq "rss after the dump (kB)" "$rss0" "$(rss_kb "$pid")"
grep -q "^dump-region: plan: pid $pid, " stderr.txt || fail "no plan on stderr"

# Modes.
expect_eq "directory mode" 700 "$(stat -c %a d)"
for f in d/*; do expect_eq "mode of $f" 600 "$(stat -c %a "$f")"; done

# Columns: the region columns, file sha256 holes before name.
expect_eq "regions.tsv header" \
	"$(memmap --tsv "$pid" | head -1 | sed 's/\tname$/\tfile\tsha256\tholes\tname/')" \
	"$(head -1 d/regions.tsv)"

# One record per region of maps, in order.
awk '{split($1, a, "-"); printf "0x%012s 0x%012s\n", a[1], a[2]}' "/proc/$pid/maps" >expect
paste <(field d/regions.tsv start) <(field d/regions.tsv end) | tr '\t' ' ' >actual
compare expect actual

# Captured = Rss for every region that was read (the kernel's count of
# present pages); skipped regions capture nothing.
awk '/^[0-9a-f]+-[0-9a-f]+ / {split($1, a, "-"); k = sprintf("0x%012s", a[1])}
     /^Rss:/ {print k, $2 * 1024}' smaps.before >rss.expect
paste <(field d/regions.tsv start) <(field d/regions.tsv size) \
	<(field d/regions.tsv holes) <(field d/regions.tsv file) |
	awk '$4 != "-" {print $1, $2 - $3}' >captured
join <(sort rss.expect) <(sort captured) | awk '$2 != $3 {print "region " $1 ": rss " $2 ", captured " $3; bad = 1}
	END {exit bad}' || fail "captured bytes differ from smaps Rss"
[ "$(wc -l <captured)" -ge 20 ] || fail "too few regions read: $(wc -l <captured)"

# holes = the sum of holes.tsv over the record's range.
python3 - d/regions.tsv d/holes.tsv <<'PY' || fail "holes column and holes.tsv disagree"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
c = {n: i for i, n in enumerate(rows[0])}
holes = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()[1:]]
bad = 0
for r in rows[1:]:
    s, e = int(r[c["start"]], 16), int(r[c["end"]], 16)
    t = sum(int(h[2], 16) - int(h[1], 16) for h in holes
            if int(h[1], 16) >= s and int(h[2], 16) <= e)
    if t != int(r[c["holes"]]):
        print("holes of", r[c["start"]], r[c["holes"]], "vs holes.tsv", t)
        bad = 1
sys.exit(bad)
PY

# sha256: sha256sum of each whole region's file.
paste <(field d/regions.tsv file) <(field d/regions.tsv sha256) <(field d/regions.tsv holes) |
while IFS=$'\t' read -r f s h; do
	[ "$f" != - ] && [ "$h" = 0 ] || continue
	expect_eq "sha256 of $f" "$s" "$(sha256sum "d/$f" | cut -d' ' -f1)"
	echo "$f" >>checked
done
[ "$(wc -l <checked)" -ge 5 ] || fail "too few whole regions to check sha256"

# Skipped whole, with their reasons.
reason() { awk -F'\t' -v s="$1" '$2 == s {print $4}' d/holes.tsv; }
expect_eq "dontdump region" dontdump "$(reason "$(printf '0x%012x' "$dd")")"
[ "$uffd" = - ] || expect_eq "userfaultfd region" uffd "$(reason "$(printf '0x%012x' "$uffd")")"
grep -q $'\tvvar$' d/holes.tsv || fail "vvar not listed as skipped"
grep -q '"reason":"dontdump"' d/process.json || fail "process.json lacks the skipped regions"

# Contents: big's page k says page-k; its last MiB is absent.
bigf=d/$(awk -F'\t' -v s="$(printf '0x%012x' "$big")" 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
	$2 == s {print $c["file"]}' d/regions.tsv)
for k in 0 1 777 15000; do
	got=$(dd if="$bigf" bs=4096 skip="$k" count=1 2>/dev/null | tr -d '\0' | head -c 16)
	expect_eq "big page $k" "page-$k" "$got"
done
expect_eq "big holes" 1048576 "$(awk -F'\t' -v s="$(printf '0x%012x' "$big")" 'NR > 1 && $2 == s {print $27}' d/regions.tsv)"

# 1 TiB, one page present.
line=$(awk -F'\t' -v s="$(printf '0x%012x' "$huge")" 'NR > 1 && $2 == s' d/regions.tsv)
[ -n "$line" ] || fail "no record of the 1 TiB region"
expect_eq "1 TiB holes" $(( (1 << 40) - 4096 )) "$(echo "$line" | cut -f27)"
hf=d/$(echo "$line" | cut -f25)
got=$(dd if="$hf" bs=4096 skip=$(( (huge_page - huge) / 4096 )) count=1 2>/dev/null | tr -d '\0')
expect_eq "the one page of 1 TiB" one-page-of-a-tebibyte "$got"
[ "$(du -k "$hf" | cut -f1)" -le 64 ] || fail "$hf is not sparse: $(du -k "$hf")"

# stdout: the same records, file as an absolute path that exists.
expect_eq "stdout records" "$(wc -l <d/regions.tsv)" "$(wc -l <stdout.tsv)"
field stdout.tsv file | grep -v '^-$' | while read -r f; do
	case $f in /*) [ -f "$f" ] || fail "stdout names a missing file $f" ;;
	*) fail "stdout file '$f' is not absolute" ;; esac
done

# --include-dontdump reads the MADV_DONTDUMP region (all 'D').
dump-region -q --include-dontdump -o dd "$pid" "$(printf '0x%x' "$dd")" >/dev/null
f=dd/$(field dd/regions.tsv file)
expect_eq "dontdump bytes" 1048576 "$(tr -cd D <"$f" | wc -c)"

# The fallback without PAGEMAP_SCAN gives the same dump.
MEMFORENSIC_NO_PAGEMAP_SCAN=1 dump-region --sha256 -q -o fb "$pid" >/dev/null
compare <(cut -f2,3,26- d/regions.tsv) <(cut -f2,3,26- fb/regions.tsv)
compare d/holes.tsv fb/holes.tsv
expect_eq "rss at the end (kB)" "$rss0" "$(rss_kb "$pid")"
