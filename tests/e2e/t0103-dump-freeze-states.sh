#!/bin/bash
# Freeze mode restores every thread exactly: a running target runs after,
# a stopped one stays stopped, a SIGSTOP that arrives during the freeze
# is not lost, and nothing is left traced; the pause is measured and
# reported (stderr and process.json), and the RSS does not grow.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target dumpme 256 6
pid=$TARGET_PID
rss0=$(rss_kb "$pid")

# 1. Running before: running after, pause reported.
dump-region --mode freeze -o run "$pid" >/dev/null 2>err || fail "exit $?: $(cat err)"
all_threads_in "$pid" SR
untraced "$pid"
grep -q "pid $pid: stopped for [0-9.]* ms (7 threads, running before), now running again" err ||
	fail "no pause report: $(cat err)"
grep -q '"mode":"freeze","pause_ns":[1-9][0-9]*,' run/process.json || fail "no pause in process.json"
grep -q '"consistency":"consistent' run/process.json || fail "not marked consistent"
expect_eq "rss (kB)" "$rss0" "$(rss_kb "$pid")"

# 2. Stopped before: stopped after, every thread.
kill -STOP "$pid"
wait_state "$pid" T
dump-region -q --mode freeze -o stopped "$pid" >/dev/null || fail "exit $?"
all_threads_in "$pid" T
untraced "$pid"
kill -CONT "$pid"
wait_state "$pid" S
all_threads_in "$pid" SR

# 3. A SIGSTOP during the freeze: stopped after. The dump goes to disk
# (256 MiB, long enough); the signal is sent once the target is traced.
dump-region -q --mode freeze -o during "$pid" >/dev/null 2>err &
dpid=$!
for i in $(seq 1000); do
	[ -n "$(tracers "$pid")" ] && break
	sleep 0.005
done
[ -n "$(tracers "$pid")" ] || fail "the freeze never began"
kill -STOP "$pid"
wait "$dpid" || fail "freeze dump failed: $(cat err)"
wait_state "$pid" T
all_threads_in "$pid" T
untraced "$pid"
kill -CONT "$pid"
wait_state "$pid" S

expect_eq "rss after the freezes (kB)" "$rss0" "$(rss_kb "$pid")"

# 4. A target that is being traced already (here by us, through gdb) is
# refused, not fought over.
if command -v gdb >/dev/null 2>&1; then
	gdb -nx -batch -p "$pid" -ex "shell dump-region -q --mode freeze -o traced $pid >/dev/null 2>traced.err; echo rc=\$? >traced.rc" \
		</dev/null >gdb.log 2>&1 || true
	expect_eq "dump of a traced target" rc=2 "$(cat traced.rc)"
	grep -q "it is traced by pid [0-9]* already" traced.err || fail "no hint: $(cat traced.err)"
	wait_state "$pid" S
	untraced "$pid"
fi
