#!/bin/bash
# classify --objects --freeze on a JVM busy allocating (ObjLeak churn):
# the target's classes are exact and equal to jmap -histo run right after
# (long-lived: a young collection moves none); under the freeze nothing
# moves, yet a thread may be stopped in the middle of an allocation (its
# space handed out, the object not yet whole): what cannot be parsed
# there is said ("not parsed", exit 1), never counted;
# the pause is reported as dump-region reports it; the JVM runs after,
# untraced, every thread in the state it had; a stopped JVM stays stopped;
# SIGTERM during the freeze lets it go; a traced JVM is refused in one line.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"
. "$TOP/tests/e2e/objlib.sh"

command -v java >/dev/null 2>&1 || skip "no java on this machine"
start_cmd "the JVM (G1, churn)" java -Xmx256m -XX:+UseG1GC -Xshare:off \
	-XX:TLABSize=8k -XX:-ResizeTLAB "$TOP/corpus/targets/ObjLeak.java" \
	"$NCTX" "$NMSG" churn
pid=$TARGET_PID
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

# 1. Running before: a whole walk, running after, pause reported.
for i in 1 2 3; do
	rc=0
	classify --objects --freeze --tsv "$pid" >ours.tsv 2>err || rc=$?
	case $rc in
	0) ;;
	1) grep -q "not parsed" err || fail "exit 1 unexplained: $(cat err)" ;;
	*) fail "exit $rc: $(cat err)" ;;
	esac
	n=$(ls /proc/"$pid"/task | wc -l)
	grep -q "^classify: pid $pid: stopped for [0-9.]* ms ($n threads, running before), now running again\$" err ||
		fail "no pause report: $(cat err)"
	untraced "$pid"
	all_threads_in "$pid" SR
	python3 "$TOP/tests/e2e/objects.py" own ours.tsv "$NCTX" "$NMSG"
done
t0=$(ticks)
for i in $(seq 100); do
	[ "$(ticks)" != "$t0" ] && break
	sleep 0.01
done
[ "$(ticks)" != "$t0" ] || fail "the JVM does not run after the freeze"
no_attach "$pid"

# 2. Stopped before: stopped after, every thread.
kill -STOP "$pid"
wait_state "$pid" T
all_threads_in "$pid" T
rc=0
classify --objects --freeze --tsv "$pid" >stopped.tsv 2>err || rc=$?
[ "$rc" = 0 ] || { [ "$rc" = 1 ] && grep -q "not parsed" err; } || fail "exit $rc: $(cat err)"
grep -q "stopped for [0-9.]* ms ([0-9]* threads, stopped before), now stopped again" err ||
	fail "no pause report: $(cat err)"
all_threads_in "$pid" T
untraced "$pid"
python3 "$TOP/tests/e2e/objects.py" own stopped.tsv "$NCTX" "$NMSG"
kill -CONT "$pid"
wait_state "$pid" S
all_threads_in "$pid" SR

# 3. SIGTERM while frozen: let go first (or, when the walk was quicker
# than the signal, a walk reported whole); never left stopped or traced.
classify --objects --freeze --tsv "$pid" >term.tsv 2>term.err &
cpid=$!
for i in $(seq 1000); do
	[ -n "$(tracers "$pid")" ] && break
	sleep 0.002
done
kill -TERM "$cpid" 2>/dev/null || true
wait "$cpid" || true
grep -q "stopped for [0-9.]* ms ([0-9]* threads, running before), now running again" term.err ||
	fail "no pause report after SIGTERM: $(cat term.err)"
untraced "$pid"
all_threads_in "$pid" SR

# 4. A traced JVM is refused, in one line, and left as it was.
if command -v gdb >/dev/null 2>&1; then
	gdb -nx -batch -p "$pid" -ex "shell classify --objects --freeze $pid >/dev/null 2>traced.err; echo rc=\$? >traced.rc" \
		</dev/null >gdb.log 2>&1 || true
	expect_eq "classify --objects --freeze of a traced JVM" rc=2 "$(cat traced.rc)"
	expect_eq "lines said" 1 "$(wc -l <traced.err)"
	grep -q "^classify: cannot freeze pid $pid: it is traced by pid [0-9]* already" traced.err ||
		fail "no hint: $(cat traced.err)"
	wait_state "$pid" S
	untraced "$pid"
fi

# 5. jmap -histo right after a frozen walk: the long-lived classes exact
# (jmap attaches: last).
rc=0
classify --objects --freeze --tsv "$pid" >ours.tsv 2>err || rc=$?
[ "$rc" = 0 ] || { [ "$rc" = 1 ] && grep -q "not parsed" err; } || fail "exit $rc: $(cat err)"
command -v jmap >/dev/null 2>&1 || skip "no jmap to compare with (the target's own counts were right)"
jmap -histo "$pid" >jmap.txt 2>jmap.err || fail "jmap -histo: $(cat jmap.err)"
python3 "$TOP/tests/e2e/objects.py" exact ours.tsv jmap.txt Ctx Msg Holder '[J'
kill -9 "$pid"
