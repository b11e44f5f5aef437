#!/bin/bash
# On raw dumps of real processes, scan --strings finds exactly the strings
# and offsets GNU strings finds: ascii against `strings -a -n N -t x`,
# utf16le against `strings -a -e l -n N -t x`, for several N; and with
# one thread or two (the windows a region is cut into for two threads
# must not change a byte).
. "$TOP/tests/e2e/lib.sh"
command -v strings >/dev/null || skip "no GNU strings (binutils)"

# dump PID PREFIX: every readable region of PID, read through
# /proc/PID/mem (a test helper: it may fault pages in, which the tool
# under test never does), one raw file per region.
dump() {
	python3 - "$1" "$2" <<'PY'
import sys
pid, prefix = sys.argv[1], sys.argv[2]
n = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        f = line.split()
        name = f[5] if len(f) > 5 else ""
        if f[1][0] != "r" or name.startswith("[vvar") or name == "[vsyscall]":
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        with open(f"{prefix}{n:03d}.bin", "wb") as out:
            out.write(data)
        n += 1
print(n)
PY
}

# ours FILE ARGS...: scan's hits as "offset-in-hex text", as strings -t x.
ours() {
	local f=$1
	shift
	scan "$@" --tsv "$f" | awk -F'\t' '
	function hex(s,  i, v) {
		v = 0
		for (i = 3; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		t = $c["text"]
		gsub(/\\\\/, "\001", t); gsub(/\\t/, "\t", t); gsub(/\001/, "\\", t)
		printf "%7x %s\n", hex($c["addr"]), t
	}'
}

# gnu ARGS...: GNU strings -t x, each text cut to the 64 KiB a hit keeps
# (FX_TEXT_MAX: scan's len says the whole length; leaky holds one 16 MiB
# string of 'B').
gnu() {
	strings "$@" | cut -c1-$((8 + 65536))
}

start_target leaky 3000
n1=$(dump "$TARGET_PID" leaky-)
start_target threads 4
n2=$(dump "$TARGET_PID" threads-)
[ "$n1" -gt 5 ] && [ "$n2" -gt 5 ] || fail "too few regions dumped ($n1, $n2)"

checked=0
for f in leaky-*.bin threads-*.bin; do
	for n in 4 11; do
		gnu -a -n $n -t x "$f" >expect
		ours "$f" --strings -n $n --enc ascii >actual
		compare expect actual
	done
	gnu -a -e l -n 5 -t x "$f" >expect
	ours "$f" --strings -n 5 --enc utf16le -j 1 >actual
	compare expect actual
	checked=$((checked + 1))
done
# A big region cut into windows: one thread and two give the same.
big=$(ls -S leaky-*.bin | head -1)
[ "$(stat -c %s "$big")" -gt $((4 << 20)) ] || fail "no region over 4 MiB in leaky"
gnu -a -n 6 -t x "$big" >expect
ours "$big" --strings -j 1 >actual1
ours "$big" --strings -j 2 >actual2
compare expect actual1
compare expect actual2
echo "compared $checked region dumps, ascii and utf16le"
