#!/bin/bash
# The leak target on glibc's own malloc: classify -v names glibc
# ptmalloc and its version, from the library the dynamic linker bound
# malloc to (LD_DEBUG=bindings), and --chunks walks it (exit 0, the
# contexts counted: t0303 checks the counts).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/alloclib.sh"

start_leaky
pid=$TARGET_PID
classify -v --tsv "$pid" >regions.tsv 2>verbose.err
grep -Eq "^classify: pid $pid: malloc: glibc ptmalloc 2\.[0-9]+ \(malloc from $(basename "$(readlink -f "$BOUND")")\)$" verbose.err ||
	fail "glibc not named, or not as bound to $BOUND: $(grep malloc: verbose.err)"
expect_eq "class of the region at first" heap "$(region_class "$(ready_value first)")"
classify --chunks --tsv "$pid" >chunks.tsv
[ "$(wc -l <chunks.tsv)" -gt 1 ] || fail "--chunks gave no histogram"
