#!/bin/bash
# The leak target with mimalloc preloaded: classify names it and its
# version (from mi_version's code) and the library malloc binds to
# (LD_DEBUG=bindings); the contexts and the buffer (the target's report)
# lie in 32 MiB segments whose headers validate, class mimalloc; under
# 20% of the RSS unexplained; --chunks refuses in one line.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

need_lib libmimalloc.so.2
start_leaky libmimalloc.so.2
check_alloc "$TARGET_PID" 'mimalloc 2\.[0-9]+\.[0-9]+' mimalloc first last buffer
