# Shared by the object histogram tests (t05*): sourced after lib.sh.

# The target's known counts.
NCTX=200000
NMSG=100000

# start_objleak JAVAOPTS...: start corpus/targets/ObjLeak.java under the
# options given; skip without java.
start_objleak() {
	command -v java >/dev/null 2>&1 || skip "no java on this machine"
	start_cmd "the JVM ($*)" java -Xmx256m "$@" \
		"$TOP/corpus/targets/ObjLeak.java" "$NCTX" "$NMSG"
}

# no_attach PID: the JVM runs no Attach Listener thread (none of our
# tools attached to it, nor sent it the SIGQUIT that starts one) and has
# no attach socket.
no_attach() {
	local t
	for t in /proc/"$1"/task/*/comm; do
		[ "$(cat "$t" 2>/dev/null)" != "Attach Listener" ] ||
			fail "pid $1 runs an Attach Listener thread: something attached"
	done
	[ ! -e "/tmp/.java_pid$1" ] || fail "pid $1 has an attach socket"
}

# objects_vs_jmap JAVAOPTS...: ObjLeak under JAVAOPTS: classify --objects
# gives its own classes exactly, the same walked in one thread or two,
# starts no Attach Listener, and the ten
# biggest classes of jmap -histo (which attaches: run after) within 1%.
#
# Two differences from jmap are known and kept out of the comparison by
# the options, not by the checks:
#  - jmap's safepoint fills every thread's unfilled TLAB part with an
#    int[] filler before counting (ours skips that part): small TLABs
#    (-XX:TLABSize=8k -XX:-ResizeTLAB) keep int[] out of the ten;
#  - with CDS, G1's open archive region keeps dead archived objects that
#    jmap leaves out (through G1's mark bitmap, which vmStructs does not
#    export) and ours counts, as jhsdb does (t0506): -Xshare:off.
objects_vs_jmap() {
	local pid rc=0
	start_objleak -Xshare:off -XX:TLABSize=8k -XX:-ResizeTLAB "$@"
	pid=$TARGET_PID
	classify --objects --tsv -v "$pid" >ours.tsv 2>ours.err || rc=$?
	expect_eq "classify --objects exit status ($(cat ours.err))" 0 "$rc"
	grep -q "not parsed" ours.err && fail "a quiescent heap not parsed whole: $(cat ours.err)"
	python3 "$TOP/tests/e2e/objects.py" own ours.tsv "$NCTX" "$NMSG"
	# The walk in one thread and split in two (small heaps stay in one
	# by default; two threads take their spaces two at a time), with
	# its fast path and without, count the same objects, classes and
	# spaces.
	for n in 1 2 1-slow 2-slow; do
		fb=
		case $n in *-slow) fb=walk_fast ;; esac
		how="in ${n%-slow} thread(s)${fb:+, without the fast path}"
		MEMFORENSIC_WALK_THREADS=${n%-slow} MEMFORENSIC_FALLBACK=$fb \
			classify --objects --tsv -v "$pid" \
			>"ours.$n.tsv" 2>"ours.$n.err" ||
			fail "classify --objects $how: $(cat "ours.$n.err")"
		compare ours.tsv "ours.$n.tsv"
		expect_eq "the walk's figures $how" \
			"$(grep ' heap: ' ours.err)" "$(grep ' heap: ' "ours.$n.err")"
	done
	no_attach "$pid"
	command -v jmap >/dev/null 2>&1 || skip "no jmap to compare with (the target's own counts were right)"
	jmap -histo "$pid" >jmap.txt 2>jmap.err || fail "jmap -histo: $(cat jmap.err)"
	python3 "$TOP/tests/e2e/objects.py" jmap ours.tsv jmap.txt
}
