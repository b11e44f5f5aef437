#!/bin/bash
# classify --holders with compressed oops off (8-byte references in
# fields, arrays and mirrors): Parallel, then G1 with compressed class
# pointers off too; the same chains as with them on.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"
. "$TOP/tests/e2e/holderslib.sh"

holders_live -XX:+UseParallelGC -XX:-UseCompressedOops
kill "$TARGET_PID"
holders_live -XX:+UseG1GC -XX:-UseCompressedOops -XX:-UseCompressedClassPointers
