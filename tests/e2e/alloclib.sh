# Shared by the allocator tests (t032x): sourced after lib.sh. The leak
# target (leaky: 262,144 contexts of 96 bytes and a 16 MiB buffer) under
# an allocator other than glibc's, checked against the target's own
# report (where its contexts and buffer are) and the kernel's smaps.

LIBDIR=/usr/lib/x86_64-linux-gnu

# need_lib FILE: the allocator library FILE (in LIBDIR), else skip.
need_lib() {
	[ -r "$LIBDIR/$1" ] || skip "no $LIBDIR/$1 (scripts/install-deps installs it)"
}

# start_leaky PRELOAD...: start the leak target with the libraries
# PRELOAD (in LIBDIR) preloaded, the dynamic linker reporting its
# bindings; BOUND is the file its malloc binds to, as the dynamic linker
# says (ground truth for the allocator's name).
start_leaky() {
	local pre="" l
	for l in "$@"; do pre="$pre${pre:+ }$LIBDIR/$l"; done
	start_cmd "leaky under $*" env LD_DEBUG=bindings LD_PRELOAD="$pre" \
		"$TARGETS/leaky"
	BOUND=$(sed -n "s|^ *$TARGET_PID:.*binding file $TARGETS/leaky \[0\] to \(.*\) \[0\]: normal symbol \`malloc'.*|\1|p" \
		"$TRASH/target.err" | head -1)
	[ -n "$BOUND" ] || fail "no binding of malloc in the dynamic linker's report"
}

# region_class ADDR: the class of the region of regions.tsv holding ADDR.
region_class() {
	# Addresses are 0x and 12 or more zero-padded digits: by length,
	# then as text (no strtonum in mawk).
	awk -F'\t' -v a="$(printf '0x%012x' "$1")" '
		function lt(x, y) { return length(x) < length(y) ||
			(length(x) == length(y) && x < y) }
		NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		!lt(a, $c["start"]) && lt(a, $c["end"]) {print $c["class"]}' \
		regions.tsv
}

# check_alloc PID NAME CLASS ADDRKEY...: classify names the allocator
# NAME (an extended regex) on -v; the target's objects at the readiness
# line's ADDRKEYs lie in regions of class CLASS; --summary's unexplained
# resident bytes are under 20% of the process's RSS (smaps_rollup), and
# the allocator's class holds at least the leak's bytes; --chunks exits 1
# with the one line naming it and prints nothing (with WALKED=1: exits 0
# with records); nothing is faulted in.
check_alloc() {
	local pid=$1 name=$2 cls=$3 key a got rss before after unexp mine rc
	shift 3
	before=$(target_rss "$pid")
	classify -v --tsv "$pid" >regions.tsv 2>verbose.err ||
		fail "classify exit $?: $(cat verbose.err)"
	grep -Eq "^classify: pid $pid: malloc: $name " verbose.err ||
		fail "allocator not named '$name': $(grep malloc: verbose.err)"
	! grep -q "load order not read" verbose.err ||
		fail "the link map was not read: $(grep malloc: verbose.err)"
	if [ -n "${BOUND:-}" ]; then
		grep -q "malloc: .*(malloc from $(basename "$(readlink -f "$BOUND")")[,;) ]" verbose.err ||
			fail "the dynamic linker bound malloc to $BOUND: $(grep malloc: verbose.err)"
	fi
	for key in "$@"; do
		a=$(ready_value "$key")
		[ "$key" = last ] && a=$(printf '0x%x' $((a - 1)))
		got=$(region_class "$a")
		expect_eq "class of the region at $key=$a" "$cls" "$got"
	done
	classify --summary --tsv "$pid" >summary.tsv 2>summary.err ||
		fail "classify --summary exit $?: $(cat summary.err)"
	rss=$(awk '/^Rss:/ {print $2 * 1024}' "/proc/$pid/smaps_rollup")
	unexp=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["category"]=="unexplained" {s+=$c["rss"]} END {print s+0}' \
		summary.tsv)
	mine=$(awk -F'\t' -v k="$cls" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["class"]==k {s+=$c["rss"]} END {print s+0}' summary.tsv)
	echo "rss $rss unexplained $unexp $cls $mine"
	[ $((unexp * 5)) -lt "$rss" ] ||
		fail "unexplained $unexp bytes of rss $rss: 20% or more"
	[ "$mine" -ge $(( $(ready_value contexts) * 96 )) ] ||
		fail "class $cls holds $mine resident bytes, less than the leak"
	rc=0
	classify --chunks --tsv "$pid" >chunks.tsv 2>chunks.err || rc=$?
	if [ "${WALKED:-0}" = 1 ]; then
		# A heap classify walks (musl's mallocng: t0330 checks the
		# counts): a histogram, exit 0.
		expect_eq "--chunks exit status" 0 "$rc"
		[ "$(wc -l <chunks.tsv)" -gt 1 ] || fail "--chunks: no records"
		return 0
	fi
	expect_eq "--chunks exit status" 1 "$rc"
	[ ! -s chunks.tsv ] || fail "--chunks printed records: $(head -3 chunks.tsv)"
	expect_eq "--chunks stderr lines" 1 "$(wc -l <chunks.err)"
	grep -Eq "^classify: process $pid: $name: its heap cannot be walked from outside; regions are labelled, counts are not available$" chunks.err ||
		fail "--chunks said: $(cat chunks.err)"
	after=$(target_rss "$pid")
	expect_eq "target rss (kB) across the reads" "$before" "$after"
}
