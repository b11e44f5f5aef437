#!/bin/bash
# --core and the pages of file mappings that are not present (issue 12,
# point 3). A target maps a 1 GiB file, almost all of it sparse and never
# touched, with 8 MiB of data and a few marked pages. With --max-pause 1:
#  - the pause stays under the budget, as dump-region reports it and as
#    the target's own heartbeat thread lived it (the file is read after
#    the thaw, not page by page inside the freeze: 2.6 s before);
#  - the plan's estimate covers what the core takes on disk (its
#    allocated blocks: the file's holes stay holes; 1.0 GB before, where
#    the plan said 12K);
#  - gdb reads from the core the file's bytes at a page never touched,
#    the bytes of a page read, and the target's own bytes at a page it
#    wrote (private, anonymous now);
#  - the target runs, untraced.
# Needs root (map_files) and gdb.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"
command -v gdb >/dev/null 2>&1 || skip "no gdb on this machine"
[ "$(id -u)" = 0 ] || skip "/proc/PID/map_files needs root"

start_target filemap "$TRASH/sparse.dat" 1024 "$TRASH/heartbeat"
pid=$TARGET_PID
map=$(ready_value map)
data=$(ready_value data)
page=$(ready_value page)

rc=0
dump-region --core case.core --max-pause 1 "$pid" >out 2>err || rc=$?
expect_eq "exit status" 0 "$rc"
all_threads_in "$pid" SR
untraced "$pid"

# The pause: as reported, and as the target saw it.
ms=$(sed -n 's/.*: stopped for \([0-9.]*\) ms.*/\1/p' err)
[ -n "$ms" ] || fail "no pause reported: $(cat err)"
awk -v ms="$ms" 'BEGIN { exit !(ms < 1000) }' ||
	fail "stopped for $ms ms with --max-pause 1"
gap=$(cat heartbeat)
[ $((10#$gap)) -lt 1000000000 ] ||
	fail "the target's heartbeat stood still for $((10#$gap)) ns"

# The plan: present bytes and file bytes, human sizes (2 or 3 digits:
# 5% of rounding), plus the margin the free-space check adds.
bytes() {
	awk -v s="$1" 'BEGIN { u = substr(s, length(s)); v = substr(s, 1, length(s) - 1)
		m = u == "K" ? 1024 : u == "M" ? 1048576 : u == "G" ? 1073741824 : 1
		printf "%d\n", v * m * 1.05 }'
}
present=$(sed -n 's/.*, \([0-9.]*[BKMG]\) present to copy.*/\1/p' err)
files=$(sed -n 's/.*, at most \([0-9.]*[BKMG]\) from mapped files.*/\1/p' err)
[ -n "$present" ] && [ -n "$files" ] || fail "no plan figures: $(cat err)"
est=$(( $(bytes "$present") + $(bytes "$files") ))
est=$((est + est / 64 + 1048576))
used=$(( $(stat -c '%b * %B' case.core) ))
[ "$used" -le "$est" ] ||
	fail "the core takes $used bytes on disk, the plan said $present + $files (at most $est)"
# Without map_files (forced by make check's fallback run) no hole is
# filled, and the plan says so.
case ",${MEMFORENSIC_FALLBACK:-}," in
*,all,* | *,map_files,*)
	grep -q "at most 0B from mapped files" err || fail "plan: $(cat err)"
	grep -q ", 0.0 MiB from mapped files" err || fail "filled: $(cat err)"
	exit 0 ;;
esac
# The 8 MiB of file data never touched are in it, from the file.
grep -qE "core 'case.core': .*, (8|9|1[0-9])\.[0-9] MiB from mapped files" err ||
	fail "file data not filled: $(cat err)"

gdb -nx -batch "$TARGETS/filemap" case.core \
	-ex "x/s $map + 3 * $page" -ex "x/s $map + 7 * $page" \
	-ex "x/s $map + 11 * $page" -ex "x/4c $data + 4096 * 1000 + 7" \
	-ex "x/s $map + 512 * 1048576" </dev/null >gdb.out 2>&1 ||
	fail "gdb failed: $(tail gdb.out)"
grep -q ':[[:space:]]*"file-page-3"$' gdb.out || fail "absent file page: $(cat gdb.out)"
grep -q ':[[:space:]]*"file-page-7"$' gdb.out || fail "present file page: $(cat gdb.out)"
grep -q ':[[:space:]]*"anon-page-11"$' gdb.out || fail "written private page: $(cat gdb.out)"
grep -q "70 'F'[[:space:]]*70 'F'[[:space:]]*70 'F'[[:space:]]*70 'F'" gdb.out ||
	fail "file data: $(cat gdb.out)"
grep -q ':[[:space:]]*""$' gdb.out || fail "a sparse part of the file: $(cat gdb.out)"
! grep -qi "cannot access memory" gdb.out || fail "gdb complains: $(cat gdb.out)"
