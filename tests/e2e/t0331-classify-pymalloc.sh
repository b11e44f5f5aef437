#!/bin/bash
# CPython's pymalloc walked without debug symbols (issue 16): pyleak.py
# keeps COUNT bytes objects of pymalloc's 112-byte class. classify
# --chunks counts them within 1% of COUNT and agrees with CPython's own
# count (sys._debugmallocstats(), written by the target before its
# readiness line) for that class and for the arenas, which its arenas
# table describes; --summary puts the arenas' resident
# bytes under pymalloc, not anon; a freeze dump directory and our core
# give the same pymalloc histogram.
. "$TOP/tests/e2e/lib.sh"

command -v python3 >/dev/null || skip "no python3"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 8))' ||
	skip "python3 older than 3.8"

start_cmd pyleak python3 "$TOP/corpus/targets/pyleak.py" 200000
pid=$TARGET_PID
n=$(ready_value count)
size=$(ready_value size)
classify --chunks --tsv -v "$pid" >chunks.tsv 2>v.err ||
	fail "classify --chunks: $(cat v.err)"
grep -q "pymalloc arenas" v.err || fail "no pymalloc note: $(cat v.err)"
# Every arena CPython counts, found by its pools alone.
want=$(awk '/^# arenas allocated current/ {print $NF}' "$TRASH/target.err")
got=$(sed -n 's/.* \([0-9]*\) pymalloc arenas.*/\1/p' v.err)
expect_eq "pymalloc arenas (CPython's count)" "$want" "$got"
# ...and each of them described by CPython's own arenas table.
grep -q "checked against its arenas table at 0x[0-9a-f]*;" v.err ||
	fail "CPython's arenas table not found: $(cat v.err)"
get() {
	awk -F'\t' -v s="$size" -v k="$2" 'NR==1 {
		for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["size"]==s && $c["type"]=="pymalloc" {n+=$c[k]}
		END {print n+0}' "$1"
}
inuse=$(get chunks.tsv inuse)
[ "$inuse" -ge "$n" ] && [ "$inuse" -le $((n + n / 100)) ] ||
	fail "$inuse in-use $size-byte pymalloc blocks, want $n (+1%)"
# CPython's own count: "class size num_pools in_use avail" lines.
read -r want_in want_free < <(awk -v s="$size" \
	'$2==s && NF==5 && $1 ~ /^[0-9]+$/ {print $4, $5; exit}' \
	"$TRASH/target.err")
[ -n "$want_in" ] || fail "no _debugmallocstats line: $(cat "$TRASH/target.err")"
d=$((inuse - want_in))
[ ${d#-} -le 16 ] || fail "$inuse in-use blocks, CPython says $want_in"
d=$(($(get chunks.tsv free) - want_free))
[ ${d#-} -le 16 ] || fail "free blocks differ from CPython's $want_free by $d"

classify --summary --tsv "$pid" >summary.tsv
rss_of() {
	awk -F'\t' -v k="$1" 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next}
		$c["class"]==k {n+=$c["rss"]} END {print n+0}' summary.tsv
}
py=$(rss_of pymalloc)
anon=$(rss_of anon)
[ "$py" -ge $((n * size)) ] || fail "pymalloc rss $py < $n x $size"
[ "$anon" -lt $((py / 10)) ] || fail "anon rss $anon, pymalloc $py"

classify --chunks --tsv "$pid" | no_start | grep 'pymalloc$' >live.py
dump-region -q --mode freeze -o "$TRASH/py.dir" "$pid" 2>dump.err ||
	fail "dump-region: $(cat dump.err)"
classify --chunks --tsv "$TRASH/py.dir" 2>dir.err | no_start | grep 'pymalloc$' \
	>dir.py || fail "classify on the dump: $(cat dir.err)"
compare live.py dir.py
dump-region -q --core "$TRASH/py.core" "$pid" 2>dump.err ||
	fail "dump-region --core: $(cat dump.err)"
classify --chunks --tsv "$TRASH/py.core" 2>core.err | no_start | grep 'pymalloc$' \
	>core.py || fail "classify on the core: $(cat core.err)"
compare live.py core.py
