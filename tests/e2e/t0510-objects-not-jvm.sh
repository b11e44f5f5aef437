#!/bin/bash
# classify --objects on what is not a JVM (a C target): one line "not a
# JVM", no records, exit 2; beside another mode: a usage error (64).
. "$TOP/tests/e2e/lib.sh"

start_target growleak 1000
rc=0
classify --objects --tsv "$TARGET_PID" >out 2>err || rc=$?
expect_eq "exit status" 2 "$rc"
expect_eq "records" 0 "$(wc -l <out)"
expect_eq "lines on stderr" 1 "$(wc -l <err)"
grep -q "not a JVM" err || fail "said: $(cat err)"
rc=0
classify --objects --chunks "$TARGET_PID" >out 2>err || rc=$?
expect_eq "--objects with --chunks: exit status" 64 "$rc"
