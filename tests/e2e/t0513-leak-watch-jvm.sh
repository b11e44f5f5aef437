#!/bin/bash
# leak-watch on a JVM: every capture holds objects.tsv (classify
# --objects), diff-objects.tsv is snapdiff of the first and last, and
# report.md names the Java classes that grew: ObjLeak leaks CTX/10 more
# Ctx on SIGUSR2, sent once the first capture is taken.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

start_objleak -XX:+UseSerialGC
pid=$TARGET_PID
"$TOP/scripts/leak-watch" -i 4 -n 2 -o case "$pid" 2>lw.err &
lw=$!
for i in $(seq 1000); do
	grep -q "capture 1 of 2" lw.err && break
	sleep 0.01
done
grep -q "capture 1 of 2" lw.err || fail "no first capture: $(cat lw.err)"
kill -USR2 "$pid"
rc=0
wait "$lw" || rc=$?
[ "$rc" -le 1 ] || fail "leak-watch: exit $rc: $(cat lw.err)"
for c in case/capture-01 case/capture-02; do
	[ -s "$c/objects.tsv" ] || fail "$c: no objects.tsv"
done
python3 "$TOP/tests/e2e/objects.py" own case/capture-01/objects.tsv "$NCTX" "$NMSG"
n=$((NCTX / 10))
grep -q "^- \`Ctx\`: +$n instances ($NCTX to $((NCTX + n))), +" case/report.md ||
	fail "Ctx's growth not named: $(sed -n '/^## Java classes/,/^## Heap/p' case/report.md)"
expect_eq "Ctx in diff-objects.tsv" "$((n * 24)) grown" \
	"$(awk -F'\t' 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
		$c["class"] == "Ctx" {print $c["delta"], $c["status"]}' case/diff-objects.tsv)"
