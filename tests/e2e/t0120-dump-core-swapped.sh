#!/bin/bash
# --core and a private file page the target wrote, then lost to swap
# (issue 12, point 3): that page is the target's own (anonymous) data,
# swapped out; the core keeps it a hole, never the file's bytes (which
# gdb would then show as the target's: they were before). A page the
# target never touched still gets the file's bytes. Needs swap: the
# machine's own, or a 64 MiB swap file made here (root, a file system
# that takes swap files), removed at the end; else it skips (the unit
# test test_core_fill_decision covers the decision without swap).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"
command -v gdb >/dev/null 2>&1 || skip "no gdb on this machine"
[ "$(id -u)" = 0 ] || skip "/proc/PID/map_files and swapon need root"

if [ "$(wc -l </proc/swaps)" -le 1 ]; then
	command -v mkswap >/dev/null 2>&1 && command -v swapon >/dev/null 2>&1 ||
		skip "no swap, and no mkswap/swapon to make some"
	dd if=/dev/zero of=swapfile bs=1M count=64 status=none
	chmod 600 swapfile
	mkswap swapfile >/dev/null 2>&1 || skip "mkswap failed here"
	# Lowest priority: this test's page and nothing else goes there.
	swapon -p 0 swapfile 2>swapon.err ||
		skip "no swap, and a swap file cannot be enabled here: $(cat swapon.err)"
	trap 'cleanup; swapoff "$TRASH/swapfile"' EXIT
fi

start_target filemap "$TRASH/file.dat" 32 "$TRASH/heartbeat" pageout
pid=$TARGET_PID
map=$(ready_value map)
page=$(ready_value page)
[ "$(ready_value swapped)" = 1 ] ||
	skip "MADV_PAGEOUT did not swap the written page out (swap full?)"

dump-region -q --core case.core "$pid" >out 2>err || fail "exit $?: $(cat err)"
all_threads_in "$pid" SR
untraced "$pid"
gdb -nx -batch "$TARGETS/filemap" case.core \
	-ex "x/s $map + 11 * $page" -ex "x/s $map + 3 * $page" \
	</dev/null >gdb.out 2>&1 || fail "gdb failed: $(tail gdb.out)"
! grep -q '"file-page-11"' gdb.out ||
	fail "the swapped private page holds the file's bytes in the core: $(cat gdb.out)"
grep -q "^$(printf '0x%x' $((map + 11 * page))):[[:space:]]*\"\"$" gdb.out ||
	fail "the swapped private page is not a hole: $(cat gdb.out)"
grep -q ':[[:space:]]*"file-page-3"$' gdb.out || fail "absent file page: $(cat gdb.out)"
