#!/bin/bash
# Labels come from the allocator's validated records, never from sizes
# or alignment alone: a 64 MiB region the program mmapped itself (the
# bigheap target), under jemalloc, tcmalloc and mimalloc preloaded, stays
# anon, while the allocator is named; and under glibc nothing is labelled
# another allocator's.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

n=0
for lib in libjemalloc.so.2 libtcmalloc.so.4 libmimalloc.so.2; do
	[ -r "$LIBDIR/$lib" ] || { echo "note: no $LIBDIR/$lib"; continue; }
	n=$((n + 1))
	start_cmd "bigheap under $lib" env LD_PRELOAD="$LIBDIR/$lib" \
		"$TARGETS/bigheap" 64
	classify -v --tsv "$TARGET_PID" >regions.tsv 2>verbose.err
	grep -q "malloc: .*(malloc from ${lib%%.so*}" verbose.err ||
		fail "under $lib: $(grep malloc: verbose.err)"
	expect_eq "class of bigheap's own mmap under $lib" anon \
		"$(region_class "$(ready_value start)")"
	kill "$TARGET_PID"
done
[ "$n" -gt 0 ] || skip "no allocator library to preload (scripts/install-deps installs them)"
start_target bigheap 64
classify --tsv "$TARGET_PID" >regions.tsv
! grep -Eq $'\t(jemalloc|tcmalloc|mimalloc|musl-heap)\t' regions.tsv ||
	fail "another allocator's class under glibc: $(grep -E $'\t(jemalloc|tcmalloc|mimalloc|musl-heap)\t' regions.tsv)"
