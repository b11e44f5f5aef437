/*
 * What every memforensic command shares: its name in messages, the exit
 * codes, choosing the output format, and finishing the output cleanly.
 * Tools own all I/O; the library never prints.
 */
#ifndef FX_TOOL_H
#define FX_TOOL_H

#include <signal.h>
#include <stdint.h>

#include "forensic.h"

/* Exit codes (README, "Exit status"). */
#define EXIT_DONE 0
#define EXIT_PARTIAL 1
#define EXIT_FAILED 2
#define EXIT_USAGE 64

/* The command's name, for messages. */
extern const char *tool_name;

/* Set the name, ignore SIGPIPE (writes then fail with EPIPE, and the tool
 * stops quietly) and SIGXFSZ (EFBIG), make own memory not dumpable. */
void tool_init(const char *name);

/* "NAME: message" on stderr, printf-style. */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tool_warn each newline-ended line of text (NULL: none). */
void tool_warn_lines(const char *text);

/* Each newline-ended line of text to stderr as it is, what is not
 * printable escaped (it may quote the target's bytes). */
void tool_print_lines(const char *text);

/* tool_warn, then exit(EXIT_USAGE) with a pointer to --help. */
void tool_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Format options shared by every command: --tsv --json --table. */
#define TOOL_FORMAT_OPTIONS                                                    \
	{ "tsv", no_argument, NULL, 0x100 + FX_FMT_TSV },                      \
	{ "json", no_argument, NULL, 0x100 + FX_FMT_JSON },                    \
	{ "table", no_argument, NULL, 0x100 + FX_FMT_TABLE }

/* The default format: a table on a terminal, TSV otherwise. */
enum fx_format tool_default_format(void);

/*
 * Flush w and check stdout: an EPIPE is quiet, another write error is
 * reported. Returns status, or EXIT_FAILED after a write error (or
 * EXIT_DONE after EPIPE: the reader wanted no more).
 */
int tool_finish(struct fx_writer *w, int status);

/* Print a help text to stdout and exit 0. */
void tool_help(const char *text) __attribute__((noreturn));

/*
 * A pid argument, "PID" or "PID@STARTTIME" (fx_pid_parse): the pid, with
 * *starttime set (0 when not pinned). Exits with a usage error when bad.
 */
int tool_pid_arg(const char *s, unsigned long long *starttime);

/*
 * Open process pid, pinned to starttime (when nonzero), saying why not
 * in one line: no such process, permission, or a pid now naming another
 * process. 0 or the negative errno.
 */
int tool_proc_open(struct fx_proc *p, int pid, unsigned long long starttime);

/* tool_proc_open's message for its error r (none when r is 0). */
void tool_proc_warn(int pid, unsigned long long starttime, int r);

struct fx_memsrc;

/*
 * Open the process arg names: a live PID[@STARTTIME] (p opened too;
 * release it when p->dirfd >= 0), a dump directory or an ELF core
 * (p->dirfd -1). 0, or 2 when it cannot be opened (said). msflags: for
 * a live process, fx_memsrc_open_live's (FX_MS_LATE_SMAPS).
 */
int tool_memsrc_open(struct fx_memsrc *ms, struct fx_proc *p, const char *arg,
		     int msflags);


/*
 * getopt_long returned c, '?' or ':' (the option string begins with ':'):
 * one line saying which option is unknown, with the closest long option
 * ("did you mean --chunks?"), or which needs a value; exit(EXIT_USAGE).
 */
struct option;
void tool_bad_option(int c, char **argv, const struct option *longopts)
	__attribute__((noreturn));

/* Parse a decimal option value; exits with a usage error when bad. */
unsigned long tool_parse_ulong(const char *opt, const char *s);

/* The signal that asked us to stop (SIGINT, SIGTERM, SIGHUP, SIGALRM),
 * once tool_catch_signals() set handlers for them; else 0. */
extern volatile sig_atomic_t tool_stop_sig;
void tool_catch_signals(void);

/*
 * While a target is frozen, a Ctrl-Z (or a background read of the tty)
 * must not stop us: the target would stay frozen as long as we do. The
 * job-control stop signals are ignored (ignore 1) from before the freeze
 * to after the thaw (0). (SIGSTOP cannot be ignored: a pause limit
 * bounds the freeze only while we run.)
 */
void tool_job_control(int ignore);

/* CLOCK_MONOTONIC, in ns. */
uint64_t tool_mono_ns(void);

/* A progress line on stderr, when it is a terminal: shown once a step
 * has run a second, redrawn at most every 200 ms, erased before any
 * other output. */
struct tool_progress {
	int on;
	uint64_t start_ns, last_ns, after_ns;
};

/* Start timing a step; no line at all when quiet or stderr is no tty.
 * The first line after a second (MEMFORENSIC_PROGRESS_MS: after that
 * many ms, for tests whose steps a faster build made short). */
void tool_progress_start(struct tool_progress *pg, int quiet);
/* Draw "\rNAME: TEXT" when due. */
void tool_progress_show(struct tool_progress *pg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Erase the line, if one is shown. */
void tool_progress_clear(struct tool_progress *pg);

#endif
