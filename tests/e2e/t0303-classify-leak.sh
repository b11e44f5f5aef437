#!/bin/bash
# The incident's leak: 262,144 contexts of 96 bytes read as 262,144 in-use
# 112-byte chunks, the 16 MiB buffer as an mmap-chunk; C++ objects are
# named by class from their vtables. The walk faults nothing in: the
# target's RSS is the same before and after.
. "$TOP/tests/e2e/lib.sh"


start_target leaky
pid=$TARGET_PID
before=$(target_rss "$pid")
classify --chunks --tsv "$pid" >chunks.tsv
after=$(target_rss "$pid")
expect_eq "target rss (kB) across the walk" "$before" "$after"
n=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["size"]==112 {s+=$c["inuse"]} END {print s+0}' chunks.tsv)
expect_eq "in-use 112-byte chunks" "$(ready_value contexts)" "$n"
classify --tsv "$pid" >regions.tsv
buf=$(ready_value buffer)
want=$(printf '0x%012x' $((buf - 16)))
got=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["class"]=="mmap-chunk" {print $c["start"]}' regions.tsv)
expect_eq "the 16 MiB buffer's region" "$want" "$got"
grep -q '	heap	main arena 0x' regions.tsv || fail "no main arena heap"

start_target cppleak 20000
pid=$TARGET_PID
classify --chunks --tsv "$pid" >cpp.tsv
count() {
	awk -F'\t' -v t="$1" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["type"]==t {s+=$c["inuse"]} END {print s+0}' cpp.tsv
}
expect_eq "sip::SipSubscribeEvent objects" "$(ready_value events)" \
	"$(count sip::SipSubscribeEvent)"
expect_eq "Timer objects" "$(ready_value timers)" "$(count Timer)"
# The plain structs of the same size carry no type.
[ "$(count -)" -ge "$(ready_value plains)" ] || fail "plain structs typed"
