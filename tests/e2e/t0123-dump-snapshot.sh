#!/bin/bash
# dump-region --mode snapshot (issue 15): threads that keep writing a
# generation into every page of a buffer are dumped while they write; the
# copy is the buffer at one instant (gencheck.py: each range's pages
# agree with that range's progress word), and a live copy of the same
# buffer is not (the check has teeth). MADV_DONTFORK and WIPEONFORK
# regions are holes with that reason. The target stopped only for the
# fork: the windows are in process.json and on stderr. Afterwards it
# runs, untraced, got no SIGCHLD, has no child (no zombie either) and no
# other process runs its executable.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/dumplib.sh"

[ "$(uname -m)" = x86_64 ] || skip "snapshot mode is x86-64 only"
start_target genwriter 64 4 "$PWD/report"
pid=$TARGET_PID
buf=$(ready_value buf)
exe=$(readlink "/proc/$pid/exe")

dump-region --mode snapshot -o snap "$pid" "$buf" >snap.tsv 2>err ||
	fail "snapshot dump: $(cat err)"
grep -q "snapshot: stopped .* ms for the fork" err ||
	fail "no stop reported: $(cat err)"
grep -q "registers of thread $pid borrowed .* us" err ||
	fail "no window reported: $(cat err)"
file=$(field snap.tsv file)
python3 "$TOP/tests/e2e/gencheck.py" "$file" >check || fail "snapshot: $(cat check)"
cat check
python3 - snap/process.json <<'PY' || fail "process.json: $(cat snap/process.json)"
import json, sys
j = json.load(open(sys.argv[1]))
s = j["snapshot"]
assert j["mode"] == "snapshot", j["mode"]
assert j["consistency"].startswith("consistent"), j["consistency"]
for k in ("regs_borrowed_us", "clone_syscall_us", "clone_to_hold_us",
          "reap_regs_borrowed_us"):
    assert s[k] > 0, k
assert s["clone_to_hold_us"] < s["regs_borrowed_us"] or s["clone_to_hold_us"] < 1e6
assert j["pause_ns"] > 0 and s["reap_pause_ns"] > 0
assert s["syscall_site"], s
PY

# MADV_DONTFORK and MADV_WIPEONFORK regions: not in the fork, or empty
# there: holes with that reason (RELIABILITY T43), listed as skipped.
df=$(ready_value dontfork)
wf=$(ready_value wipeonfork)
dump-region -q --mode snapshot -o forks "$pid" "$df" "$wf" >forks.tsv ||
	fail "dontfork/wipeonfork: exit $?"
printf '%s\t0x%012x\t0x%012x\tdontfork\n' "$pid" "$df" $((df + 1048576)) >expect
printf '%s\t0x%012x\t0x%012x\twipeonfork\n' "$pid" "$wf" $((wf + 1048576)) >>expect
tail -n +2 forks/holes.tsv | sort >actual
sort expect >expect.s
compare expect.s actual
grep -q '"dontfork"' forks/process.json || fail "dontfork not in process.json's skipped"

# The same buffer copied live: not one instant.
dump-region -q -o live "$pid" "$buf" >live.tsv
if python3 "$TOP/tests/e2e/gencheck.py" "$(field live.tsv file)" >lcheck; then
	echo "note: the live copy happened to be consistent"
else
	tail -1 lcheck
fi

# The target afterwards.
all_threads_in "$pid" SR
let_go "$pid" "after the snapshot"
same=$(same_exe "$pid")
expect_eq "processes running $exe" 1 "$same"
kill -USR2 "$pid"
for i in $(seq 200); do [ -s report ] && break; sleep 0.01; done
expect_eq "the target's SIGCHLD count" "sigchld=0" "$(cut -d' ' -f1 report)"
# It kept writing after the fork.
p=$(cut -d' ' -f2 report | cut -d= -f2)
[ "$p" -gt 2 ] || fail "the target stopped writing: $(cat report)"
