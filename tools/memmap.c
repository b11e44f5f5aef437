/*
 * memmap: what is mapped in a process, how big, how resident.
 * One region record per mapping (columns in DESIGN.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "held.h"
#include "tool.h"

static const char help[] =
"usage: memmap [options] PID...\n"
"       memmap [options] --from FILE\n"
"\n"
"List the memory regions of live processes as region records: one line per\n"
"mapping with its addresses, permissions, file, and the kernel's figures\n"
"from /proc/PID/smaps (rss, pss, swap, ... in bytes; '-' where the kernel\n"
"gives none). The target is never stopped; nothing but /proc is read.\n"
"\n"
"  --from FILE   read a saved text instead of a live pid: smaps, maps or\n"
"                smaps_rollup, captured with 'cat /proc/PID/smaps > FILE'\n"
"                ('-' reads stdin)\n"
"  --pid N       the pid to put in records read with --from (default '-');\n"
"                N@STARTTIME puts its start time too (column starttime)\n"
"  --rollup      one totals record per pid, from smaps_rollup (cheap)\n"
"  --fast        read maps only: no figures, no page-table walk\n"
"  -v, --verbose report how long the kernel held the target's mm lock\n"
"  --read-size N read() size for smaps, in bytes (default 2560)\n"
"  --tsv, --json, --table   output format (default: table on a terminal,\n"
"                TSV otherwise)\n"
"  -h, --help    this text;  --version   the version\n"
"\n"
"Reading smaps makes the kernel walk the target's page tables while it\n"
"holds the target's mm lock: the process cannot map, unmap or fault in\n"
"new pages meanwhile (seconds on a process of hundreds of GiB). Use\n"
"--rollup or --fast when the per-region figures are not needed.\n"
"\n"
"A PID may be written PID@STARTTIME (stat field 22): that process or\n"
"none, never one that got its pid after it exited.\n"
"\n"
"Examples:\n"
"  memmap 4242 | rank -n 5              the five most resident regions\n"
"  memmap --rollup $(pgrep -d' ' java)   one total per JVM\n"
"  cat /proc/4242/smaps > s.txt; memmap --from s.txt --pid 4242\n"
"\n"
"Exit status: 0 done, 1 partial (some pid unreadable), 2 failed, 64 usage.\n"
"Permissions: the process owner or root (CAP_SYS_PTRACE).\n";

struct opts {
	const char *from;
	long pid;
	unsigned long long starttime;	/* of --pid N@STARTTIME, else 0 */
	int rollup, fast, verbose;
	size_t read_size;
};

/* Write the first n regions of m; 0 or -errno from the output. */
static int emit(struct fx_writer *w, long pid, unsigned long long starttime,
		const struct fx_maps *m, size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && !r; i++)
		r = fx_region_write(w, pid, starttime, &m->r[i]);
	return r;
}

/*
 * What the parser said about a whole text: 0 fine, 1 a malformed line
 * (the regions before it stand), -1 nothing to show. Warns.
 */
static int parsed(const char *what, const struct fx_maps *m, int r,
		  const struct fx_err *err)
{
	if (r && r != -EBADMSG) {
		tool_warn("%s: %s", what, strerror(-r));
		return -1;
	}
	if (r)
		tool_warn("%s: line %lu: %s", what, err->line, err->msg);
	if (m->overlaps)
		tool_warn("%s: %lu regions start before the previous one ends "
			  "(the map changed while it was read)",
			  what, m->overlaps);
	return r ? 1 : 0;
}

static int from_file(struct fx_writer *w, const struct opts *o)
{
	struct fx_err err = { 0, "" };
	struct fx_maps m;
	struct fx_buf b;
	int fd, r, bad;

	fx_buf_init(&b);
	fd = strcmp(o->from, "-") == 0 ? STDIN_FILENO :
					 open(o->from, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tool_warn("cannot open '%s': %s", o->from, strerror(errno));
		return EXIT_FAILED;
	}
	r = fx_buf_read_fd(&b, fd);
	if (fd != STDIN_FILENO)
		close(fd);
	if (r) {
		tool_warn("cannot read '%s': %s", o->from, strerror(-r));
		fx_buf_release(&b);
		return EXIT_FAILED;
	}
	fx_maps_init(&m);
	r = fx_maps_parse(&m, b.data ? b.data : "", b.len, &err);
	fx_buf_release(&b);
	bad = parsed(o->from, &m, r, &err);
	r = bad < 0 ? 0 : emit(w, o->pid, o->starttime, &m, m.n);
	fx_maps_release(&m);
	if (r < 0)
		return r;
	return bad ? EXIT_PARTIAL : EXIT_DONE;
}

/* Where fx_proc_parse_map hands the regions of a pid: held records. */
struct sink {
	struct fx_writer *w;
	long pid;
	unsigned long long starttime;
	int err;		/* the output's error */
};

static int to_sink(void *arg, struct fx_maps *m, size_t n)
{
	struct sink *s = arg;

	s->err = emit(s->w, s->pid, s->starttime, m, n);
	return s->err;
}

/*
 * One live pid: 0 done, 1 failed (reported), or -errno from the output.
 * Its records are held (held.h) until its map is known whole; a table,
 * or when nothing can be held, keeps the regions until the read is
 * checked.
 */
static int one_pid(struct fx_writer *w, struct fx_held *h,
		   const struct opts *o, int pid, unsigned long long start)
{
	const char *file = o->rollup ? "smaps_rollup" : o->fast ? "maps" :
							   "smaps";
	struct sink s = { h->fd >= 0 ? &h->w : NULL, pid, 0, 0 };
	struct fx_map_parse mp;
	struct fx_proc p;
	char what[64];
	int r, bad = 0;

	r = tool_proc_open(&p, pid, start);
	if (r) {
		return 1;
	}
	s.starttime = p.starttime;
	snprintf(what, sizeof(what), "/proc/%d/%s", pid, file);
	fx_map_parse_init(&mp, s.w ? to_sink : NULL, &s);
	r = fx_proc_parse_map(&p, file, o->fast ? 0 : o->read_size, &mp);
	if (s.err)
		goto out;	/* the output failed: said once, in main */
	/* A process that dies mid-read ends its text early: check it is
	 * still there after the read, or the map may be cut short. */
	if (r == 0 && mp.st.bytes && fx_proc_check(&p))
		r = -ESRCH;
	if (r == -ESRCH) {
		tool_warn("process %d exited while its map was read", pid);
	} else if (r == -EACCES || r == -EPERM) {
		tool_warn("cannot read '%s': %s (run as the process owner or "
			  "root)", what, strerror(-r));
	} else if (r) {
		tool_warn("cannot read '%s': %s", what, strerror(-r));
	} else if (mp.st.bytes == 0) {
		tool_warn("process %d has no memory map (%s)", pid,
			  p.state == 'Z' ? "a zombie" : "a kernel thread");
		r = 1;
	} else {
		bad = parsed(what, &mp.m, mp.perr, &mp.err);
		r = bad < 0;
	}
	if (o->verbose && !r)
		tool_warn("pid %d: %s: %llu bytes in %lu reads of %zu bytes; "
			  "the kernel held the mm lock %.1f ms in all, "
			  "%.2f ms at most",
			  pid, file, (unsigned long long)mp.st.bytes,
			  mp.st.nreads, o->fast ? (size_t)65536 : o->read_size,
			  mp.st.total_ns / 1e6, mp.st.max_ns / 1e6);
	if (!r && !s.w)
		s.err = emit(w, pid, p.starttime, &mp.m, mp.m.n);
out:
	if (s.w && !s.err)
		s.err = fx_held_end(h, STDOUT_FILENO, !r);
	fx_map_parse_release(&mp);
	fx_proc_release(&p);
	if (s.err)
		return s.err;
	return r ? 1 : bad;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "pid", required_argument, NULL, 'p' },
		{ "rollup", no_argument, NULL, 'r' },
		{ "fast", no_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "read-size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		TOOL_FORMAT_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { NULL, -1, 0, 0, 0, 0, FX_SMAPS_READ_SIZE };
	enum fx_format fmt = tool_default_format();
	struct fx_writer w;
	struct fx_held h;
	int c, i, r = 0, failed = 0, done = 0, status, pid;
	unsigned long long start;

	tool_init("memmap");
	while ((c = getopt_long(argc, argv, ":hvV", lopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.from = optarg; break;
		case 'p': o.pid = tool_pid_arg(optarg, &o.starttime); break;
		case 'r': o.rollup = 1; break;
		case 'F': o.fast = 1; break;
		case 'v': o.verbose = 1; break;
		case 's':
			o.read_size = tool_parse_ulong("--read-size", optarg);
			if (o.read_size < 64 || o.read_size > (1 << 24))
				tool_usage_error("--read-size must be between "
						 "64 and 16777216");
			break;
		case 'h': tool_help(help);
		case 'V': puts("memmap " FX_VERSION); return EXIT_DONE;
		default:
			if (c >= 0x100 && c <= 0x100 + FX_FMT_TABLE) {
				fmt = (enum fx_format)(c - 0x100);
				break;
			}
			tool_bad_option(c, argv, lopts);
		}
	}
	if (o.rollup && o.fast)
		tool_usage_error("--rollup and --fast exclude each other");
	if (o.from && optind < argc)
		tool_usage_error("give pids or --from FILE, not both");
	if (!o.from && optind == argc)
		tool_usage_error("no pid given");
	for (i = optind; i < argc; i++)
		tool_pid_arg(argv[i], &start);

	fx_writer_init(&w, STDOUT_FILENO, fmt);
	if (fx_writer_columns(&w, fx_region_cols, fx_region_ncols)) {
		tool_warn("out of memory");
		return EXIT_FAILED;
	}
	if (o.from) {
		status = from_file(&w, &o);
		if (status < 0)
			status = EXIT_FAILED;
		status = tool_finish(&w, status);
		fx_writer_release(&w);
		return status;
	}
	fx_held_init(&h, fmt, fx_region_cols, fx_region_ncols);
	for (i = optind; i < argc && r >= 0; i++) {
		pid = tool_pid_arg(argv[i], &start);
		r = one_pid(&w, &h, &o, pid, start);
		if (r > 0)
			failed++;
		else if (r == 0)
			done++;
	}
	status = failed == 0 ? EXIT_DONE : done ? EXIT_PARTIAL : EXIT_FAILED;
	if (r < 0 && r != -EPIPE) {
		tool_warn("cannot write output: %s", strerror(-r));
		status = EXIT_FAILED;
	}
	status = tool_finish(&w, status);
	fx_writer_release(&w);
	fx_held_release(&h);
	return status;
}
