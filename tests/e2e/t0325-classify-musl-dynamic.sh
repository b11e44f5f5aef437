#!/bin/bash
# The leak target linked dynamically with musl: classify names musl, its
# version (read from its libc.so) and mallocng (musl's malloc from 1.2.1
# on); the groups holding the last contexts and the buffer (the target's
# report) are class musl-heap (walked: mallocng.c); under 20% of the RSS
# unexplained; --chunks gives mallocng's histogram (t0330 checks its
# counts).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

[ -x "$TARGETS/leaky.musl-dynamic" ] || skip "no musl-gcc: build/targets/leaky.musl-dynamic not built"
start_target leaky.musl-dynamic
WALKED=1 check_alloc "$TARGET_PID" 'musl 1\.[0-9]+\.[0-9]+ mallocng' musl-heap last buffer
