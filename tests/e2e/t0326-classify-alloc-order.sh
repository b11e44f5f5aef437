#!/bin/bash
# Two allocators preloaded: the first in LD_PRELOAD's order serves
# malloc, as the dynamic linker resolves it (its LD_DEBUG=bindings report
# is the ground truth), whatever their addresses: classify reads the
# load order from the link map, not from the address order of the maps.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

need_lib libjemalloc.so.2
need_lib libmimalloc.so.2
start_leaky libmimalloc.so.2 libjemalloc.so.2
check_alloc "$TARGET_PID" 'mimalloc 2\.[0-9]+\.[0-9]+' mimalloc first last buffer
start_leaky libjemalloc.so.2 libmimalloc.so.2
check_alloc "$TARGET_PID" 'jemalloc 5\.[0-9]+\.[0-9]+' jemalloc first last buffer
