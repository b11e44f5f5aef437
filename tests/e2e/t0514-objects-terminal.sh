#!/bin/bash
# classify --objects on a terminal: a walk over a second draws a progress
# line on stderr (objects and bytes counted so far), erased before any
# other line (with --freeze, the pause report) and before the records; a
# walk under a second draws none. The big heap: ObjLeak with 16 M contexts
# (about 2 GiB resident), skipped when the machine lacks the memory; its
# walk now takes under a second too, so there the line is asked for
# after 100 ms (MEMFORENSIC_PROGRESS_MS).
. "$TOP/tests/e2e/lib.sh"

command -v script >/dev/null || skip "no script(1) to give classify a terminal"
command -v java >/dev/null 2>&1 || skip "no java on this machine"
avail=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
[ "$avail" -ge 6144 ] || skip "the 2 GiB JVM needs 6 GiB available ($avail MiB)"
start_cmd "the JVM (Parallel, 16 M contexts)" java -Xmx5g -XX:+UseParallelGC \
	"$TOP/corpus/targets/ObjLeak.java" 16000000 2000000
pid=$TARGET_PID

# visible TERM: what the terminal shows of each line (the text after its
# last \r, the erase-line sequence gone).
visible() {
	python3 - "$1" <<'PY'
import sys
for line in open(sys.argv[1], "rb").read().decode().split("\n"):
    if line.startswith("Script "):	# script(1)'s own header and footer
        continue
    print(line.rstrip("\r").split("\r")[-1].replace("\x1b[K", ""))
PY
}
for opt in "" --freeze; do
	rm -f term out
	rc=0
	MEMFORENSIC_PROGRESS_MS=100 script -qec "classify --objects $opt $pid >out" \
		term >/dev/null || rc=$?
	# A live walk reads a running JVM: a thread that allocates meanwhile
	# (the reference handler after the start's collection, say) can leave
	# bytes the walk cannot parse, counted, said, exit 1. Frozen, none.
	if [ "$rc" = 1 ] && [ -z "$opt" ] && grep -q 'of the Java heap not parsed' term; then
		echo "note: the live walk met bytes it could not parse: $(grep -a 'not parsed' term | tr -d '\r')"
	elif [ "$rc" != 0 ]; then
		fail "$opt: exit $rc: $(cat -v term)"
	fi
	awk -F'\t' '$5 == "Ctx" {print $2}' out >ctx
	expect_eq "$opt: Ctx" 16000000 "$(cat ctx)"
	grep -q 'objects, .* counted, [0-9.]* s' term || fail "$opt: no progress line was drawn: $(cat -v term)"
	visible term >shown
	if grep -n 'counted, ' shown; then
		fail "$opt: a progress line left on the terminal"
	fi
	if [ -n "$opt" ]; then
		grep -q "^classify: pid $pid: stopped for [0-9.]* ms ([0-9]* threads, running before), now running again" shown ||
			fail "the pause not on a line of its own: $(cat -v term)"
	fi
done
kill -9 "$pid"

# A walk under a second: no progress line at all.
start_cmd "the JVM (small)" java -Xmx64m "$TOP/corpus/targets/ObjLeak.java" 1000 1000
script -qec "classify --objects $TARGET_PID >out" term >/dev/null || fail "exit $?"
if grep -q 'counted, ' term; then
	fail "a progress line for a walk under a second: $(cat -v term)"
fi
