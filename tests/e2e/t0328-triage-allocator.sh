#!/bin/bash
# triage on the leak target under jemalloc: its report names the
# allocator (as the dynamic linker bound malloc: LD_DEBUG=bindings), says
# in one line that the heap's chunks are not counted instead of failing
# the step (exit 0, nothing in errors.txt), and its biggest class is
# jemalloc, not anon.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

need_lib libjemalloc.so.2
start_leaky libjemalloc.so.2
pid=$TARGET_PID
"$TOP/scripts/triage" -o case "$pid" 2>triage.err ||
	fail "triage exit $?: $(cat triage.err)"
grep -q "^Allocator: \`jemalloc 5\.[0-9.]* (malloc from $(basename "$(readlink -f "$BOUND")"), " case/report.md ||
	fail "report's allocator: $(grep -i allocator case/report.md)"
grep -q "^Not counted: \`jemalloc 5\.[0-9.]*: its heap cannot be walked from outside; regions are labelled, counts are not available\`" case/report.md ||
	fail "report's heap chunks: $(grep -A2 'Heap chunks' case/report.md)"
grep -q '^\*\*jemalloc\*\*: .* resident' case/report.md ||
	fail "report's biggest class: $(grep -A2 'Biggest class' case/report.md)"
[ ! -s case/errors.txt ] || fail "errors: $(cat case/errors.txt)"
