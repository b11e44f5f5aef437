#!/bin/bash
# rank's filters, ordering, grouping and pass-through against awk and sort
# over the same memmap output.
. "$TOP/tests/e2e/lib.sh"

start_target threads 4
memmap --tsv "$TARGET_PID" >all.tsv
n=$(($(wc -l <all.tsv) - 1))
rss=$(col rss <all.tsv); kind=$(col kind <all.tsv); start=$(col start <all.tsv)

# -n 0 keeps everything, biggest rss first; ties keep input order.
rank -n 0 <all.tsv >ranked.tsv
expect_eq "record count" "$n" "$(($(wc -l <ranked.tsv) - 1))"
tail -n +2 all.tsv | sort -t"$(printf '\t')" -k"$rss,$rss"nr -s >expect
tail -n +2 ranked.tsv >actual
compare expect actual

# --asc -n 3: the three smallest.
tail -n +2 all.tsv | sort -t"$(printf '\t')" -k"$rss,$rss"n -s | head -3 >expect
rank --asc -n 3 <all.tsv | tail -n +2 >actual
compare expect actual

# --where: kind=anon and rss>8K, as awk sees it.
awk -F'\t' -v k="$kind" -v r="$rss" 'NR>1 && $k=="anon" && $r>8192' all.tsv |
	sort -t"$(printf '\t')" -k"$rss,$rss"nr -s >expect
rank -n 0 --where kind=anon --where 'rss>8K' <all.tsv | tail -n +2 >actual
compare expect actual
# != and ~
expect_eq "kind!=file count" "$(awk -F'\t' -v k="$kind" 'NR>1 && $k!="file"' all.tsv | wc -l)" \
	"$(rank -n 0 --where kind!=file <all.tsv | tail -n +2 | wc -l)"
expect_eq "name~libc count" "$(tail -n +2 all.tsv | grep -c 'libc[^	]*$')" \
	"$(rank -n 0 --where name~libc <all.tsv | tail -n +2 | wc -l)"

# --group-by kind: counts and sums per kind, as awk computes them.
awk -F'\t' -v k="$kind" -v r="$rss" 'NR>1 {c[$k]++; s[$k]+=$r}
	END {for (x in c) print c[x], s[x], x}' all.tsv | sort >expect
rank --group-by kind -n 0 <all.tsv >groups.tsv
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	{print $c["count"], $c["rss"], $c["kind"]}' groups.tsv | sort >actual
compare expect actual
head -1 groups.tsv | grep -q '^count	size	rss	' || fail "group header"
head -1 groups.tsv | grep -q '	kind$' || fail "group key last"

# Headerless input (after grep) is read as region records.
grep -v '^pid' all.tsv | rank -n 2 >hl.tsv
rank -n 2 <all.tsv >hd.tsv
compare hd.tsv hl.tsv
# A repeated header (cat a a) is skipped: each region twice.
cat all.tsv all.tsv | rank -n 0 | tail -n +2 | wc -l >actual
echo $((2 * n)) >expect
compare expect actual
# An unknown column passes through unchanged, with its header.
awk -F'\t' -v OFS='\t' '{ $NF = (NR==1 ? "tag" : "t" NR) OFS $NF; print }' all.tsv >tagged.tsv
rank -n 0 <tagged.tsv >out.tsv
head -1 out.tsv | grep -q '	tag	name$' || fail "unknown column header lost"
tail -n +2 out.tsv | sort >actual
tail -n +2 tagged.tsv | sort >expect
compare expect actual
# --by any numeric column, e.g. size; addresses sort too.
expect_eq "largest size" "$(tail -n +2 all.tsv | sort -t"$(printf '\t')" -k8,8nr -s | head -1 | cut -f2)" \
	"$(rank --by size -n 1 <all.tsv | tail -1 | cut -f2)"
expect_eq "highest start" "$(tail -n +2 all.tsv | cut -f"$start" | sort | tail -1)" \
	"$(rank --by start -n 1 <all.tsv | tail -1 | cut -f2)"
# JSON output: one object per record, same keys.
rank -n 5 --json <all.tsv >out.json
python3 -c '
import json, sys
rows = [json.loads(l) for l in open("out.json")]
assert len(rows) == 5, rows
assert all(isinstance(r["rss"], int) and r["start"].startswith("0x") for r in rows)
assert rows[0]["rss"] >= rows[-1]["rss"]
' || fail "json output"
