#!/bin/bash
# Malformed or mismatched captures give one clear line on stderr, nothing
# on stdout, and exit 2: two different kinds, a truncated line, a capture
# that mixes kinds, an empty one, records snapdiff does not compare, a
# --by column that is not a number or not there; usage errors exit 64.
. "$TOP/tests/e2e/lib.sh"

regions=$TOP/corpus/records/regions-1.tsv
chunks=$TOP/corpus/records/chunks-1.tsv

# refuse WHAT PATTERN ARGS...: exit 2, nothing on stdout, one stderr line
# matching PATTERN.
refuse() {
	local what=$1 pat=$2 rc=0
	shift 2
	snapdiff "$@" >out 2>err || rc=$?
	expect_eq "$what: exit status" 2 "$rc"
	[ ! -s out ] || fail "$what: output on stdout: $(head -2 out)"
	expect_eq "$what: stderr lines" 1 "$(wc -l <err)"
	grep -q -- "$pat" err || fail "$what: '$(cat err)' lacks '$pat'"
}

refuse "kinds differ" "^snapdiff: cannot compare '$chunks': a chunk histogram, where the old capture holds region records" \
	"$regions" "$chunks"
head -c 700 "$regions" >trunc.tsv
lines=$(wc -l <trunc.tsv)
refuse "truncated" "^snapdiff: cannot read 'trunc.tsv': line $((lines + 1)): .* fields where the header has 24 (a truncated" \
	"$regions" trunc.tsv
cat "$regions" "$chunks" >mixed.tsv
refuse "mixed kinds" "'mixed.tsv': line [0-9]*: a chunk histogram after region records" \
	mixed.tsv "$regions"
: >empty.tsv
refuse "empty" "'empty.tsv': no header and no record" empty.tsv "$regions"
printf 'pid\taddr\tregion_start\tenc\tlen\ttext\n1\t0x000000001000\t0x000000001000\tascii\t3\tabc\n' >hits.tsv
refuse "hit records" "'hits.tsv': records of a kind snapdiff does not compare" \
	hits.tsv hits.tsv
refuse "--by text" "is not a number in column 'name'" --by name "$regions" "$regions"
refuse "--by missing" "no column 'nosuch' to compare" --by nosuch "$regions" "$regions"
refuse "--group-by missing" "no column 'class' to group by" --group-by class "$regions" "$regions"
refuse "missing file" "cannot open 'nosuch.tsv'" "$regions" nosuch.tsv
printf 'Garbage, not a capture\n' >garbage.tsv
refuse "garbage" "line 1: neither a record nor a header" garbage.tsv "$regions"

rc=0; snapdiff "$regions" >out 2>err || rc=$?
expect_eq "one capture: exit status" 64 "$rc"
rc=0; snapdiff --min-delta lots "$regions" "$regions" >out 2>err || rc=$?
expect_eq "bad --min-delta: exit status" 64 "$rc"
rc=0; snapdiff - - </dev/null >out 2>err || rc=$?
expect_eq "stdin twice: exit status" 64 "$rc"

# The same capture twice: nothing changed, no record, exit 0; the table
# says so on stderr.
snapdiff "$regions" "$regions" >same.tsv
expect_eq "no change" 0 "$(wc -l <same.tsv)"
snapdiff --table "$regions" "$regions" >same.txt 2>err
expect_eq "no change, table" "snapdiff: no change" "$(cat err)"
snapdiff --all "$regions" - <"$regions" >all.tsv
expect_eq "--all lists every region" "$(($(wc -l <"$regions") - 1))" \
	"$(grep -c '	same	' all.tsv)"
