#!/bin/bash
# classify opens what the target names (RELIABILITY T26, T27): without
# /proc/PID/map_files (it needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE
# in the initial user namespace: classify runs here as root with both
# dropped from its bounding set, CAP_SYS_PTRACE kept to read memory) it
# reads a mapped file through /proc/PID/root/NAME. What is at NAME now
# may not be what was mapped: a FIFO there must not hang classify, and
# another file there must not be read as the mapping's ELF. The target
# maps an ELF (still in place: it must be read, through root/), a text
# file and another file; both are then deleted and, at the names maps
# now shows ("NAME (deleted)"), an ELF and a FIFO are put.
. "$TOP/tests/e2e/lib.sh"
command -v setpriv >/dev/null || skip "no setpriv (Debian: util-linux)"
[ "$(id -u)" = 0 ] || skip "needs root (to drop capabilities from it)"
nocap() { setpriv --bounding-set -sys_admin,-checkpoint_restore "$@"; }
nocap true 2>/dev/null || skip "setpriv cannot drop capabilities here"

elf=$(type -P true)
[ -n "$elf" ] || skip "no /usr/bin/true to copy"
mkdir t
cp "$elf" t/prog.elf
echo "plain text, not an ELF file" >t/data.txt
echo "plain text too" >t/fifo.dat
start_target mapfile "$PWD/t/prog.elf" "$PWD/t/data.txt" "$PWD/t/fifo.dat"
pid=$TARGET_PID
a_elf=$(printf '0x%012x' "0x$(ready_value map0)")
a_data=$(printf '0x%012x' "0x$(ready_value map1)")
a_fifo=$(printf '0x%012x' "0x$(ready_value map2)")
nocap sh -c "cat /proc/$pid/map_files/* >/dev/null 2>&1" &&
	skip "map_files still readable without CAP_SYS_ADMIN"

# region ADDR: "class<TAB>detail" of the region starting at ADDR.
region() {
	awk -F'\t' -v a="$1" 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
		$c["start"] == a {print $c["class"] "\t" $c["detail"]}' out.tsv
}

# Before any change: the ELF is read through root/ (its dev:inode match
# the maps line), the text file is not ELF.
nocap classify --tsv "$pid" >out.tsv 2>err || fail "classify: $(cat err)"
expect_eq "ELF through root/" "rodata	ELF read-only data" "$(region "$a_elf")"
expect_eq "text through root/" "file	not ELF" "$(region "$a_data")"

rm t/data.txt t/fifo.dat
cp "$elf" "t/data.txt (deleted)"
mkfifo "t/fifo.dat (deleted)"
grep -q "data.txt (deleted)" "/proc/$pid/maps" || fail "maps: $(cat /proc/$pid/maps)"
# Also as on a kernel without openat2 (a plain openat in the root).
for env in "" "MEMFORENSIC_FALLBACK=${MEMFORENSIC_FALLBACK:+$MEMFORENSIC_FALLBACK,}openat2"; do
	rc=0
	nocap timeout -s KILL 30 env $env classify --tsv "$pid" >out.tsv 2>err || rc=$?
	[ "$rc" != 137 ] || fail "$env classify hung (on the FIFO)"
	expect_eq "$env exit status" 0 "$rc"
	expect_eq "$env ELF still read" "rodata	ELF read-only data" "$(region "$a_elf")"
	# The ELF now at the text file's name is another file: not read.
	case $(region "$a_data") in
	file$'\t'"not read: another file is at its path now"*) ;;
	*) fail "$env swapped file: $(region "$a_data")" ;;
	esac
	case $(region "$a_fifo") in
	file$'\t'"not read: not a regular file"*) ;;
	*) fail "$env FIFO: $(region "$a_fifo")" ;;
	esac
done

# With map_files (root's full capabilities, no fallback forced) the mapped
# files themselves are read: the deleted text file is still not ELF.
timeout -s KILL 30 env -u MEMFORENSIC_FALLBACK classify --tsv "$pid" >out.tsv 2>err ||
	fail "classify: $(cat err)"
expect_eq "ELF via map_files" "rodata	ELF read-only data" "$(region "$a_elf")"
expect_eq "text via map_files" "file	not ELF" "$(region "$a_data")"
expect_eq "fifo.dat via map_files" "file	not ELF" "$(region "$a_fifo")"
