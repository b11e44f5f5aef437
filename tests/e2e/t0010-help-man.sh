#!/bin/bash
# Every command teaches: --help (exit 0, usage, examples, exit status),
# --version, and a man page that formats and names the command. The
# runbook scripts (triage, leak-watch, dump-on) too.
. "$TOP/tests/e2e/lib.sh"

n=0
for b in "$BIN"/* "$TOP/scripts/triage" "$TOP/scripts/leak-watch" \
	"$TOP/scripts/dump-on"; do
	cmd=$(basename "$b")
	"$b" --help >help.txt || fail "$cmd --help failed"
	grep -q "^usage: $cmd " help.txt || fail "$cmd --help: no usage line"
	grep -q "Exit status" help.txt || fail "$cmd --help: no exit status"
	grep -q "Examples" help.txt || fail "$cmd --help: no examples"
	"$b" --version | grep -q "^$cmd [0-9]" || fail "$cmd --version"
	[ -f "$TOP/man/$cmd.1" ] || fail "no man page for $cmd"
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l "$TOP/man/$cmd.1" 2>man.err >man.txt || fail "man $cmd"
		[ ! -s man.err ] || fail "man $cmd warns: $(cat man.err)"
		grep -q "$cmd -" man.txt || fail "man $cmd: NAME section"
	fi
	n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "no commands in $BIN"
