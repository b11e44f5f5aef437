#!/bin/bash
# classify --objects offline: a freeze dump directory of the whole JVM
# (dump-region --mode freeze) and our core (dump-region --core) give the
# live histogram, class by class (G1 with CDS, the default JVM). The live
# walk before and after the captures must agree (up to 10 tries), so that
# the captures are of that heap.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

start_objleak
pid=$TARGET_PID
stable=0
for try in $(seq 10); do
	rm -rf "$TRASH/jvm.dir" "$TRASH/jvm.core"
	classify --objects --tsv "$pid" >live.before
	rc=0
	dump-region --mode freeze -o "$TRASH/jvm.dir" "$pid" >/dev/null \
		2>dump.err || rc=$?
	# A region unmapped between the selection and the freeze: again.
	[ "$rc" = 0 ] || { [ "$rc" = 1 ] && grep -q "no longer mapped" dump.err; } ||
		fail "dump-region: exit $rc: $(cat dump.err)"
	[ "$rc" = 0 ] || continue
	dump-region --core "$TRASH/jvm.core" "$pid" >/dev/null 2>core.err ||
		fail "dump-region --core: $(cat core.err)"
	classify --objects --tsv "$pid" >live.after
	if cmp -s live.before live.after; then
		stable=1
		break
	fi
done
[ $stable = 1 ] || fail "the JVM's heap never held still over a capture"
python3 "$TOP/tests/e2e/objects.py" own live.after "$NCTX" "$NMSG"
for src in jvm.dir jvm.core; do
	rc=0
	classify --objects --tsv "$TRASH/$src" >"$src.tsv" 2>"$src.err" || rc=$?
	expect_eq "$src: exit status ($(cat "$src.err"))" 0 "$rc"
	python3 "$TOP/tests/e2e/objects.py" same live.after "$src.tsv"
done
no_attach "$pid"
