/*
 * dump-region: a copy of exactly the bytes that matter, without hurting the
 * service. Region records in (stdin, or PID and selectors), a dump
 * directory out (layout in libforensic/dumpdir.h), and the same records on
 * stdout with `file sha256 holes` added.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dumpcheck.h"
#include "core.h"
#include "dump.h"
#include "dumpdir.h"
#include "freeze.h"
#include "plan.h"
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
"                        need the target stopped, so this freezes it; file\n"
"                        pages not in memory (not swapped) are read from\n"
"                        the mapped file after the thaw\n"
"      --mode MODE       live (default): no ptrace, the target never stops,\n"
"                        the copy is not atomic (pages may change while it\n"
"                        is read); freeze: every thread stopped for a\n"
"                        consistent copy and restored exactly as it was\n"
"                        (a stopped target stays stopped), pause reported\n"
"      --max-pause SEC   freeze: let the target go after SEC seconds and\n"
"                        stop the dump there (default 30)\n"
"      --accept-eintr    freeze even threads waiting in epoll_wait, which\n"
"                        the stop ends with EINTR (else freeze refuses)\n"
"      --check           dump nothing: run every check that would refuse\n"
"                        this dump (ptrace access; with freeze or --core a\n"
"                        tracer, epoll_wait, vfork; the output's directory,\n"
"                        free space), one line each; exit 0 or 2\n"
"      --include-dontdump  also dump regions marked MADV_DONTDUMP\n"
"      --force           write even when the plan says it will not fit\n"
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

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

struct opts {
	const char *out, *core;
	int freeze, include_dd, force, quiet, use_scan, no_hash, zstd;
	int accept_eintr;	/* freeze despite threads in epoll_wait */
	int check;		/* --check: refusals only, nothing dumped */
	int eintr;		/* how many there were, once frozen */
	int told;		/* freeze() explained its failure */
	int werr;		/* the dump could not be written: removed */
	unsigned long max_pause;
	enum fx_format fmt;
};

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A progress line on stderr, when it is a terminal. */
struct progress {
	uint64_t total, last_ns, start_ns;
	int on;
};

static void show_progress(void *arg, uint64_t done)
{
	struct progress *pg = arg;
	char d[16], t[16];
	uint64_t now = mono_ns();

	if (!pg->on || now - pg->last_ns < 200000000u)
		return;
	pg->last_ns = now;
	fx_human_size(done, d, sizeof(d));
	fx_human_size(pg->total, t, sizeof(t));
	fprintf(stderr, "\rdump-region: %s of %s mapped (%.0f%%), %.1f s ",
		d, t, pg->total ? 100.0 * done / pg->total : 100.0,
		(now - pg->start_ns) / 1e9);
}

static void end_progress(struct progress *pg)
{
	if (pg->on && pg->last_ns)
		fprintf(stderr, "\r\033[K");
}

/*
 * While the target is frozen, a Ctrl-Z (or a background read of the tty)
 * must not stop us: the target would stay frozen as long as we do. The
 * job-control stop signals are ignored from before the freeze to after
 * the thaw. (SIGSTOP cannot be ignored: --max-pause bounds the freeze
 * only while we run.)
 */
static void job_control(int ignore)
{
	static const int sigs[] = { SIGTSTP, SIGTTIN, SIGTTOU };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], ignore ? SIG_IGN : SIG_DFL);
}

static void alarm_in(unsigned long sec)
{
	struct itimerval it = { { 0, 0 }, { (time_t)sec, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* Why PTRACE_SEIZE was refused, as precisely as /proc tells. */
static void warn_eperm(struct fx_proc *p)
{
	int t = fx_proc_tracer(p);

	if (t > 0)
		tool_warn("cannot freeze pid %d: it is traced by pid %d "
			  "already (a debugger or strace: detach it, or use "
			  "--mode live)", p->pid, t);
	else
		tool_warn("cannot freeze pid %d: %s (ptrace refused: run as "
			  "its owner or root, check Yama's ptrace_scope, or "
			  "use --mode live)", p->pid, strerror(EPERM));
}

/*
 * Freeze p: its threads get STOP_MS to stop (or --max-pause, if shorter).
 * A thread in uninterruptible sleep may never stop (a vfork parent waits
 * for its child: RELIABILITY T13); the others must not wait for it.
 */
#define STOP_MS 2000

static int freeze(struct opts *o, struct fx_freeze *fz, struct fx_proc *p)
{
	int ms = o->max_pause * 1000 < STOP_MS ? (int)o->max_pause * 1000 :
						 STOP_MS;
	struct fx_freeze_risk k = { 0, 0, 0, 0 };
	int r;

	fx_freeze_risks(p, &k);	/* unreadable: no risk known */
	/* RELIABILITY T9: a stop ends epoll_wait with EINTR. */
	if (k.eintr && !o->accept_eintr) {
		tool_warn("cannot freeze pid %d: %d thread%s (thread %d...) "
			  "wait%s in epoll_wait, which a ptrace stop ends "
			  "with EINTR (ptrace(2), BUGS): a program that takes "
			  "that for an error would fail; --accept-eintr to "
			  "freeze anyway, or --mode live (no stop)", p->pid,
			  k.eintr, k.eintr > 1 ? "s" : "", k.eintr_tid,
			  k.eintr > 1 ? "" : "s");
		return -ECANCELED;
	}
	o->eintr = k.eintr;
	if (k.vfork) {
		tool_warn("cannot freeze pid %d: thread %d waits in vfork for "
			  "its child to exec or exit (state D): no ptrace stop "
			  "reaches it until then; try again, or --mode live "
			  "(no stop)", p->pid, k.vfork_tid);
		return -ECANCELED;
	}
	r = fx_freeze(fz, p, ms, &stop_sig);

	if (r == -EPERM)
		warn_eperm(p);
	o->told = r == -EPERM || r == -ETIMEDOUT;
	if (r == -ETIMEDOUT)
		tool_warn("cannot freeze pid %d: thread %d did not stop within "
			  "%d ms (state %c%s); the target was let go as it "
			  "was; --mode live copies without stopping it",
			  p->pid, fz->stuck_tid, ms,
			  fz->stuck_state ? fz->stuck_state : '?',
			  fz->stuck_state == 'D' ?
				  ": uninterruptible sleep, as a vfork parent "
				  "waiting for its child" : "");
	return r;
}

/* The plan on stderr and the free-space check, where fd writes (the
 * dump directory or the core). 0 or EXIT_FAILED. */
static int plan(const struct opts *o, const struct fx_dumpplan *pl, int fd,
		const char *where)
{
	struct statvfs sv;
	uint64_t free_b = fstatvfs(fd, &sv) ? 0 : sv.f_bavail * sv.f_frsize;
	uint64_t v[5] = { pl->present, pl->mapped, free_b, pl->fill,
			  pl->present + pl->fill };
	char h[5][16];
	int i;

	for (i = 0; i < 5; i++)
		fx_human_size(v[i], h[i], 16);
	if (!o->quiet)
		tool_warn("plan: pid %d, %zu regions (%zu skipped), %s mapped, "
			  "%s present to copy%s%s%s; %s free for '%s'", pl->pid,
			  pl->n, pl->nskip, h[1], h[0], o->core ? ", at most " :
			  "", o->core ? h[3] : "", o->core ? " from mapped "
			  "files after the thaw" : "", h[2], where);
	if (free_b && fx_dumpplan_need(pl) > free_b && !o->force) {
		tool_warn("cannot dump pid %d: %s to write, %s free on '%s' "
			  "(free space, pick another -o, or --force)",
			  pl->pid, h[4], h[2], where);
		return EXIT_FAILED;
	}
	return 0;
}

/* Why a process's memory went away: it is still there (its /proc
 * directory, opened first, reads) after an execve, not after an exit. */
static const char *exec_or_exit(struct fx_proc *p)
{
	char st = fx_proc_task_state(p, p->pid);

	return st && st != 'Z' && st != 'X' ?
		       "ran execve (the old program's memory is gone; none of "
		       "the new one's was taken)" :
		       "exited";
}

/* The dump could not be written whole: say it once; main removes it. */
static void out_failed(struct opts *o, const char *file, int err)
{
	if (!o->werr++)
		tool_warn("cannot write '%s/%s': %s (the dump is removed)",
			  o->out, file, strerror(-err));
}

/* Dump one pid's selections. Returns an exit status. */
static int dump_pid(struct opts *o, struct fx_dumpdir *dd,
		    struct fx_selection *sel, int pid, struct fx_writer *idx,
		    struct fx_writer *out)
{
	struct fx_dumpplan pl;
	struct fx_capture cap;
	struct fx_freeze fz;
	struct fx_proc p;
	char name[64];
	int r, status = EXIT_DONE, frozen = 0, remade = 0;
	char eintr_note[200];

	memset(&cap, 0, sizeof(cap));
	memset(&fz, 0, sizeof(fz));
	if (tool_proc_open(&p, pid, sel->pin))
		return EXIT_PARTIAL;
	r = fx_dumpplan_make(&pl, &p, sel, o->include_dd);
	pl.no_hash = o->no_hash;
	if (!r && (status = plan(o, &pl, dd->dirfd, dd->path)))
		goto done;
	if (!r && o->freeze) {
		job_control(1);
		r = freeze(o, &fz, &p);
		if (!r) {
			frozen = 1;
			alarm_in(o->max_pause);
			/* Under the freeze the map holds still: check it. */
			r = fx_dumpplan_refresh(&pl, &remade);
			/* Hash after the thaw: the pause is the copy alone. */
			pl.defer_hash = 1;
		}
	}
	if (!r) {
		struct progress pg = { .total = pl.mapped,
				       .start_ns = mono_ns(),
				       .on = !o->quiet && isatty(STDERR_FILENO) };

		pl.progress = show_progress;
		pl.progress_arg = &pg;
		dd->pid = pid;
		r = fx_dumpplan_run(&pl, dd, o->use_scan, &stop_sig, &cap);
		end_progress(&pg);
	}
	if (frozen) {
		alarm_in(0);
		if (fx_freeze_thaw(&fz))
			tool_warn("pid %d: a thread could not be let go "
				  "cleanly; check its state", pid);
	}
	if (o->freeze)
		job_control(0);
	if (pl.defer_hash && fx_dumpplan_rehash(&pl, dd->dirfd, -1))
		tool_warn("pid %d: cannot hash some region files: their sha256 "
			  "is '-'", pid);
	if (o->zstd && pl.n) {
		size_t kept;
		int zr = fx_dumpplan_compress(&pl, dd, 3, &kept);

		if (zr)
			tool_warn("pid %d: cannot compress a region file: %s "
				  "(left uncompressed)", pid, strerror(-zr));
		if (kept && !o->quiet)
			tool_warn("pid %d: %zu regions with more than 16 GiB of "
				  "holes stay sparse .bin files", pid, kept);
	}
	cap.mode = o->freeze ? "freeze" : "live";
	cap.pause_ns = fx_freeze_pause_ns(&fz);
	cap.tool = "dump-region " FX_VERSION;
	cap.compression = o->zstd ? "zstd" : NULL;
	cap.note = o->freeze ? (frozen && !r ? "consistent: every thread "
					       "stopped during the copy" :
					       "not consistent: the freeze "
					       "did not hold") :
			       "live: the target ran during the copy; "
			       "pages may differ in time";
	if (frozen && o->eintr) {
		snprintf(eintr_note, sizeof(eintr_note), "%s; %d thread%s in "
			 "epoll_wait got EINTR from the freeze "
			 "(--accept-eintr)", cap.note, o->eintr,
			 o->eintr > 1 ? "s" : "");
		cap.note = eintr_note;
		tool_warn("pid %d: %s", pid, eintr_note);
	}
	cap.interrupted = r == -EINTR;
	if (frozen && !o->quiet)
		tool_warn("pid %d: stopped for %.1f ms (%zu threads, "
			  "%s before), now %s again",
			  pid, cap.pause_ns / 1e6, fz.n,
			  fz.was_stopped ? "stopped" : "running",
			  fz.was_stopped ? "stopped" : "running");
	if (r == -EINTR)
		tool_warn("pid %d: %s: the dump stopped early, the target was "
			  "let go; '%s' lists what was captured",
			  pid, stop_sig == SIGALRM ? "--max-pause reached" :
						     strsignal(stop_sig),
			  dd->path);
	else if (r == -ESRCH)
		tool_warn("pid %d %s during the dump; '%s' holds what was "
			  "copied before", pid, exec_or_exit(&p), dd->path);
	else if (pl.failed)
		out_failed(o, pl.failed, r);
	else if (r && r != -ETIMEDOUT && r != -ECANCELED)
		tool_warn("cannot dump pid %d: %s", pid, strerror(-r));
	if (r)
		status = pl.n && fx_dumpplan_done(&pl) ? EXIT_PARTIAL :
							EXIT_FAILED;
	if (!r && fx_dumpplan_unmapped(&pl)) {
		tool_warn("pid %d: %zu of the regions asked for are no longer "
			  "mapped (records older than the process's map?)",
			  pid, fx_dumpplan_unmapped(&pl));
		status = EXIT_PARTIAL;
	}
	fx_dumpplan_skipped(&pl, &cap);
	/* Written after the thaw: a slow reader never lengthens a pause. */
	if (fx_dumpplan_write(&pl, idx, out, dd->path) && !status)
		status = EXIT_PARTIAL;
	if (idx->err)
		out_failed(o, "regions.tsv", idx->err);
	if (pl.n && !o->werr) {
		struct fx_buf js;

		fx_buf_init(&js);
		/* The first process is process.json, others process-PID. */
		if (dd->nprocs++)
			snprintf(name, sizeof(name), "process-%d.json", pid);
		else
			snprintf(name, sizeof(name), "process.json");
		r = fx_capture_json(&js, &p, &cap);
		if (r || (r = fx_dumpdir_write(dd, name, js.data, js.len)))
			out_failed(o, name, r);
		fx_buf_release(&js);
	}
done:
	fx_buf_release(&cap.skipped);
	fx_freeze_release(&fz);
	fx_dumpplan_release(&pl);
	fx_proc_release(&p);
	return status;
}

/* --core: one process, frozen, into one ELF core file. */
static int dump_core(struct opts *o, struct fx_selection *sel)
{
	struct fx_core_stats st;
	struct fx_dumpplan pl;
	struct fx_dumper d;
	struct fx_freeze fz;
	struct fx_proc p;
	const char *why;
	int fd, r, pid = (int)sel->pid[0], remade = 0, frozen = 0;

	if (sel->npids > 1) {
		tool_warn("a core holds one process: the records name %zu",
			  sel->npids);
		return EXIT_USAGE;
	}
	memset(&fz, 0, sizeof(fz));
	memset(&pl, 0, sizeof(pl));
	if (tool_proc_open(&p, pid, sel->pin))
		return EXIT_FAILED;
	fd = fx_core_create(o->core, &why);
	if (fd < 0) {
		tool_warn("cannot create core '%s': %s%s", o->core,
			  why ? why : strerror(-fd),
			  fd == -EEXIST ? " (never written over: pick a new "
					  "name)" : "");
		fx_proc_release(&p);
		return EXIT_FAILED;
	}
	r = fx_dumpplan_make(&pl, &p, sel, o->include_dd);
	fx_core_plan(&pl);
	if (!r && plan(o, &pl, fd, o->core)) {
		r = -ECANCELED;	/* said */
		goto out;
	}
	job_control(1);
	if (!r)
		r = freeze(o, &fz, &p);
	if (!r) {
		frozen = 1;
		alarm_in(o->max_pause);
		r = fx_dumpplan_refresh(&pl, &remade);
		if (!r)
			r = fx_dumper_init(&d, &p, o->use_scan, &stop_sig);
		if (!r) {
			d.no_hash = o->no_hash;
			d.defer_hash = pl.defer_hash = 1;
			r = fx_core_write(fd, &pl, &fz, &d, &st);
			fx_dumper_release(&d);
		}
		alarm_in(0);
		if (fx_freeze_thaw(&fz))
			tool_warn("pid %d: a thread could not be let go "
				  "cleanly; check its state", pid);
		/* Outside the pause: files read, hashes computed. */
		if (!r && !(r = fx_core_fill(fd, &pl, &st, &stop_sig)))
			fx_dumpplan_rehash(&pl, -1, fd);
	}
	job_control(0);
	if (frozen && o->eintr)
		tool_warn("pid %d: %d thread%s in epoll_wait got EINTR from the "
			  "freeze (--accept-eintr)", pid, o->eintr,
			  o->eintr > 1 ? "s" : "");
	if (frozen && !o->quiet)
		tool_warn("pid %d: stopped for %.1f ms (%zu threads), now %s "
			  "again", pid, fx_freeze_pause_ns(&fz) / 1e6, fz.n,
			  fz.was_stopped ? "stopped" : "running");
	if (!r && !o->quiet)
		tool_warn("core '%s': %zu threads, %zu segments, %.1f MiB "
			  "captured, %.1f MiB from mapped files, %.1f MiB of "
			  "holes (sparse)", o->core, st.nthreads, st.nload,
			  st.captured / 1048576.0, st.filled / 1048576.0,
			  (st.holes - st.filled) / 1048576.0);
out:
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r == -EPERM && !o->told)
		warn_eperm(&p);
	else if (r && r != -EPERM && r != -ETIMEDOUT && r != -ECANCELED)
		tool_warn("cannot write '%s': %s%s (the core is removed)",
			  o->core, strerror(-r), r == -EINTR &&
			  stop_sig == SIGALRM ? " (--max-pause reached)" : "");
	if (r)
		unlink(o->core);	/* ours (O_EXCL): a broken core helps nobody */
	fx_freeze_release(&fz);
	fx_dumpplan_release(&pl);
	fx_proc_release(&p);
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
		{ "include-dontdump", no_argument, NULL, 'D' },
		{ "check", no_argument, NULL, 'K' },
		{ "force", no_argument, NULL, 'F' },
		{ "sha256", no_argument, NULL, 'H' },
		{ "zstd", no_argument, NULL, 'Z' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		TOOL_FORMAT_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	/* No hash unless asked: on a production host, a second core
	 * busy for seconds is a cost the copy does not need. */
	struct opts o = { .max_pause = 30, .use_scan = 1, .no_hash = 1 };
	struct fx_selection sel;
	struct fx_writer idx, out;
	struct fx_dumpdir dd;
	char defdir[64];
	int c, r, i, status = EXIT_DONE, s;

	tool_init("dump-region");
	o.fmt = tool_default_format();
	while ((c = getopt_long(argc, argv, ":o:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'C': o.core = optarg; o.freeze = 1; break;
		case 'm':
			if (!strcmp(optarg, "freeze"))
				o.freeze = 1;
			else if (strcmp(optarg, "live"))
				tool_usage_error("--mode is live or freeze, "
						 "not '%s'", optarg);
			break;
		case 'P':
			o.max_pause = tool_parse_ulong("--max-pause", optarg);
			if (!o.max_pause)
				tool_usage_error("--max-pause must be > 0");
			break;
		case 'D': o.include_dd = 1; break;
		case 'E': o.accept_eintr = 1; break;
		case 'K': o.check = 1; break;
		case 'F': o.force = 1; break;
		case 'H': o.no_hash = 0; break;
		case 'Z': o.zstd = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': tool_help(help);
		case 'V': puts("dump-region " FX_VERSION); return 0;
		default:
			if (c >= 0x100 && c < 0x100 + 3) {
				o.fmt = (enum fx_format)(c - 0x100);
				break;
			}
			tool_bad_option(c, argv, longopts);
		}
	}
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
		return r == -EINVAL && optind < argc ? EXIT_USAGE : EXIT_FAILED;
	}
	if (!sel.n) {
		tool_warn("no regions selected: nothing to dump");
		return EXIT_FAILED;
	}
	if (o.check)
		return tool_dump_check(&sel, o.core ? o.core : o.out,
				       (o.freeze ? FX_CHECK_FREEZE : 0) |
				       (o.accept_eintr ? FX_CHECK_EINTR : 0) |
				       (o.core ? FX_CHECK_CORE : 0) |
				       (o.include_dd ? FX_CHECK_DONTDUMP : 0),
				       o.quiet);
	if (o.core) {
		catch_signals();
		r = dump_core(&o, &sel);
		fx_selection_release(&sel);
		return r;
	}
	if (!o.out) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		snprintf(defdir, sizeof(defdir), "dump-%ld-", sel.pid[0]);
		strftime(defdir + strlen(defdir), 20, "%Y%m%dT%H%M%S", &tm);
		o.out = defdir;
	}
	r = fx_dumpdir_create(&dd, o.out);
	if (r) {
		tool_warn("cannot create dump directory '%s': %s%s", o.out,
			  dd.why ? dd.why : strerror(-r),
			  r == -EEXIST ? " (dumps are never written over an "
					 "existing path: pick a new -o)" : "");
		return EXIT_FAILED;
	}
	fx_writer_init(&idx, dd.index_fd, FX_FMT_TSV);
	fx_writer_init(&out, STDOUT_FILENO, o.fmt);
	catch_signals();
	for (i = 0; i < (int)sel.npids && !stop_sig && !o.werr; i++) {
		s = dump_pid(&o, &dd, &sel, (int)sel.pid[i], &idx, &out);
		if (s > status)
			status = s;
	}
	if (idx.header_done && !o.werr && (r = fx_writer_flush(&idx)))
		out_failed(&o, "regions.tsv", r);
	/* Nothing dumped (T40: out of descriptors), or not whole (a full
	 * disk, RLIMIT_FSIZE): nothing is kept, no record is given. */
	if (!idx.header_done || o.werr)
		fx_dumpdir_discard(&dd);
	else if ((r = fx_dumpdir_close(&dd)))
		out_failed(&o, dd.failed, r);
	if (!idx.header_done || o.werr) {
		fx_writer_release(&out);
		status = status == EXIT_USAGE ? status : EXIT_FAILED;
	}
	fx_writer_release(&idx);
	fx_selection_release(&sel);
	return tool_finish(&out, status);
}
