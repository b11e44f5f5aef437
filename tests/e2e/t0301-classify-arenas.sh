#!/bin/bash
# classify on 8 threads that each malloc 10,000 chunks of a size of their
# own: 8 arena heaps (and their PROT_NONE reserves), exactly 10,000 in-use
# chunks of each size, each size in an arena of its own, and the 8 MiB
# allocation an mmap-chunk. Ground truth: the target's readiness line.
. "$TOP/tests/e2e/lib.sh"

start_target arenas
pid=$TARGET_PID
classify --tsv "$pid" >regions.tsv
# field by column name, records of one class
by_class() {
	awk -F'\t' -v want="$1" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["class"]==want {print $c["start"], $c["detail"]}' regions.tsv
}
expect_eq "arena regions" 8 "$(by_class arena | wc -l)"
expect_eq "arena reserves" 8 "$(by_class arena-reserve | wc -l)"
expect_eq "main heap" 1 "$(by_class heap | wc -l)"
expect_eq "distinct arenas" 8 \
	"$(by_class arena | sed 's/.*arena \(0x[0-9a-f]*\).*/\1/' | sort -u | wc -l)"

big=$(ready_value big)
want=$(printf '0x%012x' $((big - 16)))
got=$(by_class mmap-chunk | awk '{print $1}')
expect_eq "the 8 MiB allocation's region" "$want" "$got"

classify --chunks --tsv "$pid" >chunks.tsv
count=$(ready_value count)
main=$(awk -F'\t' 'NR==2 {print $2}' chunks.tsv)
for size in $(ready_value chunk_sizes | tr , ' '); do
	awk -F'\t' -v s="$size" -v main="$main" '
		NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["size"]==s && $c["arena"]!=main && $c["inuse"]>0 {print $c["arena"], $c["inuse"]}' \
		chunks.tsv >size.$size
	expect_eq "arenas with $size-byte chunks" 1 "$(wc -l <size.$size)"
	expect_eq "in-use $size-byte chunks" "$count" "$(awk '{print $2}' size.$size)"
done
expect_eq "one size per arena" 8 "$(cat size.* | awk '{print $1}' | sort -u | wc -l)"
grep -q corrupt chunks.tsv && fail "corruption reported on a sound heap"
# The summary agrees with the histogram on arena bytes in use.
classify --summary --tsv "$pid" >summary.tsv
sum=$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	$c["arena"]!=m {s+=$c["inuse_bytes"]} NR==2 {m=$c["arena"]} END {print s}' \
	m="$main" chunks.tsv)
expect_eq "arena in-use bytes" "$sum" \
	"$(awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["class"]=="arena" {print $c["inuse_bytes"]}' summary.tsv)"
