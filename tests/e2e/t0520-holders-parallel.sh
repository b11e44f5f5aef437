#!/bin/bash
# classify --holders on a Parallel JVM, compressed oops on: the chains of
# ObjLeak's Ctx and Msg as the program builds them, each to the static
# field that owns them (ObjLeak.holder), no attach; jmap -histo (run
# after: it attaches) counts the same Ctx and Msg.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"
. "$TOP/tests/e2e/holderslib.sh"

holders_live -XX:+UseParallelGC -XX:+UseCompressedOops
command -v jmap >/dev/null 2>&1 || skip "no jmap to compare with (the program's own structure was right)"
jmap -histo "$TARGET_PID" >jmap.txt 2>jmap.err || fail "jmap -histo: $(cat jmap.err)"
for c in Ctx Msg; do
	expect_eq "jmap's $c count" "$(awk -F'\t' -v c=$c '$2 == 0 && $6 == c {print $3}' "$(echo $c | tr A-Z a-z).tsv")" \
		"$(awk -v c=$c '$4 == c {print $2}' jmap.txt)"
done
