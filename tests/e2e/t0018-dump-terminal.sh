#!/bin/bash
# Issue 18 point 8, dump-region on a terminal: the progress line is erased
# before anything else is printed (a message, the table), so no message
# starts in the middle of a progress line; and a dump directory, live or
# frozen, ends with one summary line: bytes captured, region files, holes
# and the copy's time, whose figures are regions.tsv's (the live mode said
# nothing at the end before).
. "$TOP/tests/e2e/lib.sh"

command -v script >/dev/null || skip "no script(1) to give dump-region a terminal"
start_target bigheap 256
pid=$TARGET_PID

# human SIZE -> bytes (fx_human_size's units).
bytes() {
	python3 -c 'import sys
s = sys.argv[1]; u = "BKMGTPE".find(s[-1])
print(int(float(s[:-1]) * 1024 ** u))' "$1"
}

for mode in live freeze; do
	rm -f term out
	rc=0
	script -qec "dump-region --mode $mode -o d-$mode $pid >out" term >/dev/null ||
		rc=$?
	expect_eq "$mode: exit status" 0 "$rc"
	[ -s out ] || fail "$mode: no records"
	# What the terminal shows of each line: the text after its last \r,
	# with the erase-line sequence gone.
	python3 - term >visible <<'PY'
import sys
for line in open(sys.argv[1], "rb").read().decode().split("\n"):
    if line.startswith("Script "):	# script(1)'s own header and footer
        continue
    print(line.rstrip("\r").split("\r")[-1].replace("\x1b[K", ""))
PY
	grep -q 'mapped (' term || fail "$mode: no progress line was drawn"
	if grep -n 'mapped (' visible; then
		fail "$mode: a progress line left on the terminal"
	fi
	if grep -v '^dump-region: \|^$' visible; then
		fail "$mode: a message not at the start of its line"
	fi
	line=$(grep "^dump-region: pid $pid: .* captured in" visible) ||
		fail "$mode: no summary line: $(cat visible)"
	[ "$(grep -c . visible)" -le 4 ] || fail "$mode: $(cat visible)"
	# Its figures are the index's.
	idx=d-$mode/regions.tsv
	fc=$(col file <"$idx"); sc=$(col size <"$idx"); hc=$(col holes <"$idx")
	files=$(awk -F'\t' -v f="$fc" 'NR > 1 && $f != "-"' "$idx" | wc -l)
	holes=$(awk -F'\t' -v f="$fc" -v h="$hc" 'NR > 1 && $f != "-" { s += $h }
		END { printf "%d", s }' "$idx")
	capt=$(awk -F'\t' -v f="$fc" -v h="$hc" -v z="$sc" 'NR > 1 && $f != "-" {
		s += $z - $h } END { printf "%d", s }' "$idx")
	set -- $(echo "$line" | sed -n \
		's/.*: \([0-9.]*[BKMGTPE]\) captured in \([0-9]*\) region files\{0,1\} in .*, \([0-9.]*[BKMGTPE]\) of holes .*copied in \([0-9.]*\) s$/\1 \2 \3 \4/p')
	[ $# = 4 ] || fail "$mode: summary line: $line"
	expect_eq "$mode: region files" "$files" "$2"
	python3 - "$(bytes "$1")" "$capt" "$(bytes "$3")" "$holes" <<'PY' ||
import sys
c, ci, h, hi = map(int, sys.argv[1:])
ok = lambda shown, true: abs(shown - true) <= max(true * 0.06, 1024)
sys.exit(0 if ok(c, ci) and ok(h, hi) else 1)
PY
		fail "$mode: summary '$line' vs index: $capt captured, $holes holes"
done
