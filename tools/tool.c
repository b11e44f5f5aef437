/*
 * Shared by every command: messages, exit codes, output format.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "dumpcheck.h"
#include "classify.h"
#include "memsrc.h"
#include "proc.h"
#include "select.h"
#include "tool.h"

const char *tool_name = "memforensic";

void tool_init(const char *name)
{
	struct rlimit nocore = { 0, 0 };

	tool_name = name;
	/* A bad option is said by tool_bad_option, in one line. */
	opterr = 0;
	/* Set-user-ID or set-group-ID, we would read any process for
	 * whoever runs us and write its secrets where they choose (security
	 * rule 2 of RELIABILITY.md: never widen access). */
	if (getuid() != geteuid() || getgid() != getegid()) {
		tool_warn("refusing to run set-user-ID or set-group-ID: run "
			  "it as the process owner or root, or give it "
			  "CAP_SYS_PTRACE");
		exit(EXIT_FAILED);
	}
	signal(SIGPIPE, SIG_IGN);
	/* Past RLIMIT_FSIZE a write fails with EFBIG, an error like any
	 * other, instead of killing us mid-file (with a target frozen). */
	signal(SIGXFSZ, SIG_IGN);
	/* If memory runs out on the host, we go first, not the service we
	 * are looking at (raising one's own score needs no privilege). */
	fx_oom_first();
	/* Our buffers may hold the target's secrets: no core of us. */
	setrlimit(RLIMIT_CORE, &nocore);
	prctl(PR_SET_DUMPABLE, 0);
}

static void vwarn(const char *fmt, va_list ap)
{
	char msg[1024];
	struct fx_buf safe;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Messages quote names the target chose (its map names, comm, a
	 * record's text): no control sequence reaches the terminal. */
	fx_buf_init(&safe);
	if (fx_escape_term(&safe, msg, strlen(msg)) == 0 && safe.data) {
		fprintf(stderr, "%s: %s\n", tool_name, safe.data);
	} else {
		/* No memory to escape: control bytes become '?'. */
		for (char *c = msg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f ||
			    (unsigned char)*c >= 0x80)
				*c = '?';
		fprintf(stderr, "%s: %s\n", tool_name, msg);
	}
	fx_buf_release(&safe);
}

void tool_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void tool_print_lines(const char *text)
{
	struct fx_buf safe;
	const char *nl;

	fx_buf_init(&safe);
	while (text && *text && (nl = strchr(text, '\n'))) {
		fx_buf_reset(&safe);
		if (fx_escape_term(&safe, text, (size_t)(nl - text)) == 0 &&
		    safe.data)
			fprintf(stderr, "%s\n", safe.data);
		else
			fprintf(stderr, "(a line not shown: out of memory)\n");
		text = nl + 1;
	}
	fx_buf_release(&safe);
}

void tool_warn_lines(const char *text)
{
	const char *nl;

	while (text && *text && (nl = strchr(text, '\n'))) {
		tool_warn("%.*s", (int)(nl - text), text);
		text = nl + 1;
	}
}

void tool_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", tool_name);
	exit(EXIT_USAGE);
}

enum fx_format tool_default_format(void)
{
	return isatty(STDOUT_FILENO) ? FX_FMT_TABLE : FX_FMT_TSV;
}

int tool_finish(struct fx_writer *w, int status)
{
	int r;

	/* Failed with nothing to show: no empty table under the error. */
	if (status == EXIT_FAILED && w->fmt == FX_FMT_TABLE && !w->tab_n)
		return status;
	r = fx_writer_flush(w);

	if (r == -EPIPE)
		return status;
	if (r) {
		tool_warn("cannot write output: %s", strerror(-r));
		return EXIT_FAILED;
	}
	return status;
}

void tool_help(const char *text)
{
	fputs(text, stdout);
	exit(fflush(stdout) ? EXIT_FAILED : EXIT_DONE);
}

int tool_pid_arg(const char *s, unsigned long long *starttime)
{
	int pid;

	if (fx_pid_parse(s, &pid, starttime))
		tool_usage_error("'%s' is not a pid (PID, or PID@STARTTIME to "
				 "pin the process meant)", s);
	return pid;
}

int tool_proc_open(struct fx_proc *p, int pid, unsigned long long starttime)
{
	int r = fx_proc_open_pinned(p, pid, starttime);

	tool_proc_warn(pid, starttime, r);
	return r;
}

void tool_proc_warn(int pid, unsigned long long starttime, int r)
{
	if (r == -ESRCH)
		tool_warn("no process %d", pid);
	else if (r == -ESTALE)
		tool_warn("process %d is not the one meant: it did not start "
			  "at %llu (that process exited; its pid was reused)",
			  pid, starttime);
	else if (r)
		tool_warn("cannot open process %d: %s%s", pid, strerror(-r),
			  r == -EACCES ? " (run as the process owner or root)" :
					 "");
}

unsigned long tool_parse_ulong(const char *opt, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		tool_usage_error("invalid value '%s' for %s", s, opt);
	return v;
}

/* Edits (insert, delete, substitute) that turn a into b. */
static size_t edit_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), i, j, d[64], prev, cur;

	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (cur + 1 < d[j])
				d[j] = cur + 1;
			prev = cur;
		}
	}
	return d[lb];
}

void tool_bad_option(int c, char **argv, const struct option *longopts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "", *name, *eq;
	const char *best = NULL;
	size_t len, dist, bestd = (size_t)-1;
	int i;

	if (c == ':') {
		tool_warn("option '%s' needs a value (%s --help)", arg,
			  tool_name);
		exit(EXIT_USAGE);
	}
	if (optopt && strncmp(arg, "--", 2)) {
		tool_warn("unknown option '-%c' (%s --help lists them)", optopt,
			  tool_name);
		exit(EXIT_USAGE);
	}
	name = arg + 2;
	eq = strchr(name, '=');
	len = eq ? (size_t)(eq - name) : strlen(name);
	if (optopt) {	/* a known long option given a value it takes not */
		tool_warn("option '--%.*s' takes no value (%s --help)",
			  (int)len, name, tool_name);
		exit(EXIT_USAGE);
	}
	for (i = 0; longopts[i].name; i++) {
		dist = edit_distance(name, len, longopts[i].name);
		/* An abbreviation of more than one: the first is named. */
		if (len && !strncmp(longopts[i].name, name, len))
			dist = 0;
		if (dist < bestd) {
			bestd = dist;
			best = longopts[i].name;
		}
	}
	if (best && bestd <= (len > 6 ? 3 : len > 4 ? 2 : 1))
		tool_warn("unknown option '--%.*s': did you mean --%s? (%s "
			  "--help lists them)", (int)len, name, best, tool_name);
	else
		tool_warn("unknown option '--%.*s' (%s --help lists them)",
			  (int)len, name, tool_name);
	exit(EXIT_USAGE);
}

volatile sig_atomic_t tool_stop_sig;

static void on_stop_signal(int sig)
{
	tool_stop_sig = sig;
}

void tool_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

void tool_job_control(int ignore)
{
	static const int sigs[] = { SIGTSTP, SIGTTIN, SIGTTOU };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], ignore ? SIG_IGN : SIG_DFL);
}

uint64_t tool_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tool_progress_start(struct tool_progress *pg, int quiet)
{
	const char *e = getenv("MEMFORENSIC_PROGRESS_MS");
	char *end;
	unsigned long ms = e ? strtoul(e, &end, 10) : 1000;

	if (!e || !*e || *end || ms > 3600000)
		ms = 1000;
	pg->on = !quiet && isatty(STDERR_FILENO);
	pg->start_ns = tool_mono_ns();
	pg->last_ns = 0;
	pg->after_ns = (uint64_t)ms * 1000000u;
}

void tool_progress_show(struct tool_progress *pg, const char *fmt, ...)
{
	uint64_t now;
	va_list ap;

	if (!pg->on)
		return;
	now = tool_mono_ns();
	if (now - pg->start_ns < pg->after_ns ||
	    now - pg->last_ns < 200000000u)
		return;
	pg->last_ns = now;
	fprintf(stderr, "\r%s: ", tool_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ", %.1f s ", (now - pg->start_ns) / 1e9);
}

void tool_progress_clear(struct tool_progress *pg)
{
	if (pg->on && pg->last_ns)
		fprintf(stderr, "\r\033[K");
	pg->last_ns = 0;
}
