#!/bin/bash
# bench/rank.sh: rank over a million region records, against the sort|head
# and awk pipelines it replaces, in the same run. Medians of BENCH_RUNS
# (default 7) alternating runs.
#   bench/rank.sh [--help]
set -euo pipefail
if [ "${1:-}" = "--help" ]; then
	sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${BENCH_RUNS:-7}
n=${BENCH_RECORDS:-1000000}
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# A million records: a real process's regions, repeated with varied rss.
mkfifo "$tmp/ready"
"$top/build/targets/threads" 4 >"$tmp/ready" &
pid=$!
read -r _ <"$tmp/ready"
"$top/bin/memmap" --tsv "$pid" >"$tmp/one.tsv"
kill "$pid"; pid=""
awk -F'\t' -v OFS='\t' -v n="$n" 'NR==1 {print; next} {r[NR]=$0} END {
	srand(1); m=NR-1
	for (i=0; i<n; i++) { split(r[2 + i % m], f, "\t"); f[9]=int(rand()*1e9);
		s=f[1]; for (j=2;j<=24;j++) s=s OFS f[j]; print s } }' \
	"$tmp/one.tsv" >"$tmp/big.tsv"
echo "input: $(($(wc -l <"$tmp/big.tsv") - 1)) records, $(du -m "$tmp/big.tsv" | cut -f1) MB"

now() { date +%s%N; }
declare -A t
cmds=(rank_top sort_top rank_group awk_group)
run() {
	case $1 in
	rank_top) "$top/bin/rank" -n 10 <"$tmp/big.tsv" ;;
	sort_top) tail -n +2 "$tmp/big.tsv" | sort -t"$(printf '\t')" -k9,9nr | head -10 ;;
	rank_group) "$top/bin/rank" --group-by name -n 0 <"$tmp/big.tsv" ;;
	awk_group) awk -F'\t' 'NR>1 {c[$25]++; s[$25]+=$9} END {for (k in c) print c[k], s[k], k}' "$tmp/big.tsv" | sort -k2,2nr ;;
	esac >/dev/null || true
}
for ((i = 0; i < runs; i++)); do
	for c in "${cmds[@]}"; do
		s=$(now); run "$c"; e=$(now)
		t[$c]="${t[$c]:-} $(((e - s) / 1000))"
	done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A m
for c in "${cmds[@]}"; do m[$c]=$(echo "${t[$c]}" | median); done
awk -v a="${m[rank_top]}" -v b="${m[sort_top]}" -v c="${m[rank_group]}" -v d="${m[awk_group]}" 'BEGIN {
	printf "rank -n 10        %8.1f ms   sort|head %8.1f ms   ratio %.1fx\n", a/1000, b/1000, b/a
	printf "rank --group-by   %8.1f ms   awk|sort  %8.1f ms   ratio %.1fx\n", c/1000, d/1000, d/c
	printf "goal: a million records in well under a second: %s\n", (a < 1000000 && c < 1000000) ? "met" : "MISSED" }'
