#!/bin/bash
# ZGC leaves CollectedHeap::_reserved empty and maps its heap, a memfd
# named java_heap, three times (views at its metadata address bits). The
# views and their reservations are jvm-heap (found from ZGC's own address
# masks in vmStructs), each view -Xmx long, no warning, exit 0.
. "$TOP/tests/e2e/lib.sh"

command -v java >/dev/null || skip "no java on this machine"
start_cmd "the JVM (ZGC)" java -Xmx256m -XX:+UseZGC "$TOP/corpus/targets/Idle.java" 8
pid=$TARGET_PID
rc=0
classify -v --tsv "$pid" >regions.tsv 2>err || rc=$?
expect_eq "exit status" 0 "$rc"
grep -q "Z GC" err || fail "collector not named: $(cat err)"
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["name"] ~ /memfd:java_heap/ {print $c["class"], $c["size"]}' regions.tsv >views
expect_eq "ZGC heap views" 3 "$(wc -l <views)"
expect_eq "views not jvm-heap or not 256 MiB" 0 "$(grep -vc '^jvm-heap 268435456$' views || true)"
grep -q "one of ZGC's three views" regions.tsv || fail "the views are not said to share pages"
