#!/bin/bash
# dump-region --zstd: every region file but the 1 TiB sparse one becomes
# FILE.bin.zst, and `zstd -d` of it gives back exactly the bytes of an
# uncompressed dump of the same (idle) target; the sha256 column does not
# change; scan reads the compressed dump as it reads the plain one.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"
command -v zstd >/dev/null 2>&1 || skip "no zstd command to check with"

start_target dumpme 32 2
pid=$TARGET_PID
dump-region -q --sha256 -o plain "$pid" >/dev/null || fail "plain dump: exit $?"
dump-region --sha256 --zstd --mode freeze -o packed "$pid" >packed.tsv 2>err ||
	fail "zstd dump: exit $?: $(cat err)"
grep -q "1 regions with more than 16 GiB of holes stay sparse" err ||
	fail "the 1 TiB region was not kept sparse: $(cat err)"
grep -q '"compression":"zstd"' packed/process.json || fail "process.json: no compression"
n=0
paste <(field plain/regions.tsv file) <(field packed/regions.tsv file) |
while IFS=$'\t' read -r a b; do
	[ "$a" = - ] && { expect_eq "skipped stays skipped" - "$b"; continue; }
	case $b in
	"$a".zst) zstd -q -d -c "packed/$b" | cmp - "plain/$a" || fail "$b differs from $a" ;;
	"$a") [ "$(stat -c %s "plain/$a")" -gt $((1 << 36)) ] || fail "$a left uncompressed" ;;
	*) fail "packed file '$b' for '$a'" ;;
	esac
done
[ "$(ls packed/*.zst | wc -l)" -ge 10 ] || fail "too few compressed files: $(ls packed)"
compare <(field plain/regions.tsv sha256) <(field packed/regions.tsv sha256)
[ "$(du -sk packed | cut -f1)" -lt "$(du -sk plain | cut -f1)" ] || fail "not smaller"
scan --strings -n 8 plain >s1 || fail "scan plain: exit $?"
scan --strings -n 8 packed >s2 || fail "scan packed: exit $?"
scan --strings -n 8 <packed.tsv >s3 || fail "scan packed records: exit $?"
[ "$(wc -l <s1)" -gt 1000 ] || fail "too few strings: $(wc -l <s1)"
compare s1 s2
compare s1 s3
