# Shared by the shell tests. Sourced with TOP (the repository) and TRASH
# (this test's scratch directory, the current directory) set by run-e2e.
set -eu
BIN=$TOP/bin
TARGETS=$TOP/build/targets
PATH=$BIN:$PATH
export LC_ALL=C

# Pids of targets this test started: killed on exit, by pid only.
STARTED=""
cleanup() {
	for p in $STARTED; do kill -9 "$p" 2>/dev/null || true; done
	for p in $STARTED; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_cmd WHAT CMD...: start CMD and wait for its readiness line (no
# sleeping). Sets TARGET_PID and READY (the line).
start_cmd() {
	local what=$1 fifo="$TRASH/ready.$RANDOM.$$"
	shift
	mkfifo "$fifo"
	"$@" >"$fifo" 2>>"$TRASH/target.err" &
	TARGET_PID=$!
	STARTED="$STARTED $TARGET_PID"
	READY=""
	read -r READY <"$fifo" || true
	rm -f "$fifo"
	case $READY in
	"ready pid=$TARGET_PID"*) ;;
	*) fail "$what did not become ready: '$READY' $(cat "$TRASH/target.err" 2>/dev/null)" ;;
	esac
}

# start_target NAME ARGS...: start corpus/targets/NAME.
start_target() {
	start_cmd "target $1" "$TARGETS/$1" "${@:2}"
}

# ready_value KEY: a value from the readiness line.
ready_value() {
	echo "$READY" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# settled PID: wait until every thread of PID is blocked in a system call
# (5 s at most). A target prints its readiness line before it first calls
# pause(); that call may bind the symbol and fault in a page of code, which
# fault-around maps 64 kB at a time (t0303 once saw the target grow so
# across the walk, on a loaded machine). Tests that compare a target before
# and after a read, or live against its core, wait for it first.
settled() {
	local t w busy
	for _ in $(seq 100); do
		busy=0
		for t in /proc/"$1"/task/*/syscall; do
			read -r w _ <"$t" 2>/dev/null || continue
			[ "$w" != running ] || busy=1
		done
		[ "$busy" = 0 ] && return 0
		sleep 0.05
	done
}

# target_rss PID: the target's resident kB once settled (smaps_rollup: a
# page-table walk, exact; VmRSS sums per-CPU counters approximately since
# Linux 6.2).
target_rss() {
	settled "$1"
	awk '/^Rss:/ {print $2}' "/proc/$1/smaps_rollup"
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# compare EXPECT ACTUAL: files must be equal (diff shown when not).
compare() {
	diff -u "$1" "$2" >&2 || fail "$2 differs from $1"
}

# col NAME: the column number of NAME in a TSV header on stdin.
col() {
	head -1 | tr '\t' '\n' | grep -n -x "$1" | cut -d: -f1
}

# start_jvm [MIB]: start corpus/targets/Idle.java; skip without java.
start_jvm() {
	command -v java >/dev/null 2>&1 || skip "no java on this machine"
	start_cmd "the JVM" java -Xmx256m "$TOP/corpus/targets/Idle.java" "${1:-32}"
}

# same_maps PID: memmap --tsv lists exactly the regions of /proc/PID/maps.
# maps is read before and after memmap: an idle target's map is stable,
# and a change would make the comparison meaningless: a JVM still busy
# (threads come and go) gets up to 20 tries at a stable moment. A real
# difference shows in all of them.
same_maps() {
	local try
	for try in $(seq 20); do
		cat "/proc/$1/maps" >maps.before
		memmap --tsv "$1" >memmap.out
		cat "/proc/$1/maps" >maps.after
		cmp -s maps.before maps.after || continue
		python3 "$TOP/tests/e2e/maps.py" kernel maps.before >expect
		python3 "$TOP/tests/e2e/maps.py" memmap memmap.out >actual
		cmp -s expect actual && break
	done
	cmp -s maps.before maps.after || fail "pid $1: maps changed during 20 tries"
	[ -s expect ] || fail "pid $1: empty maps"
	compare expect actual
}

# sums_match_rollup PID: memmap's rss, pss and swap sums against the
# kernel's smaps_rollup. Rss and Swap are whole pages in both: equal, once
# the target holds still (rollup read before and after memmap agree; up to
# 10 tries, for a JVM that is still compiling). Pss is not a fixed figure:
#  - the kernel keeps it in 1/4096 kB units; each smaps region's value is
#    truncated to kB, the rollup truncates only the sum: the region sum may
#    be lower by less than 1 kB per region;
#  - a page's Pss share depends on how many processes map it at the time of
#    the read, and the reader (memmap, cat) maps libc pages itself.
# So Pss must agree within n kB plus 1%.
rollup_fig() { # FILE -> "rss pss swap" in bytes
	awk '/^Rss:/ {r=$2*1024} /^Pss:/ {p=$2*1024} /^Swap:/ {s=$2*1024}
	     END {print r, p, s}' "$1"
}
sums_match_rollup() {
	local try kr kp ks kr2 kp2 ks2 mr mp ms n tol
	for try in 1 2 3 4 5 6 7 8 9 10; do
		cat "/proc/$1/smaps_rollup" >rollup1
		memmap --tsv "$1" >regions.tsv
		cat "/proc/$1/smaps_rollup" >rollup2
		read -r kr kp ks < <(rollup_fig rollup1)
		read -r kr2 kp2 ks2 < <(rollup_fig rollup2)
		[ "$kr $ks" = "$kr2 $ks2" ] && break
	done
	awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	     {r+=$c["rss"]; p+=$c["pss"]; s+=$c["swap"]; n++}
	     END {print r, p, s, n}' regions.tsv >sums
	read -r mr mp ms n <sums
	expect_eq "pid $1 rss sum" "$kr" "$mr"
	expect_eq "pid $1 swap sum" "$ks" "$ms"
	tol=$((n * 1024 + kp / 100))
	[ $((kp - mp)) -le "$tol" ] && [ $((mp - kp)) -le "$tol" ] ||
		fail "pid $1: pss sum $mp vs rollup $kp (n=$n, tolerance $tol)"
	# memmap --rollup gives the rollup's own figures.
	for try in 1 2 3 4 5 6 7 8 9 10; do
		cat "/proc/$1/smaps_rollup" >rollup1
		memmap --tsv --rollup "$1" >r.tsv
		cat "/proc/$1/smaps_rollup" >rollup2
		cmp -s rollup1 rollup2 && break
	done
	read -r kr kp ks < <(rollup_fig rollup1)
	read -r mr mp ms < <(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	     {print $c["rss"], $c["pss"], $c["swap"]}' r.tsv)
	expect_eq "pid $1 --rollup rss" "$kr" "$mr"
	expect_eq "pid $1 --rollup swap" "$ks" "$ms"
	[ $((kp - mp)) -le $((kp / 100)) ] && [ $((mp - kp)) -le $((kp / 100)) ] ||
		fail "pid $1: --rollup pss $mp vs $kp"
}

# summary PID: classify --summary's records. A malloc heap in use may look
# corrupt for an instant (exit 1, "corrupt heap metadata", or "heap
# changed under every look": the walk reads a live heap, as on a busy
# JVM); anything else is a failure.
summary() {
	local rc=0
	classify --summary --tsv "$1" 2>summary.err || rc=$?
	[ "$rc" = 0 ] || { [ "$rc" = 1 ] && ! grep -v "corrupt heap metadata\|heap changed under every look" summary.err | grep -q .; } ||
		fail "classify --summary: exit $rc: $(cat summary.err)"
}

# child_of PID WHAT: the first child of PID (waiting up to 5 s for it to
# appear), which is then killed, by pid, before the others at exit.
# Sets CHILD.
child_of() {
	local i
	CHILD=""
	for i in $(seq 500); do
		CHILD=$(cat /proc/"$1"/task/*/children 2>/dev/null | awk '{print $1}')
		[ -n "$CHILD" ] && break
		sleep 0.01
	done
	[ -n "$CHILD" ] || fail "no $2 (a child of $1)"
	STARTED="$CHILD $STARTED"
}

# keep COLS...: the named columns of a TSV on stdin, [vvar] and
# [vsyscall] rows out (captures do not all carry them), the rest sorted
# (a core lists its threads leader first, /proc in tid order).
# no_start: TSV records on stdin without their starttime column (a core
# records no start time: '-' where the live process gives a number).
no_start() {
	awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) if ($i=="starttime") k=i}
	{s=""; n=0; for (i=1;i<=NF;i++) if (i!=k) s=s (n++ ? "\t" : "") $i
	 print s}'
}
# no_start_of CMD...: CMD's TSV without starttime, and CMD's exit status.
no_start_of() {
	local out rc=0
	out=$("$@") || rc=$?
	printf '%s\n' "$out" | no_start
	return $rc
}

keep() {
	awk -F'\t' -v want="$*" 'NR==1 {n=split(want, w, " ");
		for (i=1;i<=NF;i++) c[$i]=i}
	$c["class"]=="vvar" || $c["class"]=="vsyscall" {next}
	{s=""; for (i=1;i<=n;i++) s=s (i>1 ? "\t" : "") $c[w[i]]; print s}' |
		{ IFS= read -r h; printf '%s\n' "$h"; sort; }
}

# triage_live_ok RC ERRFILE: a triage whose only partial steps are live
# walks of a malloc heap a running process changed under them (a JVM's
# threads allocate while it starts): the walk said so; anything else fails.
triage_live_ok() {
	[ "$1" = 0 ] && return 0
	[ "$1" = 1 ] || return 1
	grep -Eq '^triage: partial:( (summary|chunks)\([0-9]+\))+ ' "$2"
}
