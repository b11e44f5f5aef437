#!/bin/bash
# bench/jvm.sh: explaining a JVM's native memory. classify --summary (the
# JVM's vmStructs read from outside) against what people run today, in
# the same run on the same JVM: jcmd PID VM.native_memory summary, which
# needs -XX:NativeMemoryTracking at start-up (the JVM here has it, so
# that both can run) and attaches to the JVM. Wall time and peak RSS,
# medians of BENCH_RUNS (default 11); the figures of both are printed
# side by side once.
#   bench/jvm.sh [--help]      BENCH_HEAP_MIB=N: MiB the JVM keeps (32)
set -euo pipefail
if [ "${1:-}" = "--help" ]; then
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
runs=${BENCH_RUNS:-11}
command -v jcmd >/dev/null || { echo "bench/jvm.sh: no jcmd: skipped"; exit 0; }
tmp=$(mktemp -d)
pid=""
bench_java "java -Xmx256m -XX:NativeMemoryTracking=summary Idle.java" \
	-Xmx256m -XX:NativeMemoryTracking=summary "$top/corpus/targets/Idle.java" \
	"${BENCH_HEAP_MIB:-32}"
jcmd "$pid" VM.native_memory summary >/dev/null	# the first attach starts a thread

for i in $(seq "$runs"); do
	measure classify "$top/bin/classify" --summary --tsv "$pid"
	measure jcmd_nmt jcmd "$pid" VM.native_memory summary
done
printf '%-10s %12s %14s\n' command median_ms peak_rss_kB
for name in classify jcmd_nmt; do
	printf '%-10s %12s %14s\n' "$name" "$(cut -d' ' -f1 "$tmp/$name" | median)" \
		"$(cut -d' ' -f2 "$tmp/$name" | median)"
done
awk -v a="$(cut -d' ' -f1 "$tmp/jcmd_nmt" | median)" \
	-v c="$(cut -d' ' -f1 "$tmp/classify" | median)" \
	'BEGIN {printf "ratio jcmd VM.native_memory / classify --summary: %.1f\n", a / c}'
echo
"$top/bin/classify" --summary --table "$pid" | grep -E 'category|Java Heap|Class|Metaspace|Code|Thread|malloc|unexplained' || true
jcmd "$pid" VM.native_memory summary | grep -E '^-  *(Java Heap|Class|Thread|Code|GC|Metaspace)'
