#!/bin/bash
# musl's mallocng walked (issue 16): muslleak, built by musl-gcc static
# and dynamic, keeps COUNT chunks of 108 bytes: COUNT in-use slots of the
# slot size the target itself measured (the distance between its
# neighbouring chunks), live, from a freeze dump directory and from our
# core, the same histogram each time; the 300-byte chunks it freed are
# free slots; the static binary's context is where its symbol table
# (nm) puts __malloc_context; the walk faults nothing in; the groups'
# mapping reads as musl-heap, not anon. A group whose meta pointer the
# target broke is a corrupt record at that group, exit 1.
. "$TOP/tests/e2e/lib.sh"

command -v musl-gcc >/dev/null || skip "no musl-gcc (Debian: musl-tools)"
[ -x "$TARGETS/muslleak-static" ] || skip "muslleak-static not built"

# sum FILE SIZE TYPE COLUMN: COLUMN summed over the records of SIZE, TYPE.
sum() {
	awk -F'\t' -v s="$2" -v t="$3" -v k="$4" 'NR==1 {
		for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["size"]==s && $c["type"]==t {n+=$c[k]} END {print n+0}' "$1"
}

for v in static dynamic; do
	start_target "muslleak-$v" 20000 108
	pid=$TARGET_PID
	n=$(ready_value count)
	stride=$(ready_value stride)
	before=$(target_rss "$pid")
	classify --chunks --tsv -v "$pid" >"$v.chunks" 2>"$v.err" ||
		fail "classify --chunks $v: $(cat "$v.err")"
	after=$(target_rss "$pid")
	expect_eq "$v: target rss (kB) across the walk" "$before" "$after"
	got=$(sum "$v.chunks" "$stride" - inuse)
	[ "$got" -ge "$n" ] && [ "$got" -le $((n + n / 100)) ] ||
		fail "$v: $got in-use $stride-byte slots, want $n (+1%)"
	free=$(awk -F'\t' 'NR>1 && $9=="-" && $5>m {m=$5} END {print m+0}' \
		"$v.chunks")
	[ "$free" -ge "$(ready_value freed)" ] ||
		fail "$v: at most $free free slots of a size, $(ready_value freed) freed"
	if [ $v = static ] && command -v nm >/dev/null; then
		sym=$(nm "$TARGETS/muslleak-static" |
			awk '$3=="__malloc_context" {print $1}')
		grep -q "context at 0x${sym#"${sym%%[!0]*}"}:" "$v.err" ||
			fail "context not at nm's 0x$sym: $(cat "$v.err")"
	fi
	classify --tsv "$pid" >"$v.regions"
	awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["class"]=="musl-heap" && $c["size"]>=4194304 {f=1}
		END {exit !f}' "$v.regions" ||
		fail "$v: no musl-heap region holding the groups"
	# The same histogram from a dump directory and from a core.
	dump-region -q --mode freeze -o "$TRASH/$v.dir" "$pid" 2>dump.err ||
		fail "dump-region: $(cat dump.err)"
	dump-region -q --core "$TRASH/$v.core" "$pid" 2>dump.err ||
		fail "dump-region --core: $(cat dump.err)"
	no_start_of classify --chunks --tsv "$pid" >"$v.live"
	for src in "$v.dir" "$v.core"; do
		no_start_of classify --chunks --tsv "$TRASH/$src" >"$src.chunks" \
			2>"$src.err" || fail "classify $src: $(cat "$src.err")"
		compare "$v.live" "$src.chunks"
	done
done

# Hostile metadata: the target points one group's meta pointer elsewhere.
# The walk says where (the group the target reports), exit 1, no crash.
start_target muslleak-static 2000 108 corrupt
set +e
classify --chunks --tsv "$TARGET_PID" >corrupt.tsv 2>corrupt.err
rc=$?
set -e
expect_eq "classify on corrupt mallocng metadata: exit" 1 "$rc"
group=$(printf '0x%012x' "$(ready_value group)")
grep -q "	corrupt at $group: group does not point back to meta\$" \
	corrupt.tsv || fail "no corrupt record at $group: $(cat corrupt.tsv)"
grep -q "corrupt musl mallocng metadata at $(ready_value group)" \
	corrupt.err || fail "nothing said on stderr: $(cat corrupt.err)"
