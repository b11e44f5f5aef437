#!/bin/bash
# Record files are hostile input (RELIABILITY T44, T46; issue 12 points 6,
# 7, 9): readers stay linear in a 300,000-column header, sums saturate at
# 2^64 instead of wrapping, a header naming a column twice is refused, and
# nothing from a record, a file name or a target's map name reaches a
# terminal as a control sequence (tables, TSV on a terminal, messages).
. "$TOP/tests/e2e/lib.sh"

ESC=$'\e'

# ---- 300,000 columns: linear, not quadratic (600,000 took 604 s) ----
python3 - <<'PY'
canon = ("pid start end perms offset dev inode size rss pss pss_dirty "
         "shared_clean shared_dirty private_clean private_dirty referenced "
         "anonymous swap swap_pss locked anon_huge vmflags kind").split()
vals = ["2147483647", "0x000000400000", "0x000000401000", "r--p", "0x000000000000",
        "08:01", "42"] + ["4096"] * 14 + ["rd", "file"]
for n, name in ((300000, "wide.tsv"), (30000, "wide30k.tsv")):
    extra = n - len(canon) - 1
    cols = canon + ["c%d" % i for i in range(extra)] + ["name"]
    row = vals + ["7"] * extra + ["x"]
    with open(name, "w") as f:
        f.write("\t".join(cols) + "\n" + "\t".join(row) + "\n")
PY
best() { # CMD...: the best of 3 wall times in ms (output to wide.out)
	local b=999999 t0 t i
	for i in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >wide.out 2>wide.err || fail "$*: exit $?: $(head -c 300 wide.err)"
		t=$((($(date +%s%N) - t0) / 1000000))
		[ "$t" -lt "$b" ] && b=$t
	done
	echo "$b"
}
# linear WHAT CMD...: CMD (reading wide.tsv) takes under a second on the
# 300,000-column header; on a machine too loaded for that (a clean-clone
# check beside other builds saw 1.3 s), at least it must grow like the
# input: at most 30 times its time on 30,000 columns (linear is 10,
# quadratic 100; 600,000 columns took 604 s before).
linear() {
	local what=$1 ms ms30
	shift
	ms=$(best "$@")
	cp wide.tsv wide.keep && cp wide30k.tsv wide.tsv
	ms30=$(best "$@")
	mv wide.keep wide.tsv
	echo "$what: 300,000 columns $ms ms, 30,000 columns $ms30 ms"
	[ "$ms" -lt 1000 ] && return 0
	[ "$ms" -lt 10000 ] && [ "$ms" -le $((30 * (ms30 + 5))) ] ||
		fail "$what took $ms ms on 300,000 columns ($ms30 ms on 30,000)"
}
linear "rank" rank --tsv wide.tsv
[ "$(head -1 wide.out | tr '\t' '\n' | wc -l)" = 30000 ] || fail "rank lost columns"
linear "rank --table" rank --table wide.tsv
linear "rank --group-by" rank --tsv --group-by c7 wide.tsv
# dump-region reads the selection whole first (pid 2^31-1: no process).
dump_wide() { ! dump-region -q -o wide-dump <wide.tsv; }
linear "dump-region" dump_wide
grep -q "no process 2147483647" wide.err || fail "dump-region: $(cat wide.err)"
[ ! -e wide-dump ] || fail "dump-region left a directory for a process it could not open"
linear "snapdiff" snapdiff --tsv wide.tsv wide.tsv

# ---- sums past 2^64 saturate (2 x 2^63 showed 0) ----
printf 'pid\tsize\trss\tkind\tname\n1\t9223372036854775808\t9223372036854775808\tanon\ta\n2\t9223372036854775808\t9223372036854775808\tanon\tb\n' >big.tsv
rank --tsv --group-by kind big.tsv >g.tsv
expect_eq "grouped rss of 2 x 2^63" 18446744073709551615 \
	"$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next} {print $c["rss"]}' g.tsv)"
rank --table big.tsv >t.txt
grep '^ *total' t.txt | grep -q '16E' || fail "table total of 2 x 2^63 is not 16E: $(cat t.txt)"

# ---- a header naming a column twice: refused, with its rows ----
printf 'pid\trss\trss\tname\n1\t5\t900\tx\n' >dup.tsv
rc=0
rank --tsv dup.tsv >d.tsv 2>d.err || rc=$?
expect_eq "rank on a duplicate column: exit" 1 "$rc"
grep -q "column 'rss' twice in the header" d.err || fail "no clear message: $(cat d.err)"
grep -q 900 d.tsv && fail "a row under a duplicate header was ranked: $(cat d.tsv)"

# ---- nothing reaches a terminal as a control sequence ----
# A record with ESC/C1 in a passed-through column and in its text, a file
# named with an escape sequence, a line that is neither record nor header.
printf 'pid\tstart\tend\tsize\trss\tkind\tname\n1\t0x000000400000\t0x000000401000\t4096\t4096\tx\e]0;pwned\ay\xc2\x9b2J\tn\\x1b[31m\xc2\x9b\n' >evil.tsv
cp evil.tsv "evil$ESC[2J.tsv"
printf 'pid\trss\tname\n\e[31mbad\x9b\t1\tz\n' >bad.tsv
# on_tty CMD...: run CMD with stdout and stderr on a pseudo-terminal.
on_tty() {
	script -qec "$(printf '%q ' "$@")" /dev/null </dev/null
}
for fmt in "" --tsv --table --json; do
	on_tty rank $fmt evil.tsv >tty.out 2>&1 || true
	grep -q x tty.out || fail "rank $fmt: no output: $(cat -v tty.out)"
	grep -q "$ESC" tty.out && fail "rank $fmt: ESC reached the terminal: $(cat -v tty.out)"
	LC_ALL=C grep -q $'\xc2\x9b\|\x9b' tty.out && fail "rank $fmt: C1 reached the terminal: $(cat -v tty.out)"
done
on_tty snapdiff --all evil.tsv evil.tsv >tty.out 2>&1 || true
grep -q "$ESC" tty.out && fail "snapdiff: ESC reached the terminal: $(cat -v tty.out)"
on_tty rank "evil$ESC[2J.tsv" "no$ESC[2Jsuch" >tty.out 2>&1 || true
grep -q "cannot open" tty.out || fail "no message for a missing file: $(cat -v tty.out)"
grep -q "$ESC" tty.out && fail "a file name's ESC reached the terminal in a message: $(cat -v tty.out)"
on_tty rank bad.tsv >tty.out 2>&1 || true
grep -q "$ESC" tty.out && fail "a bad line's ESC reached the terminal: $(cat -v tty.out)"
# Into a pipe, TSV passes a field through as it came (the contract).
rank --tsv evil.tsv | grep -q "x$ESC]0;pwned" || fail "TSV into a pipe altered a field"

# Bytes that are not UTF-8 (scan -x hits) stay within the format: \xHH in
# TSV, {"bytes": base64} in JSON (they were written raw).
printf 'ab\xca\xfe\xba\xbecd' >bin1
scan --tsv -x cafebabe bin1 >hex.tsv
python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' hex.tsv ||
	fail "scan -x TSV is not UTF-8: $(cat -v hex.tsv)"
grep -q '\\xca\\xfe\\xba\\xbe$' hex.tsv || fail "scan -x text not escaped: $(cat -v hex.tsv)"
scan --json -x cafebabe bin1 | grep -q '"text":{"bytes":"yv66vg=="}' ||
	fail "scan -x JSON: $(scan --json -x cafebabe bin1)"

# A target's map name (a library path with an escape sequence) in
# classify's messages and tables.
lib=$(ldconfig -p | awk '/libz\.so\.1 .*x86-64/ {print $NF; exit}')
[ -n "$lib" ] || lib=$(ldconfig -p | awk '/libm\.so\.6 .*x86-64/ {print $NF; exit}')
[ -n "$lib" ] || skip "no shared library to disguise as libjvm.so"
d="fake$ESC]0;pwned$(printf '\a')$(printf '\xc2\x9b')31m"
mkdir -p "$d" && cp "$lib" "$d/libjvm.so"
start_target fakejvm "$PWD/$d/libjvm.so"
on_tty classify "$TARGET_PID" >tty.out 2>&1 || true
grep -q "vmStructs" tty.out || fail "classify: no JVM note: $(cat -v tty.out)"
grep -q "libjvm.so" tty.out || fail "classify: no region: $(cat -v tty.out)"
grep -q "$ESC" tty.out && fail "classify: a map name's ESC reached the terminal: $(cat -v tty.out)"
LC_ALL=C grep -q $'\x9b' tty.out && fail "classify: a map name's C1 reached the terminal: $(cat -v tty.out)"
exit 0
