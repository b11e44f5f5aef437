#!/bin/bash
# RELIABILITY T38, RLIMIT_FSIZE (issue 12, point 8): past `ulimit -f`
# dump-region is not killed by SIGXFSZ (it was, signal 25, leaving region
# files, an empty regions.tsv and a truncated core): it takes EFBIG as a
# write error, says so in one line naming the file, exits 2 and leaves
# nothing behind (no directory, no core, no records on stdout), in live,
# freeze and core modes; the target is let go as it was: running and
# untraced, or stopped when it was stopped.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target dumpme 16 2
pid=$TARGET_PID

# run MODE OUT STATE: dump with a 1 MiB file size limit; the target must
# be in STATE (SR: running, T: stopped) afterwards.
run() {
	local mode=$1 out=$2 rc=0 args
	if [ "$mode" = core ]; then
		args=(--core "$out")
	else
		args=(--mode "$mode" -o "$out")
	fi
	(ulimit -f 1024; exec dump-region -q "${args[@]}" "$pid") >records 2>err || rc=$?
	expect_eq "$mode: exit status (RLIMIT_FSIZE)" 2 "$rc"
	grep -q "^dump-region: cannot write '$out[^']*': File too large" err ||
		fail "$mode: not the real cause: $(cat err)"
	expect_eq "$mode: stderr lines" 1 "$(wc -l <err)"
	[ ! -e "$out" ] || fail "$mode: '$out' left behind: $(ls -la "$out")"
	[ ! -s records ] || fail "$mode: records of a removed dump: $(cat records)"
	untraced "$pid"
	all_threads_in "$pid" "$3"
}

for mode in live freeze core; do
	run "$mode" "out-$mode" SR
done
expect_eq "target state" S "$(awk '{print $3}' "/proc/$pid/stat")"

kill -STOP "$pid"
wait_state "$pid" T
for mode in freeze core; do
	run "$mode" "stopped-$mode" T
done
kill -CONT "$pid"
all_threads_in "$pid" SR

# Without the limit the same dumps work.
dump-region -q --mode freeze -o whole "$pid" >/dev/null || fail "dump without a limit: exit $?"
dump-region -q --core whole.core "$pid" >/dev/null || fail "core without a limit: exit $?"
