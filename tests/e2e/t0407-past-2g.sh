#!/bin/bash
# Sizes past 2 GiB in the runbook scripts (mawk's printf "%d" stops at
# 2^31-1, and its print of a number turns 2469408768 into 2.46941e+09).
# A real process with 2355 MiB resident (bigheap, its pages written with
# zeros so that triage's strings scan is quick): dump-on --rss 2G fires,
# and its trigger.txt holds the kernel's Rss (smaps_rollup); --rss 3G does
# not, and says the true size; triage's report gives the kernel's Rss as
# its total and the biggest class's share of it; leak-watch's series.tsv
# sums to the kernel's Rss at each capture, in whole bytes.
. "$TOP/tests/e2e/lib.sh"

avail=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
[ "$avail" -ge $((6 * 1024 * 1024)) ] ||
	skip "MemAvailable is $((avail / 1024)) MiB: this test wants 6 GiB"
S=$TOP/scripts

start_target bigheap 2355 0
pid=$TARGET_PID
krss() { awk '/^Rss:/ {printf "%.0f\n", $2 * 1024}' "/proc/$pid/smaps_rollup"; }
rss=$(krss)
[ "$rss" -gt $((2355 * 1048576)) ] || fail "bigheap is not resident: Rss $rss"

# dump-on: 2G fires (it dumps the 2355 MiB region: about 3 s here).
t=$(date +%s%N)
rc=0; "$S/dump-on" --rss 2G -n 1 -i 0.2 --timeout 20 -o on "$pid" 2>on.err || rc=$?
echo "dump-on --rss 2G: $(( ($(date +%s%N) - t) / 1000000 )) ms"
expect_eq "dump-on --rss 2G: exit status ($(tail -1 on.err))" 0 "$rc"
expect_eq "trigger.txt" "measured: process $pid, $rss bytes resident" \
	"$(grep '^measured:' on/trigger.txt)"
expect_eq "dumped regions" 1 "$(($(wc -l <on/dumped.tsv) - 1))"
rm -rf on/dump
# 3G does not fire, and says how far it is.
rc=0; "$S/dump-on" --rss 3G -i 0.2 --timeout 1 -o never "$pid" 2>never.err || rc=$?
expect_eq "dump-on --rss 3G: exit status" 2 "$rc"
grep -qF "stayed below 3221225472 bytes ($rss) for 1s" never.err ||
	fail "dump-on --rss 3G: $(cat never.err)"
[ ! -e never ] || fail "dump-on --rss 3G made a case directory"

# triage: the total and the biggest class's share.
"$S/triage" --no-dump -o tri "$pid" 2>tri.err || fail "triage: $(cat tri.err)"
grep -qF "Resident memory (sum of Rss over its mappings): 2.3 GiB ($rss bytes)." tri/report.md ||
	fail "triage total: $(grep '^Resident' tri/report.md)"
read -r class crss < <(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["rss"] + 0 > max {max = $c["rss"] + 0; best = $c["class"] "\t" $c["rss"]}
	END {print best}' tri/summary.tsv)
expect_eq "biggest class" anon "$class"
pct=$((100 * crss / rss))
[ "$pct" -ge 99 ] || fail "anon is only $pct% of $rss"
grep -qF "**anon**: 2.3 GiB resident, $pct% of the process." tri/report.md ||
	fail "triage share: $(grep '^\*\*' tri/report.md)"

# leak-watch: whole bytes, summing to the kernel's Rss.
"$S/leak-watch" -i 0.2 -n 2 -o lw "$pid" 2>lw.err || fail "leak-watch: $(cat lw.err)"
awk -F'\t' 'NR > 1 && $2 !~ /^[0-9]+$/' lw/series.tsv >bad
[ ! -s bad ] || fail "series.tsv: not whole bytes: $(head -3 bad)"
awk -F'\t' 'NR > 1 {s[$1] += $2} END {for (t in s) printf "%.0f\n", s[t]}' \
	lw/series.tsv >sums
expect_eq "captures in series.tsv" 2 "$(wc -l <sums)"
expect_eq "series.tsv sums" "$rss $rss" "$(tr '\n' ' ' <sums | sed 's/ $//')"
expect_eq "Rss after the scripts" "$rss" "$(krss)"
