# Shared by the holders tests (t052x): sourced after lib.sh and objlib.sh.

# chain_has FILE DEPTH COUNT CLASS: a holders record of FILE (TSV) says
# that DEPTH holds COUNT of CLASS (a root: COUNT references).
chain_has() {
	awk -F'\t' -v d="$2" -v n="$3" -v c="$4" \
		'NR == 1 {for (i = 1; i <= NF; i++) k[$i] = i; next}
		$k["depth"] == d && $k["count"] == n && $k["class"] == c {f = 1}
		END {exit !f}' "$1" ||
		fail "$1: no record 'depth $2: $3 $4': $(cat "$1")"
}

# chain_ends FILE DEPTH: the deepest record of FILE is at DEPTH.
chain_ends() {
	expect_eq "$1: the chain's last depth" "$2" \
		"$(awk -F'\t' 'NR > 1 && $2 > m {m = $2} END {print m + 0}' "$1")"
}

# objleak_chains FILE_CTX FILE_MSG: ObjLeak's own structure. Every Ctx
# is the value of one HashMap$Node of the table of Holder.ips, a HashMap
# that the static ObjLeak.holder holds; every Msg an element of the
# Object[] of Holder.unsent, an ArrayDeque. The chains read exactly so,
# and end there: the dead objects G1 keeps in place (the ArrayDeque's
# outgrown Object[], javac's maps), whose stale references point at Msgs
# and Ctxs, are left out (nothing live holds them: see jholders.h).
objleak_chains() {
	chain_has "$1" 0 "$NCTX" Ctx
	chain_has "$1" 1 "$NCTX" 'java.util.HashMap$Node'
	chain_has "$1" 2 1 '[Ljava.util.HashMap$Node;'
	chain_has "$1" 3 1 java.util.HashMap
	chain_has "$1" 4 1 Holder
	chain_has "$1" 5 1 'static ObjLeak.holder'
	chain_ends "$1" 5
	chain_has "$2" 0 "$NMSG" Msg
	chain_has "$2" 1 1 '[Ljava.lang.Object;'
	chain_has "$2" 2 1 java.util.ArrayDeque
	chain_has "$2" 3 1 Holder
	chain_has "$2" 4 1 'static ObjLeak.holder'
	chain_ends "$2" 4
}

# holders_live JAVAOPTS...: ObjLeak under JAVAOPTS: both chains, live,
# exit 0, no attach.
holders_live() {
	local rc=0
	start_objleak "$@"
	classify --holders Ctx --tsv "$TARGET_PID" >ctx.tsv 2>ctx.err || rc=$?
	expect_eq "classify --holders Ctx: exit status ($(cat ctx.err))" 0 "$rc"
	classify --holders Msg --tsv "$TARGET_PID" >msg.tsv 2>msg.err || rc=$?
	expect_eq "classify --holders Msg: exit status ($(cat msg.err))" 0 "$rc"
	objleak_chains ctx.tsv msg.tsv
	no_attach "$TARGET_PID"
}
