#!/bin/bash
# A dump directory is untrusted input (RELIABILITY T45): someone sends
# one, root scans it. Nothing outside the directory is read (an absolute
# name, '..', a symbolic link to a file or a directory outside), nothing
# blocks (a FIFO as a region file or as regions.tsv), only regular files
# are read (no device, no directory); a file shorter or longer than its
# region gives a hole or is cut at the region's end, and says so (a
# region of 2^63 bytes costs no more than its file). Each
# case: no secret in the output, exit 1 (partial), one line saying why,
# never a hang. Everything again as on a kernel without openat2
# (MEMFORENSIC_FALLBACK=openat2).
. "$TOP/tests/e2e/lib.sh"

start_target scan_sparse
pid=$TARGET_PID
region=$(ready_value last_region)
dump-region -o good "$pid" "$region" >/dev/null 2>dump.err ||
	fail "dump-region: $(cat dump.err)"
dump-region --zstd -o goodz "$pid" "$region" >/dev/null 2>dump.err ||
	fail "dump-region --zstd: $(cat dump.err)"
fcol=$(col file <good/regions.tsv)
bin=$(awk -F'\t' -v c="$fcol" 'NR == 2 {print $c}' good/regions.tsv)
zst=$(awk -F'\t' -v c="$fcol" 'NR == 2 {print $c}' goodz/regions.tsv)
[ -f "good/$bin" ] && [ -f "goodz/$zst" ] || fail "no region file: $bin $zst"
size=$(stat -c %s "good/$bin")
expect_eq "region file size" 8192 "$size"
# Known text at the start of the region; LAST-BYTE-MARKER is at its end.
printf 'FIRST-PAGE-MARKER' | dd of="good/$bin" conv=notrunc status=none
echo "TOPSECRET-OUTSIDE-THE-DUMP" >secret.txt
mkdir outside && cp secret.txt outside/

# variant NAME FILE-COLUMN: a copy of good/ whose regions.tsv names FILE.
variant() {
	cp -a good "$1"
	awk -F'\t' -v OFS='\t' -v c="$fcol" -v f="$2" 'NR > 1 {$c = f} {print}' \
		good/regions.tsv >"$1/regions.tsv"
}

variant abs "$TRASH/secret.txt"
variant dotdot "../secret.txt"
variant dotdot2 "x/../../secret.txt"
variant linkdir "sub/secret.txt"
ln -s "$TRASH/outside" linkdir/sub
cp -a good link && ln -sf ../secret.txt "link/$bin"
cp -a good linkabs && ln -sf "$TRASH/secret.txt" "linkabs/$bin"
cp -a good fifo && rm "fifo/$bin" && mkfifo "fifo/$bin"
cp -a good dir && rm "dir/$bin" && mkdir "dir/$bin"
zlink=""
if command -v zstd >/dev/null; then
	zstd -q secret.txt -o secret.txt.zst
	cp -a goodz zlink && ln -sf ../secret.txt.zst "zlink/$zst"
	zlink=zlink
fi
cp -a goodz zfifo && rm "zfifo/$zst" && mkfifo "zfifo/$zst"
cp -a good idxlink && rm idxlink/regions.tsv &&
	ln -s "$TRASH/good/regions.tsv" idxlink/regions.tsv
cp -a good idxfifo && rm idxfifo/regions.tsv && mkfifo idxfifo/regions.tsv
cp -a good short && truncate -s 4096 "short/$bin"
cp -a good long && printf 'BEYOND-THE-REGION-MARKER' >>"long/$bin"
# A region of 2^63 bytes held by a file of 18: one hole, not 2^41 windows.
mkdir huge
printf 'pid\tstart\tend\tfile\tname\n1\t0x0\t0x7fffffffffffffff\tx.bin\tx\n' \
	>huge/regions.tsv
printf 'HUGE-REGION-MARKER' >huge/x.bin
devs=""
if cp -a good dev && rm "dev/$bin" && mknod "dev/$bin" c 1 3 2>/dev/null; then
	devs=dev
fi

# run DIR: scan it, under a timeout; sets rc, out, err.
run() {
	rc=0
	timeout -s KILL 20 scan --strings -n 8 "$1" >out 2>err || rc=$?
	[ "$rc" != 137 ] || fail "$mode scan $1 hung"
	grep -q TOPSECRET out && fail "$mode scan $1 read outside the dump: $(cat out)"
	return 0
}

fallback=${MEMFORENSIC_FALLBACK-}
for mode in openat2 no-openat2; do
	[ "$mode" = openat2 ] ||
		export MEMFORENSIC_FALLBACK="${fallback:+$fallback,}openat2"
	run good
	expect_eq "$mode good: exit" 0 "$rc"
	grep -q 'FIRST-PAGE-MARKER$' out || fail "$mode good: $(cat out)"
	grep -q 'LAST-BYTE-MARKER$' out || fail "$mode good: $(cat out)"
	run goodz
	expect_eq "$mode goodz: exit" 0 "$rc"

	for v in abs dotdot dotdot2; do
		run $v
		expect_eq "$mode $v: exit" 1 "$rc"
		grep -q "^scan: cannot read '$v/.*': outside its directory" err ||
			fail "$mode $v: message: $(cat err)"
	done
	for v in linkdir link linkabs $zlink; do
		run $v
		expect_eq "$mode $v: exit" 1 "$rc"
		grep -q "^scan: cannot read '$v/.*': a symbolic link" err ||
			fail "$mode $v: message: $(cat err)"
	done
	for v in fifo zfifo $devs; do
		run $v
		expect_eq "$mode $v: exit" 1 "$rc"
		grep -q "^scan: cannot read '$v/.*': not a regular file" err ||
			fail "$mode $v: message: $(cat err)"
	done
	run dir
	expect_eq "$mode dir: exit" 1 "$rc"
	grep -q "^scan: cannot read 'dir/.*': a directory" err ||
		fail "$mode dir: message: $(cat err)"
	# The hole is said: the region is still counted (-v).
	grep -q "is a hole" err || fail "$mode dir: no hole: $(cat err)"

	run idxlink
	expect_eq "$mode idxlink: exit" 1 "$rc"
	grep -q "^scan: cannot open 'idxlink/regions.tsv': a symbolic link" err ||
		fail "$mode idxlink: message: $(cat err)"
	run idxfifo
	expect_eq "$mode idxfifo: exit" 1 "$rc"
	grep -q "^scan: cannot open 'idxfifo/regions.tsv': not a regular file" err ||
		fail "$mode idxfifo: message: $(cat err)"

	# Shorter than its region: what is there is read, the rest is a hole.
	run short
	expect_eq "$mode short: exit" 1 "$rc"
	grep -q 'FIRST-PAGE-MARKER$' out || fail "$mode short: $(cat out)"
	grep -q 'LAST-BYTE-MARKER' out && fail "$mode short: read past its end"
	grep -q "^scan: 'short/$bin': 4096 bytes short of its region .*: the rest is a hole" err ||
		fail "$mode short: message: $(cat err)"
	# Longer: only the region's bytes are read.
	run long
	expect_eq "$mode long: exit" 1 "$rc"
	grep -q 'LAST-BYTE-MARKER$' out || fail "$mode long: $(cat out)"
	grep -q 'BEYOND-THE-REGION' out && fail "$mode long: read past the region"
	grep -q "^scan: 'long/$bin': 24 bytes longer than its region .*: only the region's bytes are read" err ||
		fail "$mode long: message: $(cat err)"
	expect_eq "$mode long: stderr lines" 1 "$(wc -l <err)"
	run huge
	expect_eq "$mode huge: exit" 1 "$rc"
	grep -q 'HUGE-REGION-MARKER$' out || fail "$mode huge: $(cat out)"
	grep -q "^scan: 'huge/x.bin': 9223372036854775789 bytes short of its region" err ||
		fail "$mode huge: message: $(cat err)"
done
export MEMFORENSIC_FALLBACK="$fallback"

# Records on stdin (from dump-region, or a file) name their files by any
# path; still, a FIFO there does not block and is not read.
mkfifo fifo2
awk -F'\t' -v OFS='\t' -v c="$fcol" -v f="$TRASH/fifo2" 'NR > 1 {$c = f} {print}' \
	good/regions.tsv >records.tsv
rc=0
timeout -s KILL 20 scan --strings -n 8 <records.tsv >out 2>err || rc=$?
[ "$rc" != 137 ] || fail "scan of records naming a FIFO hung"
expect_eq "records naming a FIFO: exit" 1 "$rc"
grep -q "^scan: cannot read '$TRASH/fifo2': not a regular file" err ||
	fail "records naming a FIFO: message: $(cat err)"

# A .zst region too large for our address space (2^48 bytes) is a hole;
# the next region, of 2^44 bytes, is unpacked (only its nonzero pages
# cost memory) and scanned (not under strict overcommit, mode 2, which
# ignores MAP_NORESERVE).
if command -v zstd >/dev/null &&
	[ "$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)" != 2 ]; then
	mkdir bigz
	printf 'HELLO-BIG-ZSTD' | zstd -q -o bigz/x.bin.zst
	printf 'pid\tstart\tend\tfile\tname\n1\t0x0\t0x1000000000000\tx.bin.zst\tx\n2\t0x0\t0x100000000000\tx.bin.zst\tx\n' \
		>bigz/regions.tsv
	rc=0
	timeout -s KILL 20 scan bigz >out 2>err || rc=$?
	expect_eq "bigz: exit" 1 "$rc"
	expect_eq "bigz: hits" "2	0x000000000000	0x000000000000	ascii	14	-	HELLO-BIG-ZSTD" \
		"$(tail -n +2 out)"
	grep -q "^scan: cannot read 'bigz/x.bin.zst': too large to map here; 0x000000000000-0x1000000000000 is a hole" err ||
		fail "bigz: message: $(cat err)"
fi
# A .zst that unpacks to more than its region: only the region's bytes.
if command -v zstd >/dev/null; then
	cp -a goodz zlong && rm "zlong/$zst"
	cat long/"$bin" | zstd -q -o "zlong/$zst"
	run zlong
	expect_eq "zlong: exit" 1 "$rc"
	grep -q 'LAST-BYTE-MARKER$' out || fail "zlong: $(cat out)"
	grep -q 'BEYOND-THE-REGION' out && fail "zlong: read past the region"
	grep -q "^scan: 'zlong/$zst': more bytes than its region .*: only the region's bytes are read" err ||
		fail "zlong: message: $(cat err)"
fi
# A dump sent without its region files (regions.tsv alone, 300 regions):
# each is a hole, said in at most 20 lines and one counting the rest, for
# scan and for classify alike (one line per region flooded the terminal).
mkdir -p nofiles
awk 'BEGIN { printf "pid\tstart\tend\tperms\toffset\tdev\tinode\tsize\trss\tfile\tname\n"
	for (i = 0; i < 300; i++)
		printf "7\t0x%x\t0x%x\trw-p\t0\t00:00\t0\t4096\t4096\t7-%d.bin\t-\n",
			65536 * (i + 1), 65536 * (i + 1) + 4096, i }' \
	>nofiles/regions.tsv
rc=0; scan --strings nofiles >out 2>err || rc=$?
expect_eq "nofiles: scan exit (partial: every region a hole)" 1 "$rc"
expect_eq "nofiles: scan's lines on stderr" 21 "$(wc -l <err)"
grep -q "^scan: \.\.\. and 280 more warnings like these$" err ||
	fail "nofiles: scan: $(tail -2 err)"
rc=0; classify nofiles >out 2>err || rc=$?
[ "$rc" != 0 ] || fail "nofiles: classify exit 0"
[ "$(grep -c 'is a hole' err)" = 20 ] || fail "nofiles: classify: $(head -3 err)"
grep -q "^classify: \.\.\. and 280 more warnings like these$" err ||
	fail "nofiles: classify: $(tail -3 err)"
