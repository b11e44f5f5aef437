#!/bin/bash
# Issue 18 point 2: every example of README.md, of each --help and of each
# man page, pasted as a new user would, against live targets (4242 is a
# C target's pid, 4243 a second one; what names a JVM runs against one):
# none may exit non-zero (other than a documented partial 1 where the
# text says so) or print nothing on stdout where it promises output (a
# pipeline that ends in a tool; not a redirect, not a runbook, which
# writes files). The examples are taken from the texts here, not copied
# into this test; only their stand-ins (how long to wait, how much to
# leak) are changed, each below.
. "$TOP/tests/e2e/lib.sh"

PATH=$TOP/scripts:$PATH
heapline() { awk '/ \[heap\]$/ {split($1, a, "-"); print "0x" a[1]; exit}' "/proc/$1/maps"; }

# The examples, one "SOURCE<TAB>LINE" each.
{
	awk '/^```/ {f = !f; next} (f || /^    [^ ]/) {sub(/^ +/, ""); print "README.md\t" $0}' \
		"$TOP/README.md"
	for b in "$BIN"/* "$TOP/scripts/triage" "$TOP/scripts/leak-watch" "$TOP/scripts/dump-on"; do
		"$b" --help | sed -n '/^Examples/,/^$/p' | sed '1d;/^$/d;s/^ *//' |
			sed "s|^|$(basename "$b") --help\t|"
	done
	for m in "$TOP"/man/*.1; do
		sed -n '/^\.SH EXAMPLES/,/^\.SH [^E]/p' "$m" | sed -n '/^\.nf/,/^\.fi/p' |
			sed '/^\./d;s/\\-/-/g;s/\\(aq/'"'"'/g;s/\\e/\\/g;s/^ *//' | sed "s|^|$(basename "$m")\t|"
	done
} | awk -F'\t' '$2 != "" && $2 !~ /^#/' >examples.all
# Not commands: the source tree's layout, and make (the build, which
# make check has run).
grep -v -P '\t(make |[A-Za-z]+/ |Makefile )' examples.all >examples || true
n=$(wc -l <examples)
[ "$n" -ge 60 ] || fail "only $n examples found: $(cat examples)"

# The leak grows on SIGUSR1, said on the FIFO leaked (between two
# captures of the fixtures).
mkfifo "$TRASH/leaked"
start_target growleak 20000 50000 "$TRASH/leaked"
pid=$TARGET_PID
# leak: growleak leaks 50,000 more contexts; wait for its report of the
# total expected (kept in the file contexts, as examples run it too). A
# read may open the FIFO before the target closed it from the last leak
# (and see its end without a line), or take a report that is behind:
# it reads again.
echo 20000 >"$TRASH/contexts"
leak() {
	local want=$(($(cat "$TRASH/contexts") + 50000)) l=""
	kill -USR1 "$pid"
	until [ "${l##*contexts=}" -ge "$want" ] 2>/dev/null; do
		read -r l <"$TRASH/leaked" || l=""
	done
	echo "$want" >"$TRASH/contexts"
}
export -f leak
export pid TRASH
# Threads that come and go: "threads started" between two captures.
start_target dumpme 8 2 churn
churn=$TARGET_PID
start_target growleak 1000
pid2=$TARGET_PID
jvm=""
if command -v java >/dev/null 2>&1; then
	start_cmd "the JVM" java -Xmx256m "$TOP/corpus/targets/Idle.java" 96
	jvm=$TARGET_PID
fi

# fixtures DIR TARGET SOURCE: what SOURCE's examples read without
# making it themselves (an earlier capture, a dump, a raw file).
fixtures() {
	local t=$2 text
	text=$(grep -F "$3	" examples | cut -f2 | sed "s/4242/$t/g")
	mk() { ! grep -qE -- "(-o|--core|>) *$1( |;|$)" <<<"$text" && grep -qF -- "$1" <<<"$text"; }
	(
		cd "$1"
		if mk case-17; then memmap "$t" | rank -n 3 | dump-region -q -o case-17 >/dev/null; fi
		if mk "core.$t"; then dump-region -q --accept-eintr --core "core.$t" "$t" >/dev/null; fi
		if mk mem.bin; then
			dump-region -q -o raw "$t" '[heap]' >/dev/null
			cp raw/*.bin mem.bin
		fi
		for k in a:"classify --chunks" c:classify m:memmap t:"classify --threads"; do
			f=${k%%:*}
			case $f in a) one=a.tsv two=b.tsv ;; *) one=${f}1.tsv two=${f}2.tsv ;; esac
			mk "$one" || continue
			p=$t
			[ "$f" != t ] || p=$churn
			${k#*:} --tsv "$p" >"$one"
			# The second capture is taken again (leaking more:
			# growleak's [heap] may have room, so that its size
			# does not grow; dumpme's threads come and go) until
			# snapdiff shows a change of what the examples show:
			# sizes for region records, a new thread for threads.
			for _ in $(seq 20); do
				# (threads: give the churn time to start one)
				if [ "$f" = t ]; then sleep 0.2; else leak; fi
				${k#*:} --tsv "$p" >"$two"
				case $f in
				m) snapdiff --by size --min-delta 1M "$one" "$two" ;;
				t) snapdiff --tsv "$one" "$two" |
					awk -F'\t' 'NR > 1 && $4 == "new"' ;;
				*) snapdiff "$one" "$two" ;;
				esac | grep -q . && break
			done
		done
	)
}

# run SOURCE LINE
bad=0 ran=0 skipped=0
while IFS=$'\t' read -r src line; do
	cmd=${line%%  *}	# what follows two spaces is a comment
	t=$pid
	if grep -qiE 'java|jvm|rss>64M' <<<"$cmd"; then
		[ -n "$jvm" ] || { skipped=$((skipped + 1)); continue; }
		t=$jvm
	fi
	heap=$(heapline "$t")
	# Stand-ins: the pids, a mapped address, no waiting, small runs.
	cmd=$(sed -e "s/4242/$t/g; s|^scripts/||; s/4243/$pid2/g" \
		-e "s/\$(pgrep -d' ' java)/$t/; s/sleep [0-9]*/leak/; s/; \.\.\.;/; leak;/" \
		-e 's|/var/tmp/||g; s/^less /cat /; s/; less /; cat /' \
		-e 's/^xdg-open /test -s /; s/gdb /gdb -nx -batch /' <<<"$cmd")
	case $cmd in
	dump-region*0x7f*) cmd=$(sed -E "s/0x7f[0-9a-f]{10}/$heap/" <<<"$cmd") ;;
	*leak-watch*) cmd=$(sed -E 's/-i [0-9]+/-i 0.2/; s/-n [0-9]+/-n 2/' <<<"$cmd") ;;
	*dump-on*) cmd=$(sed -E 's/--rss [0-9]+G/--rss 1M/; s/-i [0-9]+/-i 0.2/' <<<"$cmd") ;;
	esac
	dir=$(echo "$src" | tr -c 'a-z0-9.\n-' _)
	if [ ! -d "$dir" ]; then
		mkdir "$dir"
		fixtures "$dir" "$t" "$src"
	fi
	# Time passes between a runbook's runs: the leak grows.
	if grep -qE '(^|/)(triage|leak-watch|dump-on) ' <<<"$cmd"; then leak; fi
	# A case directory named again is a new case: the old one goes, and
	# so do those named by the second (two examples in one second).
	rm -rf "$dir"/dump-[0-9]*-* "$dir"/dump-on-[0-9]*-*
	for o in $(grep -oE -- '(-o|--core) [^ ;|]+' <<<"$cmd" | cut -d' ' -f2); do
		rm -rf "${dir:?}/$o"
	done
	rc=0
	(cd "$dir" && timeout 120 bash -o pipefail -c "$cmd" </dev/null >out 2>err) || rc=$?
	ran=$((ran + 1))
	ok=1
	if [ "$rc" != 0 ]; then
		ok=0
	# Output is promised by a pipeline that ends in a tool, but not by
	# a redirect, a core, a runbook (files), or a pattern the C target
	# does not hold (session ids).
	elif [ ! -s "$dir/out" ] && ! grep -qE '>|--core |session=|(^|/)(triage|leak-watch|dump-on) ' <<<"$cmd"; then
		ok=0 rc="0 but nothing on stdout"
	fi
	if [ "$ok" = 0 ]; then
		echo "example of $src failed (exit $rc): $line" >&2
		echo "    ran: $cmd" >&2
		sed 's/^/    /' "$dir/err" | head -3 >&2
		bad=$((bad + 1))
	fi
done <examples
echo "$ran examples run, $skipped skipped (no java), $bad failed"
[ "$bad" = 0 ] || fail "$bad of $ran examples failed"
