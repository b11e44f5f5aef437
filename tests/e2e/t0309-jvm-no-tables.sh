#!/bin/bash
# A process that maps a libjvm.so without HotSpot's vmStructs tables: no
# jvm-* class is made up, one clear line says why, exit 1 (partial).
. "$TOP/tests/e2e/lib.sh"

lib=$(ldconfig -p | awk '/libz\.so\.1 .*x86-64/ {print $NF; exit}')
[ -n "$lib" ] || lib=$(ldconfig -p | awk '/libm\.so\.6 .*x86-64/ {print $NF; exit}')
[ -n "$lib" ] || skip "no shared library to disguise as libjvm.so"
mkdir -p fake && cp "$lib" fake/libjvm.so
start_target fakejvm "$PWD/fake/libjvm.so"
rc=0
classify --tsv "$TARGET_PID" >regions.tsv 2>err || rc=$?
expect_eq "exit status" 1 "$rc"
grep -q 'libjvm.so: no HotSpot vmStructs tables' err || fail "no clear message: $(cat err)"
expect_eq "stderr lines" 1 "$(wc -l <err)"
grep -q $'\tjvm-' regions.tsv && fail "jvm classes made up: $(grep $'\tjvm-' regions.tsv)"
grep -q "$PWD/fake/libjvm.so" regions.tsv || fail "the fake libjvm.so is not in the records"
