#!/bin/bash
# RELIABILITY T35 for the runbook scripts: in a fresh pid namespace, the
# process dump-on or leak-watch watches exits while they wait, and a new
# process is given its pid (/proc/sys/kernel/ns_last_pid). The new one is
# big (bigheap 64: over dump-on's --rss 32M): a watcher that took the pid
# for the process would dump it, or plot it. dump-on must stop with exit 2
# and "process PID exited; the pid now names another process", no case
# directory (and during its capture: exit 1, the step that read the new
# process thrown away, no dump); leak-watch must stop (exit 1, the captures taken compared),
# say the same, and hold no capture of the new process. To make the pid
# change hands at a known moment, the watcher (its process group: set -m)
# is stopped meanwhile and continued after.
. "$TOP/tests/e2e/lib.sh"

command -v unshare >/dev/null || skip "no unshare"
unshare --pid --fork --mount-proc true 2>/dev/null ||
	skip "cannot make a pid namespace (not root?)"

cat >inner.sh <<'EOF'
# Runs as pid 1 of the new namespace: its exit kills what is left in it.
. "$TOP/tests/e2e/lib.sh"
[ -w /proc/sys/kernel/ns_last_pid ] ||
	skip "no /proc/sys/kernel/ns_last_pid (kernel without CONFIG_CHECKPOINT_RESTORE)"
set -m
S=$TOP/scripts

# reuse OLD WATCHER: with the watcher's process group stopped, kill and
# reap process OLD, and start bigheap 64 under the same pid.
reuse() {
	local old=$1 watcher=$2 line start
	kill -STOP -- "-$watcher"
	start=$(cut -d' ' -f22 "/proc/$old/stat")
	kill -9 "$old"
	wait "$old" 2>/dev/null || true
	mkfifo rdy
	# Start times are in clock ticks (10 ms); this test is quick enough to
	# reuse the pid within the old process's tick, where only its
	# executable tells them apart. Let the tick pass.
	while [ "$(cut -d' ' -f22 /proc/self/stat)" = "$start" ]; do :; done
	echo $((old - 1)) >/proc/sys/kernel/ns_last_pid
	"$TARGETS/bigheap" 64 >rdy &
	NEW=$!
	STARTED="$STARTED $NEW"
	read -r line <rdy || true
	rm -f rdy
	case $line in "ready pid=$NEW "*) ;; *) fail "bigheap did not become ready: '$line'" ;; esac
	expect_eq "the new process's pid" "$old" "$NEW"
	kill -CONT -- "-$watcher"
}
# until_line FILE TEXT: wait (at most 30 s) for the line TEXT in FILE.
until_line() {
	local i
	for i in $(seq 600); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no '$2' in $1 within 30 s: $(cat "$1")"
}

# dump-on: the pid changes hands while it waits for 32M.
start_target growleak 1000
old=$TARGET_PID
"$S/dump-on" --rss 32M -i 0.2 --timeout 30 -o don "$old" 2>don.err &
watcher=$!
until_line don.err "dump-on: watching process $old"
reuse "$old" "$watcher"
rc=0; wait "$watcher" || rc=$?
cat don.err
expect_eq "dump-on: exit status" 2 "$rc"
grep -qx "dump-on: process $old exited; the pid now names another process" don.err ||
	fail "dump-on: $(cat don.err)"
[ ! -e don ] || fail "dump-on captured the new process: $(ls don)"
kill -9 "$NEW"
wait "$NEW" 2>/dev/null || true

# dump-on: the pid changes hands during the capture, once classify has
# written its records (a 1 GiB process over the threshold at once: the
# capture lasts a second or so, most of it the dump of that GiB).
# Whatever step it was in, nothing of the new process is kept, and no
# step runs after it.
start_target sigcount 1024 "$TRASH/sig.out"
old=$TARGET_PID
"$S/dump-on" --rss 512M -n 1 -i 0.2 --timeout 30 -o cap "$old" 2>cap.err &
watcher=$!
until_line cap/classified.tsv "/sigcount"
reuse "$old" "$watcher"
rc=0; wait "$watcher" || rc=$?
cat cap.err
expect_eq "dump-on mid-capture: exit status" 1 "$rc"
grep -qx "dump-on: process $old exited; the pid now names another process" cap.err ||
	fail "dump-on mid-capture: $(cat cap.err)"
grep -q "^measured: process $old, [0-9]* bytes resident" cap/trigger.txt ||
	fail "trigger.txt: $(cat cap/trigger.txt)"
! grep -rl "/bigheap$" cap || fail "dump-on captured the new process"
[ ! -e cap/dump ] || fail "dump-on kept a dump: $(ls cap/dump)"
kill -9 "$NEW"
wait "$NEW" 2>/dev/null || true

# leak-watch: the pid changes hands after two captures.
start_target growleak 1000
old=$TARGET_PID
"$S/leak-watch" -i 0.2 -n 10 -o lw "$old" 2>lw.err &
watcher=$!
until_line lw.err "leak-watch: capture 2 of 10 "
reuse "$old" "$watcher"
rc=0; wait "$watcher" || rc=$?
cat lw.err
expect_eq "leak-watch: exit status" 1 "$rc"
grep -qx "leak-watch: process $old exited; the pid now names another process" lw.err ||
	fail "leak-watch: $(cat lw.err)"
grep -q "^- capture [0-9]*: process $old exited; the pid now names another process: stopped after [0-9]* captures" lw/report.md ||
	fail "leak-watch report: $(tail -3 lw/report.md)"
n=$(ls -d lw/capture-* | wc -l)
[ "$n" -ge 2 ] && [ "$n" -lt 10 ] || fail "leak-watch kept $n captures"
! grep -l "/bigheap$" lw/capture-*/regions.tsv ||
	fail "leak-watch captured the new process"
grep -q "/growleak$" lw/capture-01/regions.tsv || fail "no capture of the old process"
EOF

rc=0
unshare --pid --fork --mount-proc bash inner.sh || rc=$?
exit "$rc"
