#!/bin/bash
# RELIABILITY T37: a target in its own pid and mount namespaces (as in a
# container), its program on a tmpfs mounted only there, examined from
# the host: memmap lists its mappings, classify reads its ELF headers
# (through map_files, not the host's path), dump-region copies its heap
# and names its exe and build-id, and a core opens in gdb with the
# process's own thread ids (libthread_db reads those in memory: with the
# host's, gdb shows phantom threads without registers). Then a JVM in its
# own pid namespace: the Java threads classify names carry host tids.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

command -v unshare >/dev/null || skip "no unshare"
unshare --pid --fork --mount true 2>/dev/null || skip "cannot make pid and mount namespaces (not root?)"
mkfifo ready
unshare --pid --fork --mount --mount-proc --propagation private bash -c '
	mkdir -p "$1" && mount -t tmpfs none "$1" && cp "$2" "$1/" &&
	exec "$1/dumpme" 4 1' - "$TRASH/ns" "$TARGETS/dumpme" >ready 2>target.err &
STARTED="$STARTED $!"
read -r line <ready || true
case $line in "ready pid=1 "*) ;; *) fail "no ready line: '$line' $(cat target.err)" ;; esac
child_of $! "host pid for the target"
pid=$CHILD
expect_eq "the target's own pid" 1 "$(awk '/^NSpid:/ {print $NF}' "/proc/$pid/status")"
[ ! -e "$TRASH/ns/dumpme" ] || fail "the program is visible outside its namespace"

memmap --tsv "$pid" | grep -q "$TRASH/ns/dumpme" || fail "memmap: no mapping of the program"
classify --tsv "$pid" >classes.tsv
n=$(awk -F'\t' -v f="$TRASH/ns/dumpme" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["name"]==f && $c["class"]=="code"' classes.tsv | wc -l)
expect_eq "code regions of the program" 1 "$n"

dump-region -q -o d "$pid" '[heap]' >/dev/null || fail "dump failed"
grep -a -q "memforensic-canary-1" d/"$pid"-*.bin || fail "no canary in the heap dump"
want=$(readelf -n "$TARGETS/dumpme" | awk '/Build ID/ {print $3}')
python3 - d/process.json "$pid" "$TRASH/ns/dumpme" "$want" <<'PY' || fail "process.json"
import json, sys
d = json.load(open(sys.argv[1]))
want = {'pid': int(sys.argv[2]), 'ns_pid': 1, 'exe': sys.argv[3], 'build_id': sys.argv[4]}
got = {k: d.get(k) for k in want}
print(got)
sys.exit(got != want)
PY

command -v gdb >/dev/null || skip "no gdb for the core half (the rest passed)"
dump-region -q --core c.core "$pid" || fail "core failed"
gdb -nx -batch -iex 'set debuginfod enabled off' -ex 'info threads' \
	"$TARGETS/dumpme" c.core >gdb.out 2>&1 || true
threads=$(grep -c '^[* ] *[0-9]\+ *Thread ' gdb.out || true)
expect_eq "threads gdb lists (2: main and one idle)" 2 "$threads"
grep -q "LWP 1)" gdb.out || fail "no thread numbered 1 as the process sees it: $(cat gdb.out)"
grep -q "general-purpose registers" gdb.out && fail "threads without registers: $(cat gdb.out)"
expect_eq "tracers" "" "$(tracers "$pid")"

# A JVM in its own pid namespace: its thread list holds the namespace's
# tids; the regions must name the host's (those in /proc/PID/task).
command -v java >/dev/null || skip "no java for the JVM half (the rest passed)"
mkfifo jready
unshare --pid --fork --mount-proc java -Xmx64m "$TOP/corpus/targets/Idle.java" 8 \
	>jready 2>>target.err &
STARTED="$STARTED $!"
read -r line <jready || true
case $line in "ready pid=1 "*) ;; *) fail "no JVM ready line: '$line'" ;; esac
child_of $! "host pid for the JVM"
jpid=$CHILD
classify --tsv "$jpid" | grep -o "Java thread [0-9]* '" | awk '{print $3}' | sort -u >java-tids
[ "$(wc -l <java-tids)" -ge 5 ] || fail "only $(wc -l <java-tids) Java threads named"
while read -r t; do
	[ -d "/proc/$jpid/task/$t" ] || fail "Java thread $t is not a host tid of $jpid"
done <java-tids
