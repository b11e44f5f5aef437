#!/bin/bash
# The leak target linked statically with musl (musl-gcc -static):
# classify names musl's mallocng from the executable's symbols, the
# groups holding the last contexts and the buffer (the target's report;
# the first ones sit in the data musl donated to malloc) are class
# musl-heap (their meta areas in the brk heap point at them and they
# back), under 20% of the RSS unexplained; --chunks refuses in one line
# until the mallocng walker lands (alloc.c: fx_alloc_walkable).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

[ -x "$TARGETS/leaky.musl-static" ] || skip "no musl-gcc: build/targets/leaky.musl-static not built"
start_target leaky.musl-static
check_alloc "$TARGET_PID" 'musl mallocng' musl-heap last buffer
