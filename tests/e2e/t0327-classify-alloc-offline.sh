#!/bin/bash
# The allocator is named and its regions labelled from a capture as from
# the live process: a freeze dump directory and our ELF core of the leak
# target under jemalloc and under mimalloc give the live process's
# allocator line (the link map read from the captured memory) and the
# same region classes and details; --chunks on them refuses in one line.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

need_lib libjemalloc.so.2
need_lib libmimalloc.so.2
regions() { classify --tsv "$1" | keep start end class detail; }
for lib in libjemalloc.so.2 libmimalloc.so.2; do
	start_leaky $lib
	pid=$TARGET_PID
	regions "$pid" >live.$lib.regions
	classify -v "$pid" 2>&1 >/dev/null | grep "malloc:" |
		sed "s/pid $pid/pid P/" >live.$lib.alloc
	[ -s live.$lib.alloc ] || fail "no allocator line on the live process"
	dump-region --mode freeze -o "$TRASH/$lib.dir" "$pid" >/dev/null \
		2>dump.err || fail "dump-region: $(cat dump.err)"
	dump-region --core "$TRASH/$lib.core" "$pid" >/dev/null \
		2>core.err || fail "dump-region --core: $(cat core.err)"
	for src in "$lib.dir" "$lib.core"; do
		regions "$src" >"$src.regions" 2>"$src.err" ||
			fail "classify $src: $(cat "$src.err")"
		compare live.$lib.regions "$src.regions"
		classify -v "$src" 2>&1 >/dev/null | grep "malloc:" |
			sed "s/pid $pid/pid P/" >"$src.alloc"
		compare live.$lib.alloc "$src.alloc"
		rc=0
		classify --chunks "$src" >"$src.chunks" 2>"$src.chunks.err" || rc=$?
		expect_eq "--chunks on $src" 1 "$rc"
		grep -q "its heap cannot be walked from outside" "$src.chunks.err" ||
			fail "--chunks on $src said: $(cat "$src.chunks.err")"
	done
	kill "$pid"
done
