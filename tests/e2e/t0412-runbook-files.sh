#!/bin/bash
# Issue 18 point 8: triage's and leak-watch's --help (and man pages) list
# every file they write. Each runbook is run on a live target; every file
# and directory of its case directory (dump-region's own files inside
# dump/ aside: dump-region(1) lists them) must be named in the list at
# the top of its --help and of its man page (capture-NN/ for capture-01/,
# diff-*.tsv for diff-chunks.tsv).
. "$TOP/tests/e2e/lib.sh"

start_target growleak 1000
pid=$TARGET_PID
"$TOP/scripts/triage" -o triage "$pid" 2>/dev/null || fail "triage failed"
"$TOP/scripts/leak-watch" -i 0.2 -n 2 -o leak-watch "$pid" 2>/dev/null || fail "leak-watch failed"

# names TEXT-FILE: the names of the file list (the indented lines before
# "Options:"), one glob a line (NN: digits).
names() {
	sed -n '/^ *capture\|^  [a-z]/,/^Options/p' "$1" | sed '/^Options/d' |
		tr ' ,()' '\n\n\n\n' | grep -E '^[a-z*-]+(NN)?[a-z*-]*(\.[a-z]+|/)$' |
		sed 's/NN/[0-9][0-9]/'
}
for cmd in triage leak-watch; do
	"$TOP/scripts/$cmd" --help >"$cmd.help"
	MANWIDTH=200 man -l "$TOP/man/$cmd.1" 2>/dev/null | sed 's/^       //' >"$cmd.man" || true
	for doc in help man; do
		[ -s "$cmd.$doc" ] || continue
		names "$cmd.$doc" >"$cmd.$doc.names"
		(cd "$cmd" && find . -mindepth 1 -not -path './dump/*' | sed 's|^\./||') |
		while read -r f; do
			[ -d "$cmd/$f" ] && f=$f/
			found=0
			case ${f%/} in
			*/*)	# in a listed directory: its name said beside it
				grep -qw -- "$(basename "$f")" "$cmd.$doc" && found=1 ;;
			*)	while read -r g; do
					# shellcheck disable=SC2053
					if [[ $f == $g ]]; then found=1; break; fi
				done <"$cmd.$doc.names" ;;
			esac
			[ "$found" = 1 ] || fail "$cmd writes '$f', which its $doc does not list"
		done
	done
done

# Without -o, the default case directory is never an existing one: two
# runs on one process in one second, the second gets -2. The names of the
# next few seconds are taken first, so the run's own second is among them.
now=$(date -u +%s)
for s in 0 1 2 3 4 5; do
	mkdir "triage-$pid-$(date -u -d "@$((now + s))" +%Y%m%dT%H%M%S)"
done
"$TOP/scripts/triage" --no-dump "$pid" >/dev/null 2>err || fail "triage without -o: $(cat err)"
made=$(find . -maxdepth 1 -name "triage-$pid-*-2" | wc -l)
expect_eq "default directories made with -2" 1 "$made"
for d in triage-"$pid"-*; do
	case $d in *-2) ;; *) [ -z "$(ls -A "$d")" ] || fail "triage wrote into the existing $d" ;; esac
done
