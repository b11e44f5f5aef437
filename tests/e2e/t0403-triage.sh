#!/bin/bash
# scripts/triage on a live leaking target writes its case directory, and
# report.md names the biggest class (heap), the top region ([heap], where
# the kernel's maps puts it) and the most repeated string ("$UNKNOWN", as
# many times as the target says it allocated contexts), and how to
# analyse the process elsewhere (commands that work when pasted). The
# target's RSS does not move; the case directory is private.
. "$TOP/tests/e2e/lib.sh"

triage=$TOP/scripts/triage

"$triage" --help >help.txt
grep -q '^usage: triage ' help.txt || fail "triage --help: no usage line"
grep -q '^Examples' help.txt || fail "triage --help: no examples"
grep -q '^Exit status' help.txt || fail "triage --help: no exit status"
rc=0; "$triage" 2>err || rc=$?
expect_eq "no pid: exit status" 64 "$rc"

start_target growleak 200000
pid=$TARGET_PID
n=$(ready_value contexts)
before=$(target_rss "$pid")
"$triage" -o case "$pid" 2>triage.err || fail "triage failed: $(cat triage.err)"
after=$(target_rss "$pid")
expect_eq "target rss (kB) across triage" "$before" "$after"
# A successful triage says where its case is and nothing else.
expect_eq "triage's stderr" "triage: case directory case: read case/report.md first" "$(cat triage.err)"

for f in regions.tsv classified.tsv summary.tsv chunks.tsv threads.tsv \
	top-regions.tsv strings.tsv report.md dump/regions.tsv; do
	[ -s "case/$f" ] || fail "case/$f missing or empty"
done
expect_eq "case directory mode" 700 "$(stat -c %a case)"
expect_eq "report mode" 600 "$(stat -c %a case/report.md)"

# The kernel's view: which mapping is the most resident, where the heap is.
top_name=$(awk '/^[0-9a-f]+-[0-9a-f]+ / {name = $6} /^Rss:/ {
	if ($2 > max) {max = $2; best = name}} END {print best}' "/proc/$pid/smaps")
expect_eq "kernel's most resident mapping" "[heap]" "$top_name"
heap=$(awk '/ \[heap\]$/ {split($1, a, "-"); print a[1]}' "/proc/$pid/maps")

grep -q '^\*\*heap\*\*: .* resident' case/report.md ||
	fail "report does not name heap as the biggest class"
grep -q "^1\. \`\[heap\]\` 0x0*$heap-0x[0-9a-f]*: heap, " case/report.md ||
	fail "report's first region is not the [heap] at 0x$heap: $(grep '^1\.' case/report.md)"
grep -q "^The most repeated: \`\$UNKNOWN\`, $n times" case/report.md ||
	fail "report's most repeated string: $(grep '^The most repeated' case/report.md)"

# The report says how to analyse elsewhere; its commands, pasted, work:
# the whole process captured and packed, then classified offline (here,
# unpacked in another directory), with the chunk histogram of the live
# process (the target waits unchanged after its readiness line).
capture=$(grep -o '`dump-region --mode freeze[^`]*`' case/report.md | tr -d '`')
offline=$(grep -o '`classify --chunks case-full/`' case/report.md | tr -d '`')
[ -n "$capture" ] && [ -n "$offline" ] ||
	fail "report: no way to analyse elsewhere: $(grep -A4 Elsewhere case/report.md)"
(eval "$capture") 2>capture.err || fail "report's '$capture': $(cat capture.err)"
mkdir elsewhere
tar -xSf case-full.tar -C elsewhere
(cd elsewhere && eval "$offline") >offline.chunks || fail "report's '$offline'"
classify --chunks --tsv "$pid" >live.chunks
compare live.chunks offline.chunks

# An existing directory is refused, nothing written into it.
rc=0; "$triage" -o case "$pid" 2>err || rc=$?
expect_eq "existing directory: exit status" 2 "$rc"
grep -q "cannot create 'case': it exists" err || fail "existing directory: $(cat err)"
