#!/bin/bash
# The leak target with gperftools' tcmalloc preloaded, full and minimal:
# classify names it, its version and the library malloc binds to
# (LD_DEBUG=bindings); the contexts and the buffer (the target's report)
# lie in memory labelled tcmalloc through its Span records (the brk
# heap it grows); under 20% of the RSS unexplained; --chunks refuses in
# one line.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

need_lib libtcmalloc.so.4
need_lib libtcmalloc_minimal.so.4
for lib in libtcmalloc.so.4 libtcmalloc_minimal.so.4; do
	start_leaky $lib
	check_alloc "$TARGET_PID" 'tcmalloc \(gperftools [0-9]+\.[0-9]+\)' \
		tcmalloc first last buffer
done
