#!/bin/bash
# RELIABILITY T8: a storm of signals at the target during freeze dumps.
# Queued realtime signals (SIGRTMIN) and SIGUSR1 are sent without pause
# for as long as three freeze dumps of 512 MiB run: afterwards the
# target's own count of SIGRTMIN equals the number sent (none lost, none
# doubled by a re-injection), SIGUSR1 arrived (standard signals pending
# at once merge, so only "at least one"), and the target runs again,
# untraced.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target sigcount 512 "$PWD/counts"
pid=$TARGET_PID
big=$(ready_value big)
rtmin=$(kill -l RTMIN 2>/dev/null || echo 34)
# Past RLIMIT_SIGPENDING the kernel drops a realtime signal sent by
# kill(2) and still returns 0: the storm stays under half of it, paced
# (about 30,000 a second) so that it lasts through the three dumps.
lim=$(ulimit -i)
case $lim in unlimited) cap=50000 ;; *) cap=$((lim / 2)) ;; esac
[ "$cap" -le 50000 ] || cap=50000
[ "$cap" -ge 1000 ] || skip "RLIMIT_SIGPENDING is $lim: too low for a storm"
(
	sent=0
	while [ ! -e stop ] && [ "$sent" -lt "$cap" ]; do
		kill -s "$rtmin" "$pid" && sent=$((sent + 1))
		kill -USR1 "$pid"
		[ $((sent % 100)) = 0 ] && sleep 0.002
	done
	echo "$sent" >sent
) &
storm=$!
for i in 1 2 3; do
	dump-region --mode freeze -o "d$i" "$pid" "$big" >/dev/null 2>"err$i" ||
		fail "freeze dump $i: $(cat "err$i")"
	grep -q "stopped for" "err$i" || fail "dump $i: no pause reported: $(cat "err$i")"
done
touch stop
wait "$storm"
sent=$(cat sent)
[ "$sent" -ge 100 ] || fail "only $sent signals sent during the dumps"
# The counts, once every signal sent has been handled.
for try in $(seq 200); do
	rm -f counts
	kill -USR2 "$pid"
	for w in $(seq 100); do [ -s counts ] && break; sleep 0.01; done
	grep -q "^rt=$sent " counts 2>/dev/null && break
	sleep 0.01
done
grep -q "^rt=$sent " counts || fail "SIGRTMIN sent $sent times, the target counted: $(cat counts)"
usr1=$(sed -n 's/.*usr1=\([0-9]*\).*/\1/p' counts)
[ "$usr1" -ge 1 ] && [ "$usr1" -le "$sent" ] || fail "SIGUSR1 count $usr1"
echo "$sent of each sent during 3 freeze dumps ($(grep -h -o 'stopped for [0-9.]* ms' err? | tr '\n' ' ')): the target counted $(cat counts)"
expect_eq "target state" S "$(awk '{print $3}' "/proc/$pid/stat")"
expect_eq "tracers" "" "$(tracers "$pid")"
