#!/bin/bash
# A JVM's class names are the target's text: a class loader may name a
# class with terminal control sequences (ESC c resets the terminal, CSI
# 2J clears it). classify --objects and --holders write them escaped, in
# records and in what they say on stderr (the line "no instance of NAME"
# printed them raw), and --holders finds the class by its raw name.
. "$TOP/tests/e2e/lib.sh"
command -v java >/dev/null 2>&1 || skip "no java on this machine"

start_cmd "the JVM" java -Xmx64m "$TOP/corpus/targets/EvilName.java"
pid=$TARGET_PID
evil=$'Evil\x1bc\x07\xc2\x9b2JX'
escaped='Evil\x1bc\x07\xc2\x9b2JX'

# Raw control bytes: C0 (but TAB and LF), DEL, and C1 as UTF-8 (c2 80-9f).
raw_controls() {
	LC_ALL=C grep -c -P '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1" || true
}

rc=0
classify --holders "$evil" --tsv "$pid" >out 2>err || rc=$?
expect_eq "holders of the hostile class: exit ($(cat -v err))" 0 "$rc"
expect_eq "holders: raw control bytes on stderr" 0 "$(raw_controls err)"
grep -qF "no instance of $escaped" err || fail "holders: said: $(cat -v err)"
expect_eq "holders: raw control bytes in the records" 0 "$(raw_controls out)"
grep -qF "	$escaped" out || fail "holders: no escaped class in: $(cat -v out)"

# On a terminal: the table and the messages.
script -qec "$TOP/bin/classify --holders '$evil' $pid" /dev/null 2>&1 |
	tr -d '\r' >tty.out || true
expect_eq "holders on a terminal: raw control bytes" 0 "$(raw_controls tty.out)"
grep -qF "$escaped" tty.out || fail "holders on a terminal: $(cat -v tty.out)"

rc=0
classify --objects -v --tsv "$pid" >objects 2>err || rc=$?
expect_eq "objects: exit" 0 "$rc"
expect_eq "objects: raw control bytes" 0 "$(cat objects err | raw_controls /dev/stdin)"
