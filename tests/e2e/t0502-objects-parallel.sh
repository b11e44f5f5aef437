#!/bin/bash
# classify --objects on a Parallel GC JVM (old generation, eden and
# survivor MutableSpaces): as t0501.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

objects_vs_jmap -XX:+UseParallelGC
grep -q "^Parallel heap:" ours.err || fail "not walked as Parallel: $(cat ours.err)"
