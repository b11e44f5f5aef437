#!/bin/bash
# RELIABILITY T44: a process whose comm is a backquoted shell command
# (with ") ", a newline, ESC and the C1 control CSI), whose cmdline and two
# map names (a memfd, a mapped file) hold backquoted commands, $(...),
# quotes, a newline, ESC and C1, and whose memory repeats such a text, run
# through the three runbook scripts: leak-watch (real gnuplot), triage and
# dump-on. Nothing runs (each command would create a file pwned*); the
# text files the scripts write (report.md, trigger.txt, the plot, its
# script and data, logs) hold no control byte but TAB and LF, no C1 and
# no invalid UTF-8; every backquote in report.md is markdown's own (code
# spans balanced on each line, none inside a fence); and the comm and the
# names are still shown, escaped as \xHH. The records the tools write
# hold no raw ESC either.
. "$TOP/tests/e2e/lib.sh"

command -v gnuplot >/dev/null 2>&1 || skip "no gnuplot (scripts/install-deps installs gnuplot-nox)"
S=$TOP/scripts

mkdir d
start_target hostile "$TRASH/d" $'`>pwned-arg` $(>pwned-arg2) "q\' \n\e[31m\xc2\x9b'
pid=$TARGET_PID
# The kernel keeps the comm as the target set it.
expect_eq "comm bytes" '60 3e 70 77 6e 65 64 60 29 20 0a 1b c2 9b 0a' \
	"$(od -An -tx1 "/proc/$pid/comm" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
comm='\x60>pwned\x60) \n\x1b\xc2\x9b'
name='\x60>pwned-name\x60 $(>pwned-sub) "q'"'"' \n\x1b[31m\xc2\x9bx'

lrc=0; "$S/leak-watch" -i 0.2 -n 2 -o lw "$pid" 2>lw.err || lrc=$?
trc=0; "$S/triage" -o tri "$pid" 2>tri.err || trc=$?
drc=0; "$S/dump-on" --rss 1M -n 2 -i 0.2 --timeout 30 -o don "$pid" 2>don.err || drc=$?

# Nothing ran: no pwned* anywhere (gnuplot runs in lw/, the target in d/).
found=$(find "$TRASH" -name 'pwned*')
[ -z "$found" ] || fail "a command of the target's ran: $found"
expect_eq "leak-watch exit status ($(tail -2 lw.err))" 0 "$lrc"
expect_eq "triage exit status ($(tail -2 tri.err))" 0 "$trc"
expect_eq "dump-on exit status ($(tail -2 don.err))" 0 "$drc"

# The files the scripts write: no control bytes but TAB and LF, no C1,
# only valid UTF-8. report.md: backquotes only in pairs, none in a fence.
python3 - "$pid" lw/report.md lw/series.tsv lw/plot.gp lw/wide.dat \
	lw/plot.svg lw/errors.txt tri/report.md tri/log.txt tri/errors.txt \
	don/trigger.txt don/errors.txt <<'PY' || fail "hostile bytes in the scripts' output"
import re, sys
bad = 0
for f in sys.argv[2:]:
    try:
        b = open(f, 'rb').read()
    except FileNotFoundError:
        continue
    for m in re.finditer(rb'[\x00-\x08\x0b-\x1f\x7f]', b):
        print(f'{f}: control byte {m.group()!r} at {m.start()}'); bad = 1
    try:
        t = b.decode('utf-8')
    except UnicodeDecodeError as e:
        print(f'{f}: not UTF-8: {e}'); bad = 1; continue
    for m in re.finditer('[\x80-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]', t):
        print(f'{f}: C1 or line/bidi control {m.group()!r} at {m.start()}'); bad = 1
    if f.endswith('.md'):
        fence = False
        for n, line in enumerate(t.split('\n'), 1):
            if line == '```':
                fence = not fence
            elif fence and '`' in line:
                print(f'{f}:{n}: backquote inside a fence: {line!r}'); bad = 1
            elif not fence and (line.count('`') % 2 or line.startswith('```')):
                print(f'{f}:{n}: unbalanced backquotes: {line!r}'); bad = 1
        if fence:
            print(f'{f}: a fence is not closed'); bad = 1
sys.exit(bad)
PY

# Records and dump index the tools write: ESC never raw (escaped \x1b, or
# \u001b in JSON).
esc=$(grep -rl --exclude='*.bin' --exclude='*.png' $'\e' lw tri don || true)
[ -z "$esc" ] || fail "a raw ESC in: $esc"

# The comm and the names are shown, escaped.
expect_eq "triage report title" "# Memory triage of process $pid (\`$comm\`)" "$(head -1 tri/report.md)"
expect_eq "leak-watch report title" "# Leak watch of process $pid (\`$comm\`)" "$(head -1 lw/report.md)"
expect_eq "trigger.txt pid" "pid: $pid ($comm)" "$(grep '^pid: ' don/trigger.txt)"
grep -qF "\`/memfd:$name (deleted)\`" tri/report.md ||
	fail "triage report: no escaped memfd name: $(grep '^[0-9]\.' tri/report.md)"
grep -qF "\`$TRASH/d/$name\`" tri/report.md ||
	fail "triage report: no escaped file name: $(grep '^[0-9]\.' tri/report.md)"
grep -qF "The most repeated: \`HOSTILE \\x60>pwned-text\\x60 \$(>pwned-mem) 'q\"" tri/report.md ||
	fail "triage report: $(grep '^The most repeated' tri/report.md)"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' lw/plot.svg ||
	fail "plot.svg is not XML"
grep -qF "pid $pid ($comm), 2 captures" lw/plot.svg || fail "plot.svg: no escaped comm in the title"
[ -s lw/plot.png ] || fail "no plot.png"
