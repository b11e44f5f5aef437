#!/bin/bash
# RELIABILITY T40: whatever the umask, a dump directory is 0700 and every
# file in it 0600; with too few file descriptors (RLIMIT_NOFILE 5 to 12)
# dump-region either dumps everything or fails with one line naming the
# real cause (exit 2, never "the process exited"), leaving no directory or
# core behind, and the target running, untraced, in either mode.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target dumpme 4 1
pid=$TARGET_PID

for mask in 000 022 077; do
	(umask "$mask"; dump-region -q -o "d$mask" "$pid" >/dev/null) ||
		fail "dump with umask $mask failed"
	expect_eq "mode of the directory (umask $mask)" 700 "$(stat -c %a "d$mask")"
	bad=$(find "d$mask" -type f ! -perm 0600 | wc -l)
	expect_eq "files not 0600 (umask $mask)" 0 "$bad"
	(umask "$mask"; dump-region -q --core "c$mask.core" "$pid" >/dev/null) ||
		fail "core with umask $mask failed"
	expect_eq "mode of the core (umask $mask)" 600 "$(stat -c %a "c$mask.core")"
	rm -f "c$mask.core"
done
nfiles=$(ls d022 | wc -l)

for n in 5 6 7 8 9 10 11 12; do
	for mode in live freeze core; do
		out=n$n-$mode
		if [ "$mode" = core ]; then
			args=(--core "$out")
		else
			args=(--mode "$mode" -o "$out")
		fi
		rc=0
		(ulimit -n "$n"; exec dump-region -q "${args[@]}" "$pid") \
			>/dev/null 2>err || rc=$?
		case $rc in
		0)
			if [ "$mode" = core ]; then
				[ -s "$out" ] || fail "$out: exit 0 without a core"
			else
				expect_eq "files in $out" "$nfiles" "$(ls "$out" | wc -l)"
			fi ;;
		2)
			grep -q 'Too many open files' err ||
				fail "RLIMIT_NOFILE $n, $mode: not the real cause: $(cat err)"
			expect_eq "stderr lines (RLIMIT_NOFILE $n, $mode)" 1 "$(wc -l <err)"
			[ ! -e "$out" ] || fail "RLIMIT_NOFILE $n, $mode: '$out' left behind" ;;
		*)
			fail "RLIMIT_NOFILE $n, $mode: exit $rc: $(cat err)" ;;
		esac
		# Running: every thread back to S or R (a thread let go may
		# still be finishing its restarted call: R for an instant).
		all_threads_in "$pid" SR
		expect_eq "tracers" "" "$(tracers "$pid")"
	done
done
