#!/bin/bash
# RELIABILITY security rule 1, T39 (issue 12, point 9): a dump directory
# or a core is made only in a directory that nobody else can change: one
# writable by group or others without the sticky bit, or owned by another
# user (not root), is refused with one line and exit 2, nothing made in
# it, the target untouched (running, untraced). A sticky world-writable
# directory owned by root (as /tmp) is fine; so is the default output in
# the current directory. Needs root (chown).
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to give a directory to another user"
nobody=$(id -u nobody 2>/dev/null || echo 65534)

start_target dumpme 4 1
pid=$TARGET_PID

# refused DIR WHY: a dump directory and a core in DIR are refused.
refused() {
	local rc
	for how in dir core; do
		rc=0
		if [ "$how" = dir ]; then
			dump-region -o "$1/d" "$pid" '[heap]' >out 2>err || rc=$?
		else
			dump-region --core "$1/c.core" "$pid" '[heap]' >out 2>err || rc=$?
		fi
		expect_eq "$1 ($how): exit status" 2 "$rc"
		grep -q "^dump-region: cannot create .*'$1/[dc][.a-z]*': the directory it goes in is $2" err ||
			fail "$1 ($how): $(cat err)"
		expect_eq "$1 ($how): stderr lines" 1 "$(wc -l <err)"
		[ -z "$(ls -A "$1")" ] || fail "$1 ($how): something was made: $(ls -A "$1")"
		untraced "$pid"
		all_threads_in "$pid" SR
	done
}

mkdir world group other
chmod 0777 world
refused world "writable by group or others and not sticky"
chmod 0770 group
refused group "writable by group or others and not sticky"
chown "$nobody" other
chmod 0755 other
refused other "not owned by you or root"
chmod 1777 other	# sticky, but someone else's: still refused
refused other "not owned by you or root"

mkdir sticky
chmod 1777 sticky
dump-region -q -o sticky/d "$pid" '[heap]' >/dev/null || fail "sticky, root's: exit $?"
dump-region -q --core sticky/c.core "$pid" '[heap]' >/dev/null || fail "sticky core: exit $?"
mkdir mine
chmod 0755 mine
(cd mine && dump-region -q "$pid" '[heap]' >/dev/null) || fail "default -o: exit $?"
(cd mine && dump-region -q --core c.core "$pid" '[heap]' >/dev/null) || fail "core in .: exit $?"
expect_eq "dumps made in mine" 2 "$(ls mine | wc -l)"
