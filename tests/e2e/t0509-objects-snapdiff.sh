#!/bin/bash
# snapdiff between two classify --objects captures of a JVM whose map of
# contexts grew (ObjLeak: SIGUSR2 leaks CTX/10 more Ctx): Ctx grown by
# exactly that many instances and 24 bytes each, nothing of the target's
# other classes changed.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

start_objleak -XX:+UseSerialGC
pid=$TARGET_PID
classify --objects --tsv "$pid" >one.tsv
python3 "$TOP/tests/e2e/objects.py" own one.tsv "$NCTX" "$NMSG"
kill -USR2 "$pid"
# The leak runs in the JVM's signal thread: look until it is all there
# (each look is a whole walk; a partial one is taken again).
want=$((NCTX + NCTX / 10))
for try in $(seq 200); do
	classify --objects --tsv "$pid" >two.tsv 2>/dev/null || continue
	n=$(awk -F'\t' '$5 == "Ctx" {print $2}' two.tsv)
	[ "$n" != "$want" ] || break
done
expect_eq "Ctx after the leak" "$want" "$n"
snapdiff --by count one.tsv two.tsv >diff.tsv
awk -F'\t' 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
	$c["class"] == "Ctx" || $c["class"] == "Msg" || $c["class"] == "Holder" {
		print $c["class"], $c["delta"], $c["status"]}' diff.tsv >actual
echo "Ctx $((NCTX / 10)) grown" >expect
compare expect actual
snapdiff one.tsv two.tsv >bytes.tsv
expect_eq "Ctx bytes grown" "$((NCTX / 10 * 24))" \
	"$(awk -F'\t' 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
		$c["class"] == "Ctx" {print $c["delta"]}' bytes.tsv)"
no_attach "$pid"
