#!/bin/bash
# triage --mode freeze on a JVM: the report's thread groups (ten, then
# the rest counted) cover every thread, and frames in the JVM's generated
# code (the interpreter, JIT code) read [jit]: the main thread sleeping in
# Thread.sleep reads ... <- JVM_Sleep <- [jit] <- ...; the raw frames
# threads.tsv holds all lie in anonymous executable memory, as the
# kernel's /proc/PID/maps shows it.
. "$TOP/tests/e2e/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "stacks are unwound on x86-64 only"
unset DEBUGINFOD_URLS
triage=$TOP/scripts/triage

start_jvm 8
pid=$TARGET_PID
cp "/proc/$pid/maps" maps
rc=0
"$triage" -o case --no-dump --mode freeze "$pid" 2>triage.err || rc=$?
triage_live_ok "$rc" triage.err ||
	fail "triage --mode freeze failed: $(cat triage.err)"
sed -n '/^## Thread stacks/,/^## /p' case/report.md |
	sed -n '/^```$/,/^```$/p' | grep -v '^```$' >groups
[ -s groups ] || fail "no thread stacks in the report"
total=$(awk '{s += $1} END {print s + 0}' groups)
expect_eq "threads in the groups" "$(($(wc -l <case/threads.tsv) - 1))" "$total"
grep -q 'JVM_Sleep <- \[jit\]' groups || fail "no JVM_Sleep <- [jit]: $(cat groups)"
# The raw frames of threads.tsv: each in an anonymous executable mapping
# of the kernel's map is one the report must call [jit]; find them.
awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
	{n = split($c["stack"], f, ";"); for (i = 1; i <= n; i++)
		if (f[i] ~ /^0x[0-9a-f]+$/) print f[i]}' case/threads.tsv |
	sort -u >raw
[ -s raw ] || fail "no raw frames in threads.tsv"
while read -r a; do
	awk -v a="$a" 'function hex(s, v, i) {v = 0; s = tolower(s)
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v}
		BEGIN {x = hex(substr(a, 3))}
		{split($1, r, "-")} hex(r[1]) <= x && x < hex(r[2]) {
			exit !(substr($2, 3, 1) == "x" && NF == 5)}' maps ||
		fail "raw frame $a is not in anonymous executable memory"
done <raw
