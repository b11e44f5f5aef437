#!/bin/bash
# Bad input and vanished or forbidden processes give one clear line on
# stderr and a documented exit status, never a crash.
. "$TOP/tests/e2e/lib.sh"

# run EXPECTED_STATUS PATTERN CMD...: status and a stderr line matching.
run() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" >out 2>err || rc=$?
	[ "$rc" = "$want" ] || fail "'$*': exit $rc, expected $want; stderr: $(cat err)"
	grep -q -- "$pat" err || fail "'$*': stderr lacks '$pat': $(cat err)"
	grep -qi 'sanitizer\|core dumped\|segmentation' err && fail "'$*' crashed"
	return 0
}

run 64 "no pid given" memmap
run 64 "'abc' is not a pid" memmap abc
run 64 "unknown option" memmap --bogus 1
run 64 "exclude each other" memmap --rollup --fast 1
run 64 "bad --where" rank --where 'rss>>x'
run 64 "invalid value" rank -n many

# A pid that does not exist (pid_max is the first pid that cannot).
gone=$(cat /proc/sys/kernel/pid_max)
run 2 "no process $gone" memmap "$gone"
# One good pid, one gone: the good one's records, exit 1.
start_target leaky 10
run 1 "no process $gone" memmap --tsv "$TARGET_PID" "$gone"
grep -q "^$TARGET_PID	" out || fail "records of the live pid missing"

# A zombie has no memory map. Its parent is a sleep exec'd over a shell
# that had started a child: nobody reaps the child.
sh -c 'sleep 0 & exec sleep 60' &
parent=$!
STARTED="$STARTED $parent"
zombie=""
for _ in $(seq 200); do
	zombie=$(ps -o pid=,stat= --ppid "$parent" | awk '$2 ~ /^Z/ {print $1}')
	[ -n "$zombie" ] && break
	sleep 0.01
done
[ -n "$zombie" ] || fail "no zombie made"
run 2 "no memory map (a zombie)" memmap "$zombie"

# Permission: another user may not read root's process map.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	run 2 "Permission denied (run as the process owner or root)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BIN/memmap" "$TARGET_PID"
else
	echo "note: not root or no setpriv: permission case not run"
fi

# Malformed saved text: the line number and the line.
printf '00400000-00401000 r-xp 00000000 08:01 42 /bin/x\nSize: 4 kB\nRss: lots kB\n' >bad.smaps
run 1 "bad.smaps: line 3: malformed field line: 'Rss: lots kB'" memmap --from bad.smaps
grep -q '^-	0x000000400000	' out || fail "records before the bad line are kept"
printf '00401000-00400000 r-xp 00000000 08:01 42 /bin/x\n' >bad2.maps
run 1 "line 1: region ends before it starts" memmap --from bad2.maps
printf 'garbage\n' >bad3.maps
run 1 "line 1: malformed field line: 'garbage'" memmap --from bad3.maps
run 2 "cannot open 'nonexistent'" memmap --from nonexistent

# rank: malformed records are skipped with their line number.
memmap --tsv "$TARGET_PID" >good.tsv
{ head -3 good.tsv; printf '1\t2\n'; tail -n +4 good.tsv; } >short.tsv
run 1 "short.tsv: line 4: 2 fields where the header has 25" rank short.tsv
[ "$(tail -n +2 out | wc -l)" = 10 ] || fail "rank output after a bad line"
awk -F'\t' -v OFS='\t' 'NR==3 {$9="lots"} {print}' good.tsv >nan.tsv
run 1 "nan.tsv: line 3: 'rss' is not a number" rank nan.tsv
run 2 "no column 'nosuch' for --where" rank --where nosuch=1 good.tsv
run 2 "no column 'nosuch' to rank by" rank --by nosuch good.tsv
run 2 "cannot rank groups by 'perms'" rank --group-by kind --by perms good.tsv
run 2 "cannot open 'nonexistent'" rank nonexistent
printf 'x\0y\n' >nul.tsv
run 1 "line 1: NUL byte" rank nul.tsv
# A closed stdout is not an error worth a message.
memmap --tsv "$TARGET_PID" | head -1 >/dev/null
