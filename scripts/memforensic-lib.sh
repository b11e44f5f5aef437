# shellcheck shell=bash
# memforensic-lib.sh: what the runbook scripts (triage, leak-watch,
# dump-on) share. Sourced, not run: each script looks for it in its own
# directory (scripts/ in the source tree; PREFIX/bin, where make install
# puts it beside them). Needs bash, awk (mawk will do) and LC_ALL=C.
#
# Hostile text. Everything the watched process controls is hostile: its
# comm and cmdline, its map names, its environment, strings read from its
# memory, and the records that carry them (names, classify's details, scan's
# text). Such text is never pasted into a shell or gnuplot command, and is
# printed into report.md, trigger.txt or a terminal only through mf_esc
# below, which leaves printable ASCII and valid UTF-8 text as it is and
# writes everything else as \xHH (one per byte):
#   - C0 controls, DEL, and C1 controls (U+0080..U+009F, in UTF-8 c2 80 to
#     c2 9f; c2 9b is CSI, which terminals take as ESC [);
#   - bytes that are not valid UTF-8 (a lone 9b is CSI to an 8-bit
#     terminal);
#   - the backquote (\x60): the text can then sit in a markdown code span
#     or fence without closing it, and run nowhere if pasted into a shell
#     or a gnuplot string (gnuplot runs `...` even inside double quotes);
#   - characters that reorder or break lines in a viewer: U+2028, U+2029,
#     the bidirectional controls U+061C, U+200E, U+200F, U+202A..U+202E,
#     U+2066..U+2069 (the "Trojan Source" trick).
# Raw text (comm, cmdline) first gets the record format's escapes: TAB LF
# CR and backslash as \t \n \r \\, so no newline survives to start a new
# markdown line and a \xHH in the output always stands for a byte. Record
# fields are already escaped that way and are not escaped twice.
# Text longer than 4096 bytes is cut there and ends in "...".

# The awk functions, for any awk program: awk "$MF_AWK"'...mf_esc(s)...'.
#   mf_esc(s, raw): s made safe as above (raw: s is raw bytes, not a record
#                   field).
#   mf_span(s, raw): a markdown code span of mf_esc(s, raw).
# shellcheck disable=SC2016
MF_AWK='
function mf_esc(s, raw,    out, n, i, j, k, c, o, b, cp, ok, cut) {
	if (!mf_ready) {
		for (i = 1; i < 256; i++)
			mf_ord[sprintf("%c", i)] = i
		mf_ready = 1
	}
	cut = ""
	if (length(s) > 4096) {
		s = substr(s, 1, 4096)
		cut = "..."
	}
	if (s !~ /[^ -_a-~]/ && !(raw && index(s, "\\")))
		return s cut
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		o = mf_ord[c] + 0
		if (o >= 32 && o < 127) {
			if (c == "`")
				out = out "\\x60"
			else if (raw && c == "\\")
				out = out "\\\\"
			else
				out = out c
			continue
		}
		if (o < 128) {
			if (raw && o == 9)
				out = out "\\t"
			else if (raw && o == 10)
				out = out "\\n"
			else if (raw && o == 13)
				out = out "\\r"
			else
				out = out sprintf("\\x%02x", o)
			continue
		}
		# A UTF-8 sequence: lead byte, k continuation bytes.
		k = o >= 194 && o <= 223 ? 1 : o >= 224 && o <= 239 ? 2 : \
			o >= 240 && o <= 244 ? 3 : 0
		ok = k > 0 && i + k <= n
		cp = k == 1 ? o - 192 : k == 2 ? o - 224 : o - 240
		for (j = 1; ok && j <= k; j++) {
			b = mf_ord[substr(s, i + j, 1)] + 0
			if (b < 128 || b > 191)
				ok = 0
			else
				cp = cp * 64 + b - 128
		}
		if (ok && ((k == 2 && cp < 2048) || (k == 3 && cp < 65536) ||
		    cp > 1114111 || (cp >= 55296 && cp <= 57343)))
			ok = 0
		if (!ok) {
			out = out sprintf("\\x%02x", o)
			continue
		}
		if (cp < 160 || cp == 1564 || cp == 8206 || cp == 8207 ||
		    (cp >= 8232 && cp <= 8238) || (cp >= 8294 && cp <= 8297)) {
			for (j = 0; j <= k; j++)
				out = out sprintf("\\x%02x", mf_ord[substr(s, i + j, 1)])
		} else {
			out = out substr(s, i, k + 1)
		}
		i += k
	}
	return out cut
}
function mf_span(s, raw) {
	s = mf_esc(s, raw)
	return "`" (s == "" ? " " : s) "`"
}
'

# mf_text TEXT: raw TEXT (comm, cmdline...) escaped by mf_esc, on stdout.
mf_text() {
	MF_TEXT=$1 awk "$MF_AWK"'BEGIN { print mf_esc(ENVIRON["MF_TEXT"], 1) }'
}

# mf_span TEXT: raw TEXT as a markdown code span (`...`), on stdout.
mf_span() {
	MF_TEXT=$1 awk "$MF_AWK"'BEGIN { print mf_span(ENVIRON["MF_TEXT"], 1) }'
}

# mf_filter: stdin to stdout, each line (record text: escaped fields, a
# table of them, a tool's message) escaped by mf_esc.
mf_filter() {
	awk "$MF_AWK"'{ print mf_esc($0, 0) }'
}

# mf_code CMD...: a fenced markdown block of CMD's output, lines cut to 160
# bytes, then escaped (no backquote is left to close the fence).
mf_code() {
	echo '```'
	"$@" 2>/dev/null | cut -b1-160 | mf_filter
	echo '```'
}

# mf_comm PID: the comm of process PID escaped by mf_esc (raw), or ? when
# it cannot be read.
mf_comm() {
	local c
	c=$(cat "/proc/$1/comm" 2>/dev/null && echo .) || { echo '?'; return; }
	c=${c%.}
	mf_text "${c%$'\n'}"
}

# Pinning the process. A pid names a process only until it exits: then the
# kernel gives it to the next process created. A runbook that watches pid
# 4242 for an hour must not go on to read, plot or dump whatever process
# holds 4242 next. The process is known by its start time (field 22 of
# /proc/PID/stat, clock ticks after boot: unique for a pid) and the device
# and inode of its executable. The tools pin the process within one run
# (dump-region records the start time it saw in process.json); a script
# checks the identity before and after each tool it runs, and throws away
# what a tool wrote if the pid named another process when it ended.

# mf_stat PID: "STATE STARTTIME" of process PID from /proc/PID/stat, on
# stdout; fails when there is no such process. Fields are counted after
# the LAST ") ": comm, in parentheses before them, may hold ") " itself,
# spaces and newlines.
mf_stat() {
	local st rest
	local -a field
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	case $st in *') '*) ;; *) return 1 ;; esac
	rest=${st##*) }
	read -r -a field <<<"$rest"
	[ "${#field[@]}" -ge 20 ] || return 1
	echo "${field[0]} ${field[19]}"
}

# mf_ident PID: "STATE STARTTIME EXE" of process PID on stdout (EXE the
# executable's dev:inode, or - when unreadable: a kernel thread, or a
# process exiting); fails when there is no such process. The start time
# is read before and after the executable: when they differ the pid
# changed hands in between, and EXE is ? (not the process's).
mf_ident() {
	local a b exe
	a=$(mf_stat "$1") || return 1
	exe=$(stat -L -c '%d:%i' "/proc/$1/exe" 2>/dev/null) || exe=-
	b=$(mf_stat "$1") || return 1
	[ "${a#* }" = "${b#* }" ] || exe='?'
	echo "$b $exe"
}

# mf_pin PID: remember process PID (MF_PID, MF_START, MF_EXE); fails when
# there is no such process, or it has exited (a zombie).
mf_pin() {
	local id state
	id=$(mf_ident "$1") || return 1
	read -r state MF_START MF_EXE <<<"$id"
	case $state in Z|X|x) return 1 ;; esac
	MF_PID=$1
}

# mf_check: is the pinned process still there? Returns 0 yes; 1 it has
# exited (gone, a zombie, or its executable unreadable as it exits);
# 2 its pid now names another process (another start time, or another
# executable: it exec'd, or the pid was reused within one clock tick).
# MF_WHY says which, in one line.
mf_check() {
	local id state start exe
	if ! id=$(mf_ident "$MF_PID"); then
		MF_WHY="process $MF_PID exited"
		return 1
	fi
	read -r state start exe <<<"$id"
	if [ "$start" != "$MF_START" ]; then
		MF_WHY="process $MF_PID exited; the pid now names another process"
		return 2
	fi
	case $state in Z|X|x)
		MF_WHY="process $MF_PID exited"
		return 1 ;;
	esac
	if [ "$exe" = - ] && [ "$MF_EXE" != - ]; then
		MF_WHY="process $MF_PID exited"
		return 1
	fi
	if [ "$exe" != "$MF_EXE" ]; then
		MF_WHY="process $MF_PID now runs another program (it exec'd, or its pid was reused)"
		return 2
	fi
	# shellcheck disable=SC2034 # for the caller
	MF_WHY=""
	return 0
}

# mf_dump_ours DIR: does dump directory DIR hold the pinned process?
# dump-region writes the start time of the process it read into
# DIR/process.json. Fails when it names another; succeeds when it matches
# or there is no process.json to tell.
mf_dump_ours() {
	local st
	[ -f "$1/process.json" ] || return 0
	st=$(grep -o '"starttime":[0-9]*' "$1/process.json" | head -1)
	[ -z "$st" ] || [ "${st#*:}" = "$MF_START" ]
}

# mf_case_dir TOOL PID: the default case directory's name when -o is not
# given, TOOL-PID-YYYYMMDDTHHMMSS (UTC), with -2, -3... added when that
# exists already (two runs on one process in one second): never an
# existing name. The caller's mkdir still refuses a name made meanwhile.
mf_case_dir() {
	local base n=1 d
	base=$1-$2-$(date -u +%Y%m%dT%H%M%S)
	d=$base
	while [ -e "$d" ] || [ -L "$d" ]; do
		n=$((n + 1))
		d=$base-$n
	done
	printf '%s\n' "$d"
}

# mf_bad_option TOOL ARG LONGOPTS: ARG (an argument that begins with -)
# is no option of TOOL: say so in one line on stderr and exit 64, as the
# C tools' tool_bad_option does (tools/tool.c), naming the closest of
# TOOL's long options when one is near ("did you mean --class?"): an
# abbreviation of one, or a few edits (1 for up to 4 letters, 2 for 5 or
# 6, 3 beyond). LONGOPTS: the long options without their --, separated by
# spaces, "name=" for one that takes a value (given as the next argument).
# ARG is only compared and printed (escaped by mf_esc), never run.
mf_bad_option() {
	MF_TOOL=$1 MF_ARG=$2 MF_OPTS=$3 awk "$MF_AWK"'
	# Edits (insert, delete, substitute) that turn a into b.
	function dist(a, b,    la, lb, i, j, d, prev, cur, x) {
		la = length(a); lb = length(b)
		if (la >= 63 || lb >= 63)
			return 999
		for (j = 0; j <= lb; j++)
			d[j] = j
		for (i = 1; i <= la; i++) {
			prev = d[0]; d[0] = i
			for (j = 1; j <= lb; j++) {
				cur = d[j]
				x = prev + (substr(a, i, 1) != substr(b, j, 1))
				if (d[j - 1] + 1 < x) x = d[j - 1] + 1
				if (cur + 1 < x) x = cur + 1
				d[j] = x
				prev = cur
			}
		}
		return d[lb]
	}
	BEGIN {
		tool = ENVIRON["MF_TOOL"]; arg = ENVIRON["MF_ARG"]
		if (substr(arg, 1, 2) != "--") {
			msg = "unknown option " sq(arg) " (" tool " --help lists them)"
		} else {
			name = substr(arg, 3)
			eq = index(name, "=")
			if (eq)
				name = substr(name, 1, eq - 1)
			n = split(ENVIRON["MF_OPTS"], opt, " ")
			best = ""; bestd = 999
			for (i = 1; i <= n; i++) {
				o = opt[i]; val = sub(/=$/, "", o)
				if (eq && o == name) {
					msg = "option " sq("--" name) (val ? \
					    " takes its value as the next argument, not after =" : \
					    " takes no value") " (" tool " --help)"
					break
				}
				d = dist(name, o)
				# An abbreviation of more than one: the first is named.
				if (name != "" && substr(o, 1, length(name)) == name)
					d = 0
				if (d < bestd) {
					bestd = d; best = o
				}
			}
			len = length(name)
			if (msg == "" && best != "" && \
			    bestd <= (len > 6 ? 3 : len > 4 ? 2 : 1))
				msg = "unknown option " sq("--" name) ": did you mean --" \
				    best "? (" tool " --help lists them)"
			else if (msg == "")
				msg = "unknown option " sq("--" name) " (" tool \
				    " --help lists them)"
		}
		print tool ": " msg > "/dev/stderr"
	}
	function sq(s) { return "'"'"'" mf_esc(s, 1) "'"'"'" }'
	exit 64
}
