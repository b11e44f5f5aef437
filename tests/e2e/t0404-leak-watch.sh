#!/bin/bash
# scripts/leak-watch on a target that leaks 20,000 contexts every 200 ms:
# three captures a second apart. The heap's resident bytes rise capture
# after capture in series.tsv (the data plotted), plot.svg and plot.png
# are written with a heap line, report.md names heap as the growing
# class, and the chunk diff shows size 112 grown by whole batches of the
# target's leak. A watch of a process that is gone fails cleanly.
. "$TOP/tests/e2e/lib.sh"

watch=$TOP/scripts/leak-watch
command -v gnuplot >/dev/null 2>&1 || skip "no gnuplot (scripts/install-deps installs gnuplot-nox)"

"$watch" --help >help.txt
grep -q '^usage: leak-watch ' help.txt || fail "leak-watch --help: no usage line"
grep -q '^Examples' help.txt || fail "leak-watch --help: no examples"
grep -q '^Exit status' help.txt || fail "leak-watch --help: no exit status"
rc=0; "$watch" -n 1 1 2>err || rc=$?
expect_eq "-n 1: exit status" 64 "$rc"

start_target growleak 1000 20000 - 200
pid=$TARGET_PID
leak=$(ready_value leak)
"$watch" -i 1 -n 3 -o case "$pid" 2>watch.err || fail "leak-watch failed: $(cat watch.err)"

for f in capture-01/regions.tsv capture-03/summary.tsv diff-summary.tsv \
	diff-chunks.tsv diff-regions.tsv diff-threads.tsv series.tsv report.md; do
	[ -s "case/$f" ] || fail "case/$f missing or empty"
done
# The heap rises in the series, at every capture.
awk -F'\t' '$3 == "heap" {print $2}' case/series.tsv >heap.rss
expect_eq "heap points" 3 "$(wc -l <heap.rss)"
sort -n -u heap.rss | cmp -s - heap.rss || fail "heap rss not rising: $(tr '\n' ' ' <heap.rss)"
# The plot: real PNG and SVG files, with a heap line.
expect_eq "PNG signature" "89504e470d0a1a0a" "$(head -c 8 case/plot.png | od -An -tx1 | tr -d ' \n')"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' case/plot.svg ||
	fail "plot.svg is not XML"
grep -q '<title>heap</title>' case/plot.svg || fail "no heap line in plot.svg"
# The report names the growing class.
grep -q '^The growing class: \*\*heap\*\*, +' case/report.md ||
	fail "report: $(grep -i 'class' case/report.md | head -3)"
# Chunks: 112 bytes first, grown by whole batches of the target's leak.
read -r delta size status < <(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	NR==2 {print $c["delta"], $c["size"], $c["status"]}' case/diff-chunks.tsv)
expect_eq "first chunk size" 112 "$size"
expect_eq "first chunk status" grown "$status"
[ "$delta" -gt 0 ] && [ $((delta % leak)) -eq 0 ] ||
	fail "112-byte chunks grew by $delta, not whole batches of $leak"

# The process exits during the watch: the captures taken are compared,
# exit 1, and the report says why it stopped early. (Polled with a bound:
# up to 30 s for two captures.)
"$watch" -i 0.2 -n 1000 -o short "$pid" 2>short.err &
watcher=$!
for i in $(seq 300); do
	[ -s short/capture-02/threads.tsv ] && break
	sleep 0.1
done
[ -s short/capture-02/threads.tsv ] || fail "no second capture within 30 s"
kill -9 "$pid"
rc=0; wait "$watcher" || rc=$?
expect_eq "exited mid-watch: exit status" 1 "$rc"
grep -q '^- capture [0-9]*: the process is gone or unreadable' short/report.md ||
	fail "exited mid-watch: $(tail -3 short/report.md)"
[ -s short/diff-summary.tsv ] || fail "exited mid-watch: no diff"

# A process that is gone: exit 2, one line, no directory left half-made.
wait "$pid" 2>/dev/null || true
rc=0; "$watch" -i 0 -n 2 -o gone "$pid" 2>err || rc=$?
expect_eq "gone: exit status" 2 "$rc"
grep -q "^leak-watch: cannot watch process $pid: no such process" err ||
	fail "gone: $(cat err)"
