#!/bin/bash
# classify reads a capture as it reads the live process: on a freeze dump
# directory, on our --core and on gdb's gcore core of a target that waits
# unchanged after its readiness line, the region classes, the --chunks
# histogram (the 262,144 x 112-byte leak, the arenas, the C++ types) and
# the --summary's classes, sizes and heap bytes are the live ones; a
# core's summary has no rss ('-', not 0).
# Captures carry less than /proc: rss is the capture's (a dump) or not
# known (a core), [vvar] regions have no name in a core (gcore leaves them
# out): those columns and rows are left out of the comparison. A dump
# directory's threads come from its process.json, a core's from its
# NT_PRSTATUS notes. gcore leaves the
# read-only file ranges out: they come from the mapped files, unchanged.
. "$TOP/tests/e2e/lib.sh"

have_gcore=1
command -v gcore >/dev/null || {
	have_gcore=0
	echo "note: no gcore (Debian: gdb): gcore's cores not compared"
}

regions() { classify --tsv "$1" | keep start end class detail; }
chunks() { no_start_of classify --chunks --tsv "$1"; }
summary() {
	classify --summary --tsv "$1" |
		keep regions size inuse_bytes free_bytes class category
}

# check NAME PID: every capture of PID against the live process.
check() {
	local name=$1 pid=$2 src
	regions "$pid" >"$name.live.regions"
	chunks "$pid" >"$name.live.chunks"
	summary "$pid" >"$name.live.summary"
	classify --threads --tsv "$pid" | keep tid stack_start stack_end \
		>"$name.live.threads"
	dump-region --mode freeze -o "$TRASH/$name.dir" "$pid" >/dev/null \
		2>"$name.dump.err" || fail "dump-region: $(cat "$name.dump.err")"
	dump-region --core "$TRASH/$name.core" "$pid" >/dev/null \
		2>"$name.core.err" || fail "dump-region: $(cat "$name.core.err")"
	set -- "$name.dir" "$name.core"
	if [ $have_gcore = 1 ]; then
		gcore -o "$TRASH/$name.gcore" "$pid" >gcore.out 2>&1 ||
			fail "gcore: $(cat gcore.out)"
		set -- "$@" "$name.gcore.$pid"
	fi
	for src in "$@"; do
		regions "$src" 2>"$src.err" >"$src.regions" ||
			fail "classify $src: $(cat "$src.err")"
		chunks "$src" >"$src.chunks" 2>>"$src.err" ||
			fail "classify --chunks $src: $(cat "$src.err")"
		summary "$src" >"$src.summary" 2>>"$src.err"
		case $src in
		*.gcore.*)
			# gdb writes PROT_NONE ranges (thread stack guards,
			# arena reserves) as readable segments: they read as
			# anon. Compare the rest.
			awk -F'\t' 'NR==FNR {if ($3 ~ /^(guard|arena-reserve)$/) g[$1]=1; next}
				!($1 in g)' "$name.live.regions" \
				"$name.live.regions" >"$src.live.regions"
			awk -F'\t' 'NR==FNR {if ($3 ~ /^(guard|arena-reserve)$/) g[$1]=1; next}
				!($1 in g)' "$name.live.regions" \
				"$src.regions" >"$src.cmp.regions"
			compare "$src.live.regions" "$src.cmp.regions"
			grep -v -e '	guard	' -e '	anon	' -e '	arena-reserve	' \
				"$name.live.summary" >"$src.live.summary"
			grep -v -e '	guard	' -e '	anon	' -e '	arena-reserve	' \
				"$src.summary" >"$src.cmp.summary"
			compare "$src.live.summary" "$src.cmp.summary" ;;
		*)
			compare "$name.live.regions" "$src.regions"
			compare "$name.live.summary" "$src.summary" ;;
		esac
		compare "$name.live.chunks" "$src.chunks"
		classify --threads --tsv "$src" |
			keep tid stack_start stack_end >"$src.threads"
		compare "$name.live.threads" "$src.threads"
	done
	# A core holds no resident figures: its summary's rss is missing
	# ('-'), never a 0 added up; a dump's are regions.tsv's (smaps').
	classify --summary --tsv "$name.core" | keep rss | tail -n +2 |
		grep -v -x -- - && fail "$name.core: an rss in the summary"
	classify --summary --tsv "$name.dir" | keep rss | tail -n +2 |
		grep -x -- - && fail "$name.dir: an rss missing from the summary"
	true
}

start_target leaky
check leaky "$TARGET_PID"
n=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["size"]==112 {s+=$c["inuse"]} END {print s+0}' leaky.core.chunks)
expect_eq "in-use 112-byte chunks in the core" "$(ready_value contexts)" "$n"

start_target arenas
check arenas "$TARGET_PID"

start_target cppleak 20000
check cppleak "$TARGET_PID"
grep -q 'sip::SipSubscribeEvent$' cppleak.dir.chunks ||
	fail "no C++ type named from the dump"

# A capture whose libc cannot be had (a dump: another inode in
# regions.tsv; a core: its NT_FILE path names a directory that is not
# here): said in one line naming libc, not another file; no records;
# exit 1. A core whose dynamic linker is not here: its mappings are
# still a file's (not anonymous memory, nor JIT code), said not read,
# and the heaps are walked as before.
mkdir -p "$TRASH/nolibc"
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; print; next}
	$c["name"] ~ /libc\.so/ {$c["inode"]=1} {print}' OFS='\t' \
	"$TRASH/leaky.dir/regions.tsv" >"$TRASH/nolibc/regions.tsv"
python3 - "$TRASH/leaky.core" "$TRASH" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
for name, lib in (('nolibc', b'libc.so.6'), ('nold', b'ld-linux-x86-64.so.2')):
	a = b'/usr/lib/x86_64-linux-gnu/' + lib
	assert a in d, 'no %s path in the core' % lib
	open(sys.argv[2] + '/' + name + '.core', 'wb').write(
		d.replace(a, b'/usr/lib/x86_64-linux-gnX/' + lib))
PY
for src in nolibc nolibc.core; do
	for opt in --chunks ""; do
		set +e
		classify $opt "$TRASH/$src" >nolibc.out 2>nolibc.err
		rc=$?
		set -e
		expect_eq "classify $opt on $src: exit" 1 "$rc"
		grep -q "^classify: cannot read '.*$src': .*libc" nolibc.err ||
			fail "$src: no word about libc: $(cat nolibc.err)"
		[ ! -s nolibc.out ] || fail "classify $opt $src: records without the heaps"
	done
done
grep -q "no glibc version in /usr/lib/x86_64-linux-gnX/libc\.so\.6 (that file is not on this machine" nolibc.err ||
	fail "the core's libc not named: $(cat nolibc.err)"
classify --tsv "$TRASH/nold.core" 2>nold.err | keep class detail name |
	awk -F'\t' '$3 ~ /gnX\/ld-linux/' >nold.classes
[ "$(wc -l <nold.classes)" -ge 3 ] || fail "no regions of the missing ld.so: $(cat nold.classes)"
awk -F'\t' '$1 != "file" || $2 != "not read: the file is not on this machine"' \
	nold.classes | grep . && fail "the missing ld.so's mappings read as other than a file's not read"
chunks "$TRASH/nold.core" >nold.chunks
compare leaky.core.chunks nold.chunks

# Neither a pid nor a capture: usage.
set +e
classify "$TRASH/nolibc/regions.tsv" >/dev/null 2>bad.err
rc=$?
set -e
expect_eq "classify on a plain file: exit" 64 "$rc"
