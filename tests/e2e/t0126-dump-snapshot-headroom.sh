#!/bin/bash
# Snapshot mode and memory (issue 15, RELIABILITY T43): the plan says how
# much memory the target's writes during the copy may take (its writable
# resident memory) and how much is free; in a memory cgroup whose limit
# leaves less room than that, the snapshot is refused before any stop
# (one line, exit 2, nothing written, the target untouched) unless
# --force: tried on an idle target (bigheap) in the same cgroup, whose
# snapshot then costs nothing (a writing target's copies would be
# charged to the cgroup). Needs a memory cgroup (v2 or v1) we may create
# (root).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

[ "$(uname -m)" = x86_64 ] || skip "snapshot mode is x86-64 only"
cg=""
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
		cg=/sys/fs/cgroup/memforensic-t0126-$$ lim=memory.max
elif [ -d /sys/fs/cgroup/memory ]; then
	cg=/sys/fs/cgroup/memory/memforensic-t0126-$$ lim=memory.limit_in_bytes
fi
[ -n "$cg" ] && mkdir "$cg" 2>/dev/null || skip "cannot make a memory cgroup here"
trap 'cleanup; rmdir "$cg" 2>/dev/null || true' EXIT
# Moving a process does not move its charged memory: the cgroup's room
# is its limit, 48 MiB, less than the 64 MiB the target may write.
echo $((48 << 20)) >"$cg/$lim" || skip "cannot set a memory limit"

start_target genwriter 64 2 "$PWD/report"
pid=$TARGET_PID
buf=$(ready_value buf)

# Unlimited: the plan gives the figures.
dump-region --mode snapshot -o ok "$pid" "$buf" >/dev/null 2>err ||
	fail "snapshot: $(cat err)"
grep -q "snapshot: the target's writes during the copy may take up to 6[4-9]M of memory" err ||
	fail "no memory figure in the plan: $(cat err)"

echo "$pid" >"$cg/cgroup.procs" || skip "cannot move the target into the cgroup"
rc=0
dump-region --mode snapshot -o refused "$pid" "$buf" >/dev/null 2>err || rc=$?
expect_eq "refusal: exit status" 2 "$rc"
grep -q "cannot snapshot pid $pid: its writes during the copy may take up to" err ||
	fail "no refusal: $(cat err)"
[ ! -e refused/process.json ] || fail "the refused dump wrote files"
let_go "$pid" "the refusal"
all_threads_in "$pid" SR

# --force: an idle target of the same size in the same cgroup is refused
# too, then dumped with --force (it writes nothing: no copy is charged).
start_target bigheap 64
idle=$TARGET_PID
echo "$idle" >"$cg/cgroup.procs" || skip "cannot move the idle target into the cgroup"
rc=0
dump-region --mode snapshot -o refused2 "$idle" >/dev/null 2>err || rc=$?
expect_eq "idle target refused: exit status" 2 "$rc"
grep -q "cannot snapshot pid $idle: its writes during the copy" err || fail "no refusal: $(cat err)"
dump-region --force --mode snapshot -o forced "$idle" "$(ready_value start)" >forced.tsv 2>err ||
	fail "--force: $(cat err)"
grep -q "snapshot: stopped" err || fail "--force: no snapshot: $(cat err)"
expect_eq "--force: 'Z' bytes copied" $((64 << 20)) "$(tr -cd Z <"$(field forced.tsv file)" | wc -c)"
let_go "$idle" "--force"
all_threads_in "$idle" SR
