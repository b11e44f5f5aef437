#!/bin/bash
# --from reads saved texts as live ones; --fast reads maps only; --json
# carries the same records, names of any bytes included.
. "$TOP/tests/e2e/lib.sh"

mkdir odd
start_target oddnames "$TRASH/odd"
pid=$TARGET_PID
cat "/proc/$pid/smaps" >saved.smaps
memmap --tsv "$pid" >live.tsv
memmap --tsv --from saved.smaps --pid "$pid" >from.tsv
# Same regions and the figures that count pages of the target alone (rss,
# anonymous, swap): Pss and the shared/private split of libc's pages move
# with whoever else maps them at that instant (cat, then memmap itself).
# Only a live pid can tell a file really named "x (deleted)" from an
# unlinked one: a saved text says "deleted" for both.
# A saved text has no start time (column 24): '-', unless --pid N@STARTTIME.
sed 's/	file	\(.* (deleted)\)$/	deleted	\1/' live.tsv | cut -f1-9,17,18,22,23,25 >expect
cut -f1-9,17,18,22,23,25 from.tsv >actual
compare expect actual
tail -n +2 from.tsv | cut -f24 | sort -u >actual
echo - >expect
compare expect actual
st=$(cut -d' ' -f22 "/proc/$pid/stat")
tail -n +2 live.tsv | cut -f24 | sort -u >actual
echo "$st" >expect
compare expect actual
# Without --pid the pid is missing ("-"); stdin works.
memmap --tsv --from - <saved.smaps | tail -n +2 | cut -f1 | sort -u >actual
echo - >expect
compare expect actual

# --fast: the same regions, no figures.
memmap --tsv --fast "$pid" >fast.tsv
cut -f1-8,23-25 live.tsv >expect
cut -f1-8,23-25 fast.tsv >actual
compare expect actual
tail -n +2 fast.tsv | cut -f9-22 | tr '\t' '\n' | sort -u >actual
echo - >expect
compare expect actual
# A saved maps text is the same as --fast.
cat "/proc/$pid/maps" >saved.maps
memmap --tsv --from saved.maps --pid "$pid@$st" >frommaps.tsv
sed 's/	file	\(.* (deleted)\)$/	deleted	\1/' fast.tsv >expect
compare expect frommaps.tsv

# JSON: the same records; names decoded byte for byte, including bytes
# that are not UTF-8 (base64).
memmap --json "$pid" >out.json
python3 - "$TRASH/odd" <<'PY' || fail "json"
import base64, json, sys
rows = [json.loads(l) for l in open("out.json")]
tsv = open("live.tsv", "rb").read().split(b"\n")[1:-1]
assert len(rows) == len(tsv), (len(rows), len(tsv))
def name(r):
    n = r["name"]
    if n is None:
        return b""
    if isinstance(n, dict):
        return base64.b64decode(n["bytes"])
    return n.encode()
names = [name(r) for r in rows]
d = sys.argv[1].encode()
assert d + b"/new\nline" in names
assert d + b"/tab\there\\back" in names
assert d + b"/not-utf8-\xff\xfe" in names
assert any(isinstance(r["name"], dict) for r in rows)
assert all(isinstance(r["size"], int) for r in rows)
PY
# The terminal table: human sizes and a totals line.
memmap --table "$pid" >table.txt
tail -1 table.txt | grep -q "^total .* $(($(wc -l <live.tsv) - 1)) records\$" || fail "table totals"
grep -q '\[heap\]$' table.txt || fail "table rows"
