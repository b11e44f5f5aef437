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
