#!/bin/bash
# The incident of DESIGN.md: a JVM that leaks one java.util.Timer (one
# thread, one stack) per request. Between two captures the target serves a
# request (SIGUSR2: 25 Timers); snapdiff of the thread lists shows exactly
# the new tasks, each a Java thread "Timer-N" with a 1 MiB stack, and
# snapdiff of the summaries shows Thread grown by their stacks.
. "$TOP/tests/e2e/lib.sh"

command -v java >/dev/null || skip "no java on this machine"
start_cmd "the JVM" java -Xmx256m "$TOP/corpus/targets/TimerLeak.java" 25
pid=$TARGET_PID
tasks() { ls "/proc/$pid/task" | wc -l; }
settle() {	# wait until the task count holds for 10 looks in a row
	local n same=0 last=-1 i
	for i in $(seq 2000); do
		n=$(tasks)
		if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$n
		[ $same -ge 10 ] && [ "$n" -ge "$1" ] && return 0
		sleep 0.01
	done
	fail "the task count did not settle at $1 or more (now $(tasks))"
}
settle 1
n1=$(tasks)
classify --threads --tsv "$pid" >threads-1.tsv
summary "$pid" >summary-1.tsv
kill -USR2 "$pid"
settle $((n1 + 25))
n2=$(tasks)
# At least 25 more (the JIT may start a compiler thread meanwhile).
[ "$n2" -ge $((n1 + 25)) ] || fail "tasks after one request: $n1 -> $n2"
classify --threads --tsv "$pid" >threads-2.tsv
summary "$pid" >summary-2.tsv
classify --tsv "$pid" >regions-2.tsv

snapdiff --tsv threads-1.tsv threads-2.tsv >dthreads.tsv
new=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["status"]=="new" && $c["comm"] ~ /^Timer-[0-9]+$/' dthreads.tsv | wc -l)
expect_eq "new Timer threads in snapdiff" 25 "$new"
# Each new Timer thread has the JVM's 1 MiB stack...
snapdiff --tsv --by stack_size threads-1.tsv threads-2.tsv >dsizes.tsv
bad=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["status"]=="new" && $c["comm"] ~ /^Timer-/ && $c["new"]!=1048576' dsizes.tsv | wc -l)
expect_eq "new Timer threads without a 1 MiB stack" 0 "$bad"
# ...named in the region records by its java.lang.Thread name.
named=$(grep -c $'\tthread-stack\tJava thread [0-9]* \'Timer-[0-9]*\'' regions-2.tsv)
[ "$named" -ge 25 ] || fail "only $named Timer stacks named"
# The summary: Thread grew by 25 stacks (reserved), its resident bytes too.
snapdiff --tsv --by size summary-1.tsv summary-2.tsv >dsummary.tsv
grown=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["category"]=="Thread" && $c["status"]=="grown" {s+=$c["delta"]}
	END {print s+0}' dsummary.tsv)
# 25 stacks (a compiler thread may come or go meanwhile: 1 MiB each).
[ "$grown" -ge $((24 * 1048576)) ] && [ "$grown" -le $((27 * 1048576)) ] ||
	fail "Thread bytes grown: $grown, not 25 MiB (give or take a compiler thread)"
snapdiff --tsv summary-1.tsv summary-2.tsv >drss.tsv
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["class"]=="thread-stack" && $c["status"]=="grown" && $c["delta"]>0 {ok=1}
	END {exit !ok}' drss.tsv || fail "thread stacks' resident bytes did not grow: $(cat drss.tsv)"
