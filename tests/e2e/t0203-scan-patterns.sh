#!/bin/bash
# Patterns over live memory: literals, hex with wildcards, regexes, -f,
# -i, --context, found once at the address the target reports, across a
# page boundary, across scan's 4 MiB window boundary, and ending at a
# region's last byte. A region that vanishes before or during the scan is
# a hole, not a crash. Bad patterns are usage errors.
. "$TOP/tests/e2e/lib.sh"

start_target scan_sparse churn
pid=$TARGET_PID
addr() { printf '0x%012x' "$(ready_value "$1")"; }
memmap "$pid" >regions.tsv

# hits FILE ENC TEXT: "addr len" of the hits of TEXT with ENC in the
# target's own two regions (the binary holds copies of the texts).
hits() {
	awk -F'\t' -v e="$2" -v t="$3" -v b="$(addr big)" -v l="$(addr last_region)" \
		'$4 == e && $7 == t && ($3 == b || $3 == l) {print $2, $5}' "$1"
}

last_hex=$(printf 'LAST-BYTE-MARKER' | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
scan -e CROSS-PAGE-BOUNDARY-MARKER -e WINDOW-EDGE-MARKER -x "$last_hex" \
	-r 'WINDOW-[A-Z]+-MARKER' <regions.tsv >p.tsv
expect_eq "literal across a page" "$(addr cross) 26" "$(hits p.tsv literal CROSS-PAGE-BOUNDARY-MARKER)"
expect_eq "literal across the window edge" "$(addr window) 18" "$(hits p.tsv literal WINDOW-EDGE-MARKER)"
expect_eq "regex across the window edge" "$(addr window) 18" "$(hits p.tsv regex WINDOW-EDGE-MARKER)"
expect_eq "hex at the region's last byte" "$(addr last) 16" "$(hits p.tsv hex LAST-BYTE-MARKER)"
expect_eq "region of the last-byte hit" "$(addr last_region)" \
	"$(awk -F'\t' '$4 == "hex" {print $3}' p.tsv)"

# Wildcards and nibbles, ignoring case, a pattern file.
scan -x '57 49 4e ?? 45 57' <regions.tsv >w.tsv   # "WIN?EW" matches nothing
[ "$(wc -l <w.tsv)" -le 1 ] || fail "WIN?EW matched: $(cat w.tsv)"
scan -x '57 49 4e 44 4f 57 2d ?? 44 4? ?5' <regions.tsv >w.tsv   # WINDOW-?D[4?][?5]
expect_eq "hex with wildcards" "$(addr window) 11" "$(hits w.tsv hex WINDOW-EDGE)"
scan -i -e window-edge-marker <regions.tsv >i.tsv
expect_eq "-i" "$(addr window) 18" "$(hits i.tsv literal WINDOW-EDGE-MARKER)"
printf '# comment\n\nSCAN-CANARY-PAGE\nhex:4c 41 53 54\nre:CROSS-[A-Z]+-BOUNDARY\nlit:re:nothing\n' >pats
scan -f pats <regions.tsv >f.tsv
expect_eq "-f literal" "$(addr canary) 16" "$(hits f.tsv literal SCAN-CANARY-PAGE)"
expect_eq "-f hex" "$(addr last) 4" "$(hits f.tsv hex LAST)"
expect_eq "-f regex" "$(addr cross) 19" "$(hits f.tsv regex CROSS-PAGE-BOUNDARY)"

# Context: cut at the region's end; JSON keeps the same keys.
scan --context 4 -e LAST-BYTE-MARKER <regions.tsv >c.tsv
head -1 c.tsv | grep -qx 'pid	addr	region_start	enc	len	before	after	starttime	text' || fail "context header"
expect_eq "context" '\x00\x00\x00\x00		LAST-BYTE-MARKER' "$(tail -1 c.tsv | cut -f6,7,9)"
scan --json -e LAST-BYTE-MARKER <regions.tsv >j.json
grep -q "\"addr\":\"$(addr last)\",\"region_start\":\"$(addr last_region)\",\"enc\":\"literal\",\"len\":16,\"starttime\":$(cut -d' ' -f22 "/proc/$pid/stat"),\"text\":\"LAST-BYTE-MARKER\"" j.json ||
	fail "json: $(cat j.json)"

# A range no longer mapped: a hole (with -v, a note), not an error.
printf 'pid\tstart\tend\n%s\t0x000000001000\t0x000000002000\n' "$pid" |
	scan -v -e X >gone.tsv 2>gone.err || fail "unmapped range: exit $?"
grep -q 'no longer mapped' gone.err || fail "no note: $(cat gone.err)"
# Regions that vanish while being scanned (the target maps and unmaps one
# all the time): every run ends normally.
for i in $(seq 30); do
	memmap "$pid" | scan -e CHURN-CANARY >churn.tsv 2>churn.err || {
		rc=$?
		[ $rc -eq 1 ] || fail "churn run $i: exit $rc: $(cat churn.err)"
	}
done
kill -0 "$pid" || fail "the target died"

# Bad patterns are usage errors, with one line saying why.
for bad in "-x 'zz'" "-r '(a'" "-r 'a*'" "-e ''"; do
	rc=0
	eval scan "$bad" <regions.tsv >/dev/null 2>bad.err || rc=$?
	expect_eq "exit of scan $bad" 64 "$rc"
	grep -q '^scan: ' bad.err || fail "scan $bad: no message"
done
