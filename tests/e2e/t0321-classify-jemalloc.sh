#!/bin/bash
# The leak target with jemalloc preloaded: classify names jemalloc and
# its version, and the library the dynamic linker bound malloc to
# (LD_DEBUG=bindings); the extents holding the contexts and the 16 MiB
# buffer (the target's report) are class jemalloc (found through its
# base blocks' extent records); under 20% of the RSS stays unexplained
# (87% before issue 16); --chunks says the heap cannot be walked.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

need_lib libjemalloc.so.2
start_leaky libjemalloc.so.2
check_alloc "$TARGET_PID" 'jemalloc 5\.[0-9]+\.[0-9]+' jemalloc first last buffer
