#!/bin/bash
# Installed set-user-ID or set-group-ID, a command would read any process
# for whoever runs it (RELIABILITY security rule 2): every command refuses
# to run so, with one line and exit 2, before reading anything.
. "$TOP/tests/e2e/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to make a set-user-ID root copy"
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
d=$(mktemp -d /tmp/memforensic-suid.XXXXXX)
trap 'rm -rf "$d"; cleanup' EXIT
chmod 755 "$d"
start_target dumpme
for t in memmap rank classify dump-region scan snapdiff; do
	cp "$BIN/$t" "$d/$t"
	for mode in 4755 2755; do
		chmod "$mode" "$d/$t"
		rc=0
		(cd "$d" && setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$d/$t" --tsv "$TARGET_PID" >out 2>err) </dev/null || rc=$?
		expect_eq "$t mode $mode: exit" 2 "$rc"
		grep -q "^$t: refusing to run set-user-ID or set-group-ID" "$d/err" ||
			fail "$t mode $mode: no clear message: $(cat "$d/err")"
		[ -s "$d/out" ] && fail "$t mode $mode: wrote output: $(head -3 "$d/out")"
		rm -f "$d/out" "$d/err"
	done
	# The same copy without the bit runs (as that user: it may not read
	# root's process, but it is not refused for being set-ID).
	chmod 755 "$d/$t"
	(cd "$d" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$d/$t" --help >out 2>err) </dev/null ||
		fail "$t without set-ID bits: --help failed: $(cat "$d/err")"
	rm -f "$d/out" "$d/err"
done
exit 0
