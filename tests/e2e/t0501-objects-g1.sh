#!/bin/bash
# classify --objects on a G1 JVM (the default collector): ObjLeak's own
# classes exactly, no attach, the ten biggest classes within 1% of
# jmap -histo run after (see objlib.sh for what the options keep out).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

objects_vs_jmap -XX:+UseG1GC
grep -q "^G1 heap:" ours.err || fail "not walked as G1: $(cat ours.err)"
