#!/bin/bash
# A core is untrusted input (RELIABILITY T45): segments whose bytes lie
# past the end of the file, a segment that wraps the address space, a
# note segment past the end or with notes that lie about their sizes, a
# program header table that is not there; and a FIFO or a device named
# as the core. Never a crash or a hang; a mismatch is a hole with a
# reason and exit 1; what can be read still is. The cores are made here,
# byte by byte (ELF64 little-endian, ET_CORE, x86-64), by the Python
# below, from one good core (a note with NT_PRPSINFO pid 4242, one
# 8 KiB PT_LOAD at 0x10000 with a marker at each end).
. "$TOP/tests/e2e/lib.sh"
command -v python3 >/dev/null || skip "no python3"

python3 - <<'EOF'
import struct

def note(ntype, desc, name=b"CORE", namesz=None, descsz=None):
    n = struct.pack("<III", len(name) + 1 if namesz is None else namesz,
                    len(desc) if descsz is None else descsz, ntype)
    n += name + b"\0"
    n += b"\0" * (-len(n) % 4) + desc + b"\0" * (-len(desc) % 4)
    return n

def core(name, notes=None, load=None, phnum=None, phoff=64, cut=None,
         note_off=None, wrap=False):
    psinfo = bytearray(136)
    struct.pack_into("<i", psinfo, 24, 4242)          # pr_pid
    notes = note(3, bytes(psinfo)) if notes is None else notes
    mem = bytearray(8192)
    mem[0:22] = b"CORE-FIRST-PAGE-MARKER"
    mem[8192 - 20:] = b"CORE-LAST-BYTEMARKER"
    nph = 3 if wrap else 2
    notes_off = 64 + nph * 56
    load_off = (notes_off + len(notes) + 4095) // 4096 * 4096
    # p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
    ph_note = [4, 4, notes_off if note_off is None else note_off, 0, 0,
               len(notes), 0, 4]
    ph_load = [1, 6, load_off, 0x10000, 0, 8192, 8192, 4096]
    if load:
        ph_load = [load.get(k, v) for k, v in zip(
            ["type", "flags", "offset", "vaddr", "paddr", "filesz", "memsz",
             "align"], ph_load)]
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, phoff, 0, 0, 64, 56,
                      nph if phnum is None else phnum, 64, 0, 0)
    img = bytearray(eh)
    img += struct.pack("<IIQQQQQQ", *ph_note)
    img += struct.pack("<IIQQQQQQ", *ph_load)
    if wrap:
        # A second load of the same bytes whose p_vaddr + p_memsz wraps
        # past 2^64.
        img += struct.pack("<IIQQQQQQ", 1, 6, load_off, 0xfffffffffffff000,
                           0, 8192, 8192, 4096)
    img += notes
    img += bytes(load_off - len(img)) + mem
    if cut is not None:
        img = img[:cut]
    open(name, "wb").write(img)

core("good.core")
# The load's last 4 KiB are not in the file.
core("truncated.core", cut=-4096)
# The load's bytes are said to start at 1 TiB.
core("offset.core", load={"offset": 1 << 40})
# A second load whose p_vaddr + p_memsz wraps past 2^64.
core("wrap.core", wrap=True)
# p_filesz far larger than the file (and than p_memsz).
core("filesz.core", load={"filesz": 1 << 62})
# Notes: a name size and a descriptor size past the segment, a
# NT_PRPSINFO too short to hold pr_pid.
core("namesz.core", notes=note(3, bytes(136), namesz=0xffffffff))
core("descsz.core", notes=note(3, bytes(136), descsz=0xfffffff0))
core("shortps.core", notes=note(3, bytes(20)))
# The note segment itself past the end of the file.
core("notepast.core", note_off=1 << 40)
# The program headers: 65535 of them (past the file), or past its end.
core("phnum.core", phnum=0xffff)
core("phoff.core", phoff=1 << 40)
EOF
[ -s good.core ] || fail "no cores made"

# run CORE: scan it for the markers, under a timeout; sets rc.
run() {
	rc=0
	timeout -s KILL 20 scan -e CORE-FIRST-PAGE-MARKER -e CORE-LAST-BYTEMARKER \
		"$1" >out 2>err || rc=$?
	[ "$rc" != 137 ] || fail "scan $1 hung"
	[ "$rc" -lt 128 ] || fail "scan $1 crashed (exit $rc): $(cat err)"
}
# A core records no start time: starttime is '-'.
first="4242	0x000000010000	0x000000010000	literal	22	-	CORE-FIRST-PAGE-MARKER"
last="4242	0x000000011fec	0x000000010000	literal	20	-	CORE-LAST-BYTEMARKER"

run good.core
expect_eq "good core: exit" 0 "$rc"
expect_eq "good core: hits" "$first
$last" "$(tail -n +2 out)"

run truncated.core
expect_eq "truncated: exit" 1 "$rc"
expect_eq "truncated: hits" "$first" "$(tail -n +2 out)"
grep -q "^scan: 'truncated.core': segment at 0x000000010000 has 4096 of its 8192 bytes in the file (the core is truncated): the rest is a hole" err ||
	fail "truncated: message: $(cat err)"

for c in offset filesz; do
	run $c.core
	expect_eq "$c: exit" 1 "$rc"
	grep -q "^scan: '$c.core': segment at 0x000000010000 has [0-9]* of its [0-9]* bytes in the file" err ||
		fail "$c: message: $(cat err)"
done
run filesz.core
expect_eq "filesz: hits" "$first
$last" "$(tail -n +2 out)"

run wrap.core
expect_eq "wrap: exit" 1 "$rc"
grep -q "^scan: 'wrap.core': segment 2 (0xfffffffffffff000, 8192 bytes) runs past the end of the address space: not read" err ||
	fail "wrap: message: $(cat err)"
expect_eq "wrap: hits" "$first
$last" "$(tail -n +2 out)"

# Notes that lie: the pid is unknown, the memory is still read.
for c in namesz descsz shortps notepast; do
	run $c.core
	expect_eq "$c: exit" 1 "$rc"
	grep -q "^scan: '$c.core': its notes are malformed" err ||
		fail "$c: message: $(cat err)"
	expect_eq "$c: hits" "-	0x000000010000	0x000000010000	literal	22	-	CORE-FIRST-PAGE-MARKER
-	0x000000011fec	0x000000010000	literal	20	-	CORE-LAST-BYTEMARKER" "$(tail -n +2 out)"
done

# No program header table: not a core that can be read.
for c in phnum phoff; do
	run $c.core
	expect_eq "$c: exit" 1 "$rc"
	grep -q "^scan: '$c.core': not an ELF core" err || fail "$c: message: $(cat err)"
done

# A FIFO or a device named as the core is not opened for reading.
mkfifo fifo.core
run fifo.core
expect_eq "FIFO: exit" 1 "$rc"
grep -q "^scan: cannot open 'fifo.core': not a regular file" err ||
	fail "FIFO: message: $(cat err)"
run /dev/null
expect_eq "device: exit" 1 "$rc"
grep -q "^scan: cannot open '/dev/null': not a regular file" err ||
	fail "device: message: $(cat err)"
