/*
 * dump-region: a copy of exactly the bytes that matter, without hurting the
 * service. Region records in (stdin, or PID and selectors), a dump
 * directory out (layout in libforensic/dumpdir.h), and the same records on
 * stdout with `file sha256 holes` added.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dumpcheck.h"
#include "dumpjob.h"
#include "select.h"
#include "tool.h"

static const char help[] =
"usage: dump-region [options] [PID [ADDR|START-END|NAME]...]\n"
"\n"
"Copy regions of a live process's memory into a dump directory: one sparse\n"
"file per region, regions.tsv (the region records with file, sha256 and\n"
"holes added), holes.tsv (what was not captured, and why) and\n"
"process.json. Only pages present in RAM are read (pagemap first), so the\n"
"target's RSS does not grow; absent and swapped pages become holes. Device\n"
"(io), userfaultfd and vvar mappings are never read; MADV_DONTDUMP regions\n"
"are skipped unless --include-dontdump.\n"
"\n"
"Regions come from records on stdin (any stream with pid, start and end\n"
"columns, e.g. from memmap | rank), or from PID and selectors: an address\n"
"(0x...) selects the region holding it, START-END exactly that range, a\n"
"NAME the regions of that name ([heap], a path, or a file's base name).\n"
"PID alone dumps every region.\n"
"\n"
"Options:\n"
"  -o, --output DIR      dump directory, created new (default\n"
"                        dump-PID-YYYYmmddTHHMMSS); never an existing path\n"
"      --core FILE       write an ELF core instead, that gdb opens (gdb EXE\n"
"                        FILE: info threads, bt, x/s); threads' registers\n"
"                        need the target stopped, so this freezes it (with\n"
"                        --mode snapshot only for the fork: every thread's\n"
"                        registers are saved then, the memory written from\n"
"                        the fork after the thaw); file pages not in memory\n"
"                        (not swapped) are read from the mapped file after\n"
"                        the thaw\n"
"      --mode MODE       live (default): no ptrace, the target never stops,\n"
"                        the copy is not atomic (pages may change while it\n"
"                        is read); freeze: every thread stopped for a\n"
"                        consistent copy and restored exactly as it was\n"
"                        (a stopped target stays stopped), pause reported\n"
"                        snapshot: stopped only while a fork is injected\n"
"                        into it (the kernel's fork: tens of ms per GiB\n"
"                        resident in 4 KiB pages, ~1 ms with huge pages);\n"
"                        the copy is read from that copy-on-write child,\n"
"                        which never runs, while the target runs, then the\n"
"                        child is killed and reaped inside the target (a\n"
"                        second short stop, no SIGCHLD); each page the\n"
"                        target writes meanwhile costs it a page copy and\n"
"                        a page of memory: refused when its writable\n"
"                        resident memory exceeds the free memory (plan)\n"
"                        unless --force; MADV_DONTFORK/WIPEONFORK regions\n"
"                        are holes; x86-64, no seccomp filter\n"
"      --max-pause SEC   freeze: let the target go after SEC seconds and\n"
"                        stop the dump there (default 30); snapshot: a\n"
"                        stop longer than SEC ends the dump after the fork\n"
"      --accept-eintr    freeze even threads waiting in epoll_wait, which\n"
"                        the stop ends with EINTR (else freeze refuses)\n"
"      --check           dump nothing: run every check that would refuse\n"
"                        this dump (ptrace access; with freeze or --core a\n"
"                        tracer, epoll_wait, vfork; the output's directory,\n"
"                        free space; with --sha256 libcrypto), one line\n"
"                        each; exit 0 or 2\n"
"      --include-dontdump  also dump regions marked MADV_DONTDUMP\n"
"      --force           write even when the plan says it will not fit\n"
"                        (the disk; snapshot: the memory)\n"
"      --zstd            compress each region file (FILE.bin.zst, holes as\n"
"                        zeros: zstd -d gives the sparse file back), after\n"
"                        the copy (and after the thaw in freeze mode)\n"
"      --sha256          also the SHA-256 of each region's captured bytes\n"
"                        (else sha256 is '-'): it costs about as much CPU\n"
"                        as the copy; in freeze mode it runs after the thaw\n"
"  -q, --quiet           no plan or summary on stderr\n"
"      --tsv, --json, --table  output format (default: table on a\n"
"                        terminal, TSV otherwise)\n"
"  -h, --help, --version\n"
"\n"
"A PID may be written PID@STARTTIME (stat field 22): that process or\n"
"none, never one that got its pid after it exited.\n"
"\n"
"Examples:\n"
"  dump-region 4242 '[heap]'                      # the heap, live\n"
"  memmap 4242 | rank -n 3 | dump-region -o case-17 | scan --strings --top 20\n"
"  dump-region --mode freeze -o case-18 4242 0x7f3a2c000000\n"
"  dump-region --mode snapshot -o case-21 4242     # consistent, ms of stop\n"
"  dump-region --core case-19.core 4242; gdb /proc/4242/exe case-19.core\n"
"  dump-region --sha256 -o case-20 4242 '[heap]'; cat case-20/holes.tsv\n"
"\n"
"Files are created 0600 in a 0700 directory, never over an existing file,\n"
"never through a symlink, never in a directory others may change (owned\n"
"by you or root, not writable by group or others unless sticky). Before\n"
"writing, the plan (regions, bytes present, free space) goes to stderr, and\n"
"a dump that would not fit is refused.\n"
"Needs ptrace access to the target (its owner, or root): /proc/PID/mem,\n"
"pagemap and, in freeze mode, PTRACE_SEIZE.\n"
"\n"
"Exit status: 0 done; 1 partial (a pid or region could not be read, or the\n"
"dump was interrupted: regions.tsv lists what was captured); 2 failed\n"
"(nothing is kept: also a dump that could not be written whole, past a\n"
"full disk or RLIMIT_FSIZE); 64 usage.\n";

static void alarm_in(unsigned long sec)
{
	struct itimerval it = { { 0, 0 }, { (time_t)sec, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

struct ui {
	int quiet;
	/* a progress line on stderr, when it is a terminal */
	uint64_t last_ns, start_ns;
	int on;
};

static void show_progress(struct ui *u, const struct fx_dumpjob *j)
{
	char d[16], t[16];
	uint64_t now = tool_mono_ns(), total = j->pl.mapped;

	if (!u->on || now - u->last_ns < 200000000u)
		return;
	u->last_ns = now;
	fx_human_size(j->done, d, sizeof(d));
	fx_human_size(total, t, sizeof(t));
	fprintf(stderr, "\rdump-region: %s of %s mapped (%.0f%%), %.1f s ",
		d, t, total ? 100.0 * j->done / total : 100.0,
		(now - u->start_ns) / 1e9);
}

/* Erase the progress line, if one is shown (it is drawn again later). */
static void clear_progress(struct ui *u)
{
	if (u->on && u->last_ns)
		fprintf(stderr, "\r\033[K");
	u->last_ns = 0;
}

/* The job's steps: signals, progress and messages, as dump-region does. */
static void on_event(struct fx_dumpjob *j, enum fx_dumpjob_event ev)
{
	struct ui *u = j->arg;
	const char *m;
	int info;

	switch (ev) {
	case FX_DJ_START: tool_catch_signals(); break;
	case FX_DJ_OPEN_FAILED:
		tool_proc_warn(j->pid, j->pin, j->err);
		break;
	case FX_DJ_FREEZING: tool_job_control(1); break;
	case FX_DJ_FROZEN: alarm_in(j->max_pause); break;
	case FX_DJ_THAWING: alarm_in(0); break;
	case FX_DJ_THAWED: tool_job_control(0); break;
	case FX_DJ_COPYING:
		u->last_ns = 0;
		u->start_ns = tool_mono_ns();
		u->on = !u->quiet && isatty(STDERR_FILENO);
		break;
	case FX_DJ_PROGRESS: show_progress(u, j); break;
	case FX_DJ_COPIED:
		clear_progress(u);
		u->on = 0;
		break;
	default:
		m = fx_dumpjob_message(j, ev, &info);
		if (m && !(info && u->quiet)) {
			clear_progress(u);	/* a message on a line of its own */
			tool_warn("%s", m);
		}
	}
}

/*
 * --check: run every check that would refuse job j's dump (fx_dump_check),
 * dumping nothing; one line each on
 * stderr (only the refusals when quiet). EXIT_DONE when none refuses,
 * else EXIT_FAILED. Here, not in tool.c: the checks pull in the dump
 * code (libelf, libzstd), which the other tools need not link.
 */
static int dump_check(const struct fx_dumpjob *j, int quiet)
{
	struct fx_checks cs;
	size_t i;
	int r;

	memset(&cs, 0, sizeof(cs));
	r = fx_dump_check(&cs, j->sel, j->core ? j->core : j->dir,
			  (j->freeze || j->snapshot ? FX_CHECK_FREEZE : 0) |
			  (j->accept_eintr ? FX_CHECK_EINTR : 0) |
			  (j->core ? FX_CHECK_CORE : 0) |
			  (j->include_dd ? FX_CHECK_DONTDUMP : 0) |
			  (!j->no_hash ? FX_CHECK_SHA256 : 0));
	for (i = 0; i < cs.n; i++) {
		const struct fx_check *c = &cs.c[i];

		if (c->refused && c->pid)
			tool_warn("cannot dump pid %d: %s", c->pid, c->text);
		else if (c->refused)
			tool_warn("cannot dump: %s", c->text);
		else if (!quiet && c->pid)
			tool_warn("check pid %d: %s: %s", c->pid, c->name,
				  c->text);
		else if (!quiet)
			tool_warn("check: %s: %s", c->name, c->text);
	}
	if (r < 0)
		tool_warn("cannot check: %s", strerror(-r));
	else if (!r && !quiet)
		tool_warn("check: nothing refuses this dump");
	fx_checks_release(&cs);
	return r ? EXIT_FAILED : EXIT_DONE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "core", required_argument, NULL, 'C' },
		{ "mode", required_argument, NULL, 'm' },
		{ "max-pause", required_argument, NULL, 'P' },
		{ "accept-eintr", no_argument, NULL, 'E' },
		{ "check", no_argument, NULL, 'K' },
		{ "include-dontdump", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'F' },
		{ "sha256", no_argument, NULL, 'H' },
		{ "zstd", no_argument, NULL, 'Z' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		TOOL_FORMAT_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const int exit_of[] = { [FX_DUMPJOB_DONE] = EXIT_DONE,
				       [FX_DUMPJOB_PARTIAL] = EXIT_PARTIAL,
				       [FX_DUMPJOB_FAILED] = EXIT_FAILED };
	struct ui u = { 0 };
	struct fx_dumpjob job;
	struct fx_selection sel;
	enum fx_format fmt;
	struct fx_writer out;
	char defdir[64];
	int c, r, status, check = 0;

	tool_init("dump-region");
	fx_dumpjob_init(&job);
	fmt = tool_default_format();
	while ((c = getopt_long(argc, argv, ":o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': job.dir = optarg; break;
		case 'C': job.core = optarg; job.freeze = 1; break;
		case 'm':
			job.freeze = !strcmp(optarg, "freeze");
			job.snapshot = !strcmp(optarg, "snapshot");
			if (!job.freeze && !job.snapshot &&
			    strcmp(optarg, "live"))
				tool_usage_error("--mode is live, freeze or "
						 "snapshot, not '%s'", optarg);
			break;
		case 'P':
			job.max_pause = tool_parse_ulong("--max-pause", optarg);
			if (!job.max_pause)
				tool_usage_error("--max-pause must be > 0");
			break;
		case 'D': job.include_dd = 1; break;
		case 'E': job.accept_eintr = 1; break;
		case 'K': check = 1; break;
		case 'F': job.force = 1; break;
		case 'H': job.no_hash = 0; break;
		case 'Z': job.zstd = 1; break;
		case 'q': u.quiet = 1; break;
		case 'h': tool_help(help);
		case 'V': puts("dump-region " FX_VERSION); return 0;
		default:
			if (c >= 0x100 && c < 0x100 + 3) {
				fmt = (enum fx_format)(c - 0x100);
				break;
			}
			tool_bad_option(c, argv, longopts);
		}
	}
	if (job.snapshot)
		job.freeze = 0;	/* --core set it: the core is the fork's */
	fx_selection_init(&sel);
	if (optind < argc)
		r = fx_selection_args(&sel, argc - optind, argv + optind);
	else if (isatty(STDIN_FILENO))
		tool_usage_error("give a PID, or region records on stdin");
	else
		r = fx_selection_read(&sel, STDIN_FILENO);
	if (r) {
		tool_warn("%s", sel.err.msg[0] ? sel.err.msg : strerror(-r));
		/* A bad pid or selector is usage; bad input is a failure. */
		status = r == -EINVAL && optind < argc ? EXIT_USAGE :
							 EXIT_FAILED;
		goto done;
	}
	if (!sel.n) {
		tool_warn("no regions selected: nothing to dump");
		status = EXIT_FAILED;
		goto done;
	}
	job.sel = &sel;
	if (check) {
		status = dump_check(&job, u.quiet);
		goto done;
	}
	job.tool = "dump-region " FX_VERSION;
	job.stop = &tool_stop_sig;
	job.report = on_event;
	job.arg = &u;
	if (job.core) {
		if (sel.npids > 1) {
			tool_warn("a core holds one process: the records name "
				  "%zu", sel.npids);
			status = EXIT_USAGE;
		} else {
			status = exit_of[fx_dumpjob_run(&job)];
		}
		goto done;
	}
	if (!job.dir) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		snprintf(defdir, sizeof(defdir), "dump-%ld-", sel.pid[0]);
		strftime(defdir + strlen(defdir), 20, "%Y%m%dT%H%M%S", &tm);
		job.dir = defdir;
	}
	fx_writer_init(&out, STDOUT_FILENO, fmt);
	job.records = &out;
	status = exit_of[fx_dumpjob_run(&job)];
	if (job.discarded)
		fx_writer_release(&out);
	status = tool_finish(&out, status);
	fx_writer_release(&out);
done:
	fx_selection_release(&sel);
	return status;
}
