#!/bin/bash
# A thread busy on a CPU has no stack pointer to show (its syscall file
# says "running" at every look), yet classify names its stack: glibc's
# TCB at the stack's top points at itself and holds the tid. The spinning
# thread's region is thread-stack "thread TID (spinstack)" with its guard
# below, and classify --threads gives it the same bounds as when the
# thread is stopped and its stack pointer read (--freeze): ground truth
# from the registers.
. "$TOP/tests/e2e/lib.sh"

start_target spinstack
pid=$TARGET_PID
tid=$(ready_value spinner)
read -r w _ <"/proc/$pid/task/$tid/syscall"
expect_eq "the spinner's syscall file" running "$w"

# spinner_regions FILE: the class and detail of FILE's regions that are
# the spinner's stack or guard.
spinner_regions() {
	awk -F'\t' 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["detail"] ~ /thread '"$tid"' / || $c["detail"] == "guard of thread '"$tid"'" {
			print $c["class"] "\t" $c["detail"]}' "$1"
}
classify --tsv "$pid" >regions.tsv 2>err || fail "classify: $(cat err)"
[ ! -s err ] || fail "classify said: $(cat err)"
spinner_regions regions.tsv >mine
printf 'guard\tguard of thread %s\nthread-stack\tthread %s (spinstack)\n' \
	"$tid" "$tid" >mine.expect
compare mine.expect mine

bounds() {
	awk -F'\t' -v t="$tid" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["tid"] == t {print $c["stack_start"], $c["stack_end"]}' "$1"
}
classify --threads --tsv "$pid" >running.tsv 2>err || fail "classify --threads: $(cat err)"
classify --threads --freeze --tsv "$pid" >frozen.tsv 2>err ||
	fail "classify --threads --freeze: $(cat err)"
[ -n "$(bounds frozen.tsv | tr -d ' -')" ] || fail "no stack when frozen: $(cat frozen.tsv)"
expect_eq "the spinner's stack, running against frozen" "$(bounds frozen.tsv)" \
	"$(bounds running.tsv)"

# Offline the same: a dump taken without stopping the target holds no
# stack pointer for the spinner ("sp":null), and classify of the dump
# names the same stack from the copied pages.
dump-region -q -o "$TRASH/dump" "$pid" >/dev/null 2>dump.err ||
	fail "dump-region: $(cat dump.err)"
grep -q "{\"tid\":$tid,\"sp\":null," "$TRASH/dump/process.json" ||
	echo "note: the spinner was caught blocked by the dump: $(grep -o "{\"tid\":$tid,[^}]*" "$TRASH/dump/process.json")"
classify --tsv "$TRASH/dump" >offline.tsv 2>err || fail "classify DIR: $(cat err)"
spinner_regions offline.tsv >offline
compare mine.expect offline
