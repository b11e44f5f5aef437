#!/bin/bash
# Two allocators preloaded: the first in LD_PRELOAD's order serves
# malloc, as the dynamic linker resolves it (its LD_DEBUG=bindings report
# is the ground truth), whatever their addresses: classify reads the
# load order from the link map, not from the address order of the maps.
# A wrapper that passes malloc on (glibc's malloc debugging library) is
# said, and the allocator behind it named and walked.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

need_lib libjemalloc.so.2
need_lib libmimalloc.so.2
start_leaky libmimalloc.so.2 libjemalloc.so.2
check_alloc "$TARGET_PID" 'mimalloc 2\.[0-9]+\.[0-9]+' mimalloc first last buffer
start_leaky libjemalloc.so.2 libmimalloc.so.2
check_alloc "$TARGET_PID" 'jemalloc 5\.[0-9]+\.[0-9]+' jemalloc first last buffer

# A wrapper first (glibc's malloc debugging library, which passes each
# call on to libc): the dynamic linker binds malloc to it, classify says
# so and names the allocator behind it, glibc's, whose heap it walks:
# the target's contexts counted (leaky: 112-byte chunks).
lib=libc_malloc_debug.so.0
[ -r "$LIBDIR/$lib" ] || { echo "note: no $LIBDIR/$lib"; exit 0; }
start_leaky $lib
pid=$TARGET_PID
expect_eq "the dynamic linker's binding" "$LIBDIR/$lib" "$BOUND"
classify -v --tsv "$pid" >/dev/null 2>verbose.err
grep -Eq "^classify: pid $pid: malloc: glibc ptmalloc 2\.[0-9]+ \(malloc from libc\.so\.6; first through $lib, " verbose.err ||
	fail "behind the wrapper: $(grep malloc: verbose.err)"
classify --chunks --tsv "$pid" >chunks.tsv
n=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["size"]==112 {s+=$c["inuse"]} END {print s+0}' chunks.tsv)
expect_eq "in-use 112-byte chunks behind the wrapper" "$(ready_value contexts)" "$n"
