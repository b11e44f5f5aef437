# Helpers of the dump-region tests (sourced after lib.sh).

# rss_kb PID: resident kB, from smaps_rollup: the kernel walks the page
# tables for it, an exact count. VmRSS in /proc/PID/status is not: since
# Linux 6.2 it sums per-CPU counters approximately and moves by a few kB
# with nobody touching the process.
rss_kb() { awk '/^Rss:/ {print $2}' "/proc/$1/smaps_rollup"; }

# states PID: the sorted, counted state letters of every thread.
states() {
	local t
	for t in /proc/"$1"/task/*; do
		awk '/^State:/ {print $2}' "$t/status" 2>/dev/null
	done | sort | uniq -c | awk '{printf "%s%s ", $1, $2}'
}

# tracers PID: the TracerPid of every thread that has one (empty: none).
tracers() {
	local t
	for t in /proc/"$1"/task/*; do
		awk '/^TracerPid:/ && $2 != 0 {print $2}' "$t/status" 2>/dev/null
	done | sort -u | tr '\n' ' '
}

# wait_state PID LETTER: until the leader's state is LETTER (5 s at most).
wait_state() {
	local i
	for i in $(seq 500); do
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.01
	done
	fail "pid $1 never reached state $2 (now $(awk '{print $3}' "/proc/$1/stat"))"
}

# all_threads_in PID LETTERS: every thread is in one of the states LETTERS
# (e.g. T, or SR for "not stopped"), within 2 s: after a detach, the
# threads of a group-stopped process go back to T one by one, from inside
# the kernel (no user code runs meanwhile), not all at the same instant.
all_threads_in() {
	local s i
	for i in $(seq 200); do
		s=$(states "$1")
		[ -n "$s" ] || fail "pid $1: no threads"
		echo "$s" | tr ' ' '\n' | grep . | grep -qv "^[0-9]*[$2]\$" || return 0
		sleep 0.01
	done
	fail "pid $1: threads not all in [$2]: $s"
}

# untraced PID: no thread is traced.
untraced() {
	local t
	t=$(tracers "$1")
	[ -z "$t" ] || fail "pid $1 still traced by $t"
}

# untraced_now PID: no thread of PID traced, read without a fork (a
# kill test's check just before its kill: bash builtins only).
untraced_now() {
	local t k v
	for t in /proc/"$1"/task/*/status; do
		while read -r k v; do
			[ "$k" = TracerPid: ] || continue
			[ "$v" = 0 ] || return 1
			break
		done <"$t" 2>/dev/null
	done
}

# field FILE COLUMN: the values of COLUMN of a TSV record file (no header).
field() {
	awk -F'\t' -v c="$2" 'NR==1 {for (i=1;i<=NF;i++) if ($i==c) k=i; next} {print $k}' "$1"
}

# same_exe PID: how many processes of PID's process group run its
# executable (other tests running the same target are in other groups).
same_exe() {
	local exe pg e n=0 d
	exe=$(readlink "/proc/$1/exe")
	pg=$(ps -o pgid= -p "$1" | tr -d ' ')
	for e in /proc/[0-9]*/exe; do
		[ "$(readlink "$e" 2>/dev/null)" = "$exe" ] || continue
		d=${e%/exe}
		[ "$(ps -o pgid= -p "${d#/proc/}" 2>/dev/null | tr -d ' ')" = "$pg" ] &&
			n=$((n + 1))
	done
	echo "$n"
}

# children PID: PID's child processes (pid and state), or nothing.
children() { ps -o pid=,stat= --ppid "$1" || true; }

# wait_copy PID: until PID has a child, a snapshot's held copy (2 s at
# most); 1 when none came.
wait_copy() {
	local i
	for i in $(seq 2000); do
		[ -n "$(children "$1")" ] && return 0
		sleep 0.001
	done
	return 1
}

# let_go PID WHAT: within 5 s PID has no child (a snapshot's copy killed
# and reaped, by dump-region or its guardian) and no thread traced.
let_go() {
	local i kids
	for i in $(seq 500); do
		kids=$(children "$1")
		[ -z "$kids" ] && [ -z "$(tracers "$1")" ] && return 0
		sleep 0.01
	done
	[ -z "$kids" ] || fail "$2: pid $1 still has children: $kids"
	untraced "$1"
}

# capture_jvm PID CMD...: a freeze dump directory ($TRASH/jvm.dir) and
# our core ($TRASH/jvm.core) of PID, taken while CMD's output (a live
# look at it) is the same before and after them (up to 10 tries), left
# in live.after. A region unmapped between dump-region's selection and
# its freeze (exit 1, "no longer mapped"): that capture is taken again.
capture_jvm() {
	local pid=$1 try rc
	shift
	for try in $(seq 10); do
		rm -rf "$TRASH/jvm.dir" "$TRASH/jvm.core"
		"$@" >live.before
		rc=0
		dump-region --mode freeze -o "$TRASH/jvm.dir" "$pid" >/dev/null \
			2>dump.err || rc=$?
		[ "$rc" = 0 ] || { [ "$rc" = 1 ] && grep -q "no longer mapped" dump.err; } ||
			fail "dump-region: exit $rc: $(cat dump.err)"
		[ "$rc" = 0 ] || continue
		dump-region --core "$TRASH/jvm.core" "$pid" >/dev/null 2>core.err ||
			fail "dump-region --core: $(cat core.err)"
		"$@" >live.after
		cmp -s live.before live.after && return 0
	done
	fail "the JVM's heap never held still over a capture"
}
