#!/bin/bash
# classify --objects without compressed oops (G1: 8-byte references, so
# other sizes; class pointers stay compressed on JDK 17), then Serial
# without compressed class pointers either (8-byte class pointers, 24-byte
# array headers): as t0501.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"

objects_vs_jmap -XX:+UseG1GC -XX:-UseCompressedOops
kill -9 "$TARGET_PID"
objects_vs_jmap -XX:+UseSerialGC -XX:-UseCompressedOops -XX:-UseCompressedClassPointers
