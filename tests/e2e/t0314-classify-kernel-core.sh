#!/bin/bash
# classify reads a core the kernel wrote as it reads the live process
# (issue 13: "an ELF core: ours, gcore's, or one the kernel wrote"). A
# target that waits unchanged after its readiness line is classified
# live, then killed with SIGSEGV so that the kernel dumps it; on that core
# the region classes, the --chunks histogram (the 262,144 x 112-byte
# leak, the arenas, the C++ types), the --summary's classes, sizes and
# heap bytes and the threads' stacks are the live ones. The kernel writes
# the [vvar] pages' bytes (ours and gcore leave them out): they are still
# named [vvar]. The kernel leaves file text out: it comes from the mapped
# files, unchanged.
. "$TOP/tests/e2e/lib.sh"

pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
'|'* | */*) skip "core_pattern '$pattern' sends cores elsewhere (a pipe or a path): no kernel core to read here" ;;
esac
ulimit -c unlimited 2>/dev/null || skip "cannot raise the core size limit"

regions() { classify --tsv "$1" | keep start end class detail; }
summary() {
	classify --summary --tsv "$1" |
		keep regions size inuse_bytes free_bytes class category
}
threads() { classify --threads --tsv "$1" | keep tid stack_start stack_end; }

# check NAME ARGS...: start target NAME in a directory of its own, read
# it live, kill it with SIGSEGV, read the kernel's core of it.
check() {
	local name=$1 pid core
	shift
	mkdir "$TRASH/$name.cwd"
	cd "$TRASH/$name.cwd"
	start_target "$name" "$@"
	cd "$TRASH"
	pid=$TARGET_PID
	settled "$pid"
	regions "$pid" >"$name.live.regions"
	no_start_of classify --chunks --tsv "$pid" >"$name.live.chunks"
	summary "$pid" >"$name.live.summary"
	threads "$pid" >"$name.live.threads"
	kill -SEGV "$pid"
	wait "$pid" 2>/dev/null || true
	core=$(ls "$TRASH/$name.cwd" | grep -v '^ready' | head -1)
	[ -n "$core" ] || skip "the kernel wrote no core for $name (pattern '$pattern', limit $(ulimit -c))"
	core=$TRASH/$name.cwd/$core
	file_type=$(od -An -tx1 -j16 -N2 "$core" | tr -d ' ')
	expect_eq "$name: a core (ET_CORE)" 0400 "$file_type"
	regions "$core" >"$name.k.regions" 2>"$name.k.err" ||
		fail "classify $core: $(cat "$name.k.err")"
	compare "$name.live.regions" "$name.k.regions"
	no_start_of classify --chunks --tsv "$core" >"$name.k.chunks" ||
		fail "classify --chunks $core"
	compare "$name.live.chunks" "$name.k.chunks"
	summary "$core" >"$name.k.summary"
	compare "$name.live.summary" "$name.k.summary"
	threads "$core" >"$name.k.threads"
	compare "$name.live.threads" "$name.k.threads"
	classify --tsv "$core" | awk -F'\t' 'NR == 1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["class"] == "vvar" {n++} END {exit !n}' ||
		fail "$name: no [vvar] named in the kernel's core"
}

check leaky
n=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["size"]==112 {s+=$c["inuse"]} END {print s+0}' leaky.k.chunks)
expect_eq "in-use 112-byte chunks in the kernel's core" 262144 "$n"
check arenas
check cppleak 20000
grep -q 'sip::SipSubscribeEvent$' cppleak.k.chunks ||
	fail "no C++ type named from the kernel's core"
