#!/bin/bash
# classify --objects on a Serial GC JVM (tenured space, eden and survivor
# ContiguousSpaces): as t0501.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

objects_vs_jmap -XX:+UseSerialGC
grep -q "^Serial heap:" ours.err || fail "not walked as Serial: $(cat ours.err)"
