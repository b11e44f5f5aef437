#!/bin/bash
# What dump-region refuses, with one clear line and its exit status: an
# existing output path, a symlink as output path (its target untouched),
# a bad pid, a selector that matches nothing, input that is not region
# records, usage errors; a record of a pid that is gone is partial (1).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

start_target dumpme 4 1
pid=$TARGET_PID

# expect_fail STATUS PATTERN CMD...: CMD exits STATUS, stderr matches.
expect_fail() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" >out 2>err || rc=$?
	expect_eq "exit status of '$*'" "$want" "$rc"
	grep -q -- "$pat" err || fail "'$*': stderr lacks '$pat': $(cat err)"
	[ "$(grep -vc "^Try " err)" -le 2 ] || fail "'$*': too many lines: $(cat err)"
}

mkdir exists
expect_fail 2 "never written over an existing path" dump-region -o exists "$pid" '[heap]'
[ -z "$(ls exists)" ] || fail "something was written into an existing directory"
touch victim
ln -s victim link
expect_fail 2 "cannot create dump directory 'link'" dump-region -o link "$pid" '[heap]'
[ -f victim ] && [ ! -s victim ] || fail "the symlink's target changed"
ln -s nowhere dangling
expect_fail 2 "cannot create dump directory 'dangling'" dump-region -o dangling "$pid" '[heap]'
[ ! -e nowhere ] || fail "a dangling symlink was followed"

expect_fail 64 "not a pid" dump-region -o a nope
expect_fail 2 "no region of process $pid matches 'libnothing.so'" \
	dump-region -o b "$pid" libnothing.so
expect_fail 64 "bad address or range" dump-region -o c "$pid" 0xzz
expect_fail 64 "mode is live, freeze or snapshot" dump-region --mode sometimes "$pid"
expect_fail 64 "unknown option" dump-region --frobnicate "$pid"
printf 'a\tb\n1\t2\n' >notrecords
expect_fail 2 "no pid, start and end columns" dump-region -o d <notrecords

# A record of a process that is gone: partial, the rest dumped.
memmap --tsv "$pid" | grep -F '[heap]' >heap.tsv
sed "s/^$pid\t/999999999\t/" heap.tsv >gone.tsv
{ memmap --tsv "$pid" | head -1; cat gone.tsv heap.tsv; } >mixed.tsv
rc=0
dump-region -q -o e <mixed.tsv >out 2>err || rc=$?
expect_eq "exit status with a vanished pid" 1 "$rc"
grep -q "no process 999999999" err || fail "no message for the vanished pid: $(cat err)"
expect_eq "records dumped" 1 "$(($(wc -l <e/regions.tsv) - 1))"

# A range selector: exactly that range.
s=$(cut -f2 heap.tsv)
dump-region -q -o f "$pid" "$(printf '0x%x-0x%x' $((s + 4096)) $((s + 12288)))" >/dev/null
expect_eq "range record" "$(printf '0x%012x\t0x%012x' $((s + 4096)) $((s + 12288)))" \
	"$(tail -1 f/regions.tsv | cut -f2,3)"
expect_eq "range file size" 8192 "$(stat -c %s f/*.bin)"
