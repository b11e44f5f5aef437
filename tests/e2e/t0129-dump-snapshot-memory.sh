#!/bin/bash
# Snapshot mode's memory (issue 15): reading the forked copy costs no
# memory. The copy's anonymous pages are shared copy-on-write with the
# target, and a read that pins them (process_vm_readv) makes the kernel
# copy each one for the copy (the first build read 4 GiB this way: 4 GiB
# more RAM, 15 s instead of 3); /proc/PID/mem does not. Ground truth: the
# peak memory of a memory cgroup holding only the target (its fork is
# charged there), for an idle 256 MiB target dumped whole by --mode
# snapshot, into a directory and as a core: the peak grows by less than
# 32 MiB (page tables and the like), not by 256 MiB. Needs a memory
# cgroup (v2 or v1) we may create (root).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

[ "$(uname -m)" = x86_64 ] || skip "snapshot mode is x86-64 only"
cg=""
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
		cg=/sys/fs/cgroup/memforensic-t0129-$$ peak=memory.peak
elif [ -d /sys/fs/cgroup/memory ]; then
	cg=/sys/fs/cgroup/memory/memforensic-t0129-$$ peak=memory.max_usage_in_bytes
fi
[ -n "$cg" ] && mkdir "$cg" 2>/dev/null || skip "cannot make a memory cgroup here"
trap 'cleanup; rmdir "$cg" 2>/dev/null || true' EXIT
[ -r "$cg/$peak" ] || skip "no $peak in the memory cgroup"

# The target starts inside the cgroup: its memory is charged there.
start_cmd "bigheap in a cgroup" sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 256' \
	sh "$cg" "$TARGETS/bigheap"
pid=$TARGET_PID
start=$(ready_value start)
grep -qx "$pid" "$cg/cgroup.procs" || fail "the target is not in $cg"

for how in "-o dir $pid $start" "--core snap.core $pid"; do
	before=$(cat "$cg/$peak")
	# shellcheck disable=SC2086
	dump-region --mode snapshot $how >"out${how%% *}" 2>err ||
		fail "snapshot $how: $(cat err)"
	grep -q "snapshot: stopped" err || fail "snapshot $how: $(cat err)"
	let_go "$pid" "snapshot $how"
	after=$(cat "$cg/$peak")
	grew=$(( (after - before) >> 20 ))
	echo "snapshot $how: the target's cgroup peak grew by $grew MiB"
	[ "$grew" -lt 32 ] ||
		fail "snapshot $how: reading the copy cost $grew MiB in the target's cgroup (copy-on-write pages unshared)"
done
# The copy is the target's: bigheap wrote 'Z' into every byte.
expect_eq "'Z' bytes in the region file" $((256 << 20)) \
	"$(tr -cd Z <"$(field out-o file)" | wc -c)"
