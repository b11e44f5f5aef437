#!/bin/bash
# The leak target linked statically with musl (musl-gcc -static):
# classify names musl's mallocng from the executable's symbols, the
# groups holding the last contexts and the buffer (the target's report;
# the first ones sit in the data musl donated to malloc) are class
# musl-heap (walked: mallocng.c), under 20% of the RSS unexplained;
# --chunks gives mallocng's histogram (t0330 checks its counts).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

[ -x "$TARGETS/leaky.musl-static" ] || skip "no musl-gcc: build/targets/leaky.musl-static not built"
start_target leaky.musl-static
WALKED=1 check_alloc "$TARGET_PID" 'musl mallocng' musl-heap last buffer
