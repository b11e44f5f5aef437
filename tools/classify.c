/*
 * classify: what every region of a process is, and what its glibc heap
 * holds. Region records with `class` and `detail`; --chunks, --threads,
 * --summary.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "threads.h"
#include "tool.h"

static const char help[] =
"usage: classify [options] PID...\n"
"\n"
"Say what every memory region of a live process is: its glibc malloc\n"
"heaps (main heap, arena heaps and their reserves, mmapped chunks), the\n"
"main and thread stacks and their guards, ELF code, rodata, data and bss,\n"
"anonymous executable memory (jit), shared memory, vdso... and 'anon' for\n"
"what stays unexplained. Region records with 'class' and 'detail' added.\n"
"On a HotSpot JVM (libjvm.so mapped), its own vmStructs tables, read from\n"
"its memory as the JDK's serviceability agent does, give jvm-heap (the\n"
"reserved Java heap and the collector), jvm-metaspace (class space,\n"
"metaspace, CDS archive), jvm-codecache (code heaps and their segment\n"
"maps) and the Java threads' stacks with their Java names: no NMT, no\n"
"restart, no attach.\n"
"No debug symbols needed; the target is never stopped nor written to,\n"
"and only pages present in its memory are read.\n"
"\n"
"  --chunks      walk the malloc heaps: one record per arena, chunk size\n"
"                and C++ type (from the vtable) with in-use and free counts\n"
"                (tcache and fastbin members count as free); corrupt heap\n"
"                metadata gives a 'corrupt at ADDR' record and exit 1\n"
"  --threads     one record per thread: its stack region and resident size\n"
"  --summary     totals per class and category: regions, bytes, committed\n"
"                (not PROT_NONE) and resident bytes, for heaps the bytes in\n"
"                use and free; on a JVM the categories are NMT's (Java\n"
"                Heap, Class, Metaspace, Shared class space, Code, Thread)\n"
"                beside malloc arenas, mmapped chunks, mapped files and the\n"
"                unexplained rest\n"
"  --list-classes  the classes it gives, one a line (what dump-on --class\n"
"                and rank --where class=... take)\n"
"  -v, --verbose the glibc version, arenas found, chunks walked; the JVM's\n"
"                version, collector, Java threads and classes\n"
"  --tsv, --json, --table   output format (default: table on a terminal,\n"
"                TSV otherwise)\n"
"  -h, --help    this text;  --version   the version\n"
"\n"
"A PID may be written PID@STARTTIME (stat field 22): that process or\n"
"none, never one that got its pid after it exited.\n"
"\n"
"Examples:\n"
"  classify 4242 | rank --group-by class         resident bytes per class\n"
"  classify --chunks 4242 | rank --by inuse_bytes -n 5   what fills the heap\n"
"  classify --threads 4242 | rank --by stack_rss\n"
"  classify --summary 4242                       like NMT's summary on a JVM\n"
"  classify 4242 | grep jvm-                     the JVM's own reservations\n"
"\n"
"Notes: mapped files are read through /proc/PID/map_files (CAP_SYS_ADMIN),\n"
"else at the path the maps line names in /proc/PID/root, only if that is\n"
"a regular file with the mapped dev:inode: a FIFO or another file swapped\n"
"in there is not read (detail 'not read: REASON').\n"
"\n"
"Exit status: 0 done, 1 partial (a pid unreadable, corrupt heap metadata,\n"
"a libjvm.so whose vmStructs tables cannot be read),\n"
"2 failed, 64 usage. Permissions: the process owner or root.\n";

enum mode { M_REGIONS, M_CHUNKS, M_THREADS, M_SUMMARY };

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One live pid: 0 done, 1 partial, 2 failed (reported), -errno output. */
static int one_pid(struct fx_writer *w, enum mode mode, int verbose, int pid,
		   unsigned long long start)
{
	struct fx_thread *t = NULL;
	struct fx_classify c;
	struct fx_livesrc ls;
	struct fx_heap_src src = { fx_livesrc_read, &ls };
	struct fx_maps m;
	struct fx_proc p;
	struct fx_err err = { 0, "" };
	struct fx_buf b;
	size_t nt = 0, i;
	int r, status = 0, tries;
	double t0;

	if (tool_proc_open(&p, pid, start))
		return 2;
	fx_buf_init(&b);
	fx_maps_init(&m);
	fx_classify_init(&c);
	r = fx_proc_read_map(&p, "smaps", &b, FX_SMAPS_READ_SIZE, NULL);
	if (!r && !b.len)
		r = -ESRCH;
	if (!r)
		r = fx_maps_parse(&m, b.data, b.len, &err);
	if (!r)
		r = fx_livesrc_open(&ls, &p, &m);
	if (r) {
		tool_warn("cannot read process %d: %s%s", pid, strerror(-r),
			  r == -EACCES || r == -EPERM ?
				  " (run as the process owner or root)" : "");
		fx_maps_release(&m);
		fx_buf_release(&b);
		fx_proc_release(&p);
		return 2;
	}
	if (fx_threads_read(&p, &t, &nt))
		status = 1;
	t0 = now_ms();
	for (tries = 1;; tries++) {
		r = fx_classify_run(&c, &m, &src, fx_proc_file_read, &p, t, nt);
		if (!r && (mode == M_CHUNKS || mode == M_SUMMARY))
			r = fx_classify_chunks(&c, &src);
		/* A heap in use may look corrupt for an instant (a chunk
		 * being split as it is read, a heap grown since the map was
		 * read): look twice more, map and memory afresh, before
		 * saying so. */
		if (r || !c.hs.nbad || tries == 3)
			break;
		fx_classify_release(&c);
		fx_classify_init(&c);
		fx_maps_release(&m);
		fx_maps_init(&m);
		fx_buf_reset(&b);
		r = fx_proc_read_map(&p, "smaps", &b, FX_SMAPS_READ_SIZE, NULL);
		if (!r)
			r = fx_maps_parse(&m, b.data, b.len, &err);
		if (r)
			break;
		ls.m = &m;
		ls.have_win = 0;
	}
	if (r) {
		tool_warn("process %d: %s", pid, strerror(-r));
		status = 1;
	}
	if (verbose) {
		tool_warn("pid %d: %s; %zu arenas, %zu heaps, %llu chunks "
			  "walked in %.1f ms (%d look%s); %llu pages read, %llu "
			  "not present",
			  pid, c.glibc_note[0] ? c.glibc_note : "no glibc",
			  c.hs.narenas, c.hs.nheaps,
			  (unsigned long long)c.hs.chunks,
			  now_ms() - t0, tries, tries > 1 ? "s" : "",
			  (unsigned long long)ls.pages_read,
			  (unsigned long long)ls.pages_absent);
	}
	if (c.jvm.found && (!c.jvm.ok || strstr(c.jvm.note, "not found"))) {
		tool_warn("process %d: %s: its Java heap, metaspace, code "
			  "cache or threads may show as anon", pid, c.jvm.note);
		status = 1;
	} else if (verbose && c.jvm.ok) {
		tool_warn("pid %d: %s; %zu Java threads, %llu classes walked",
			  pid, c.jvm.note, c.jvm.nt,
			  (unsigned long long)c.jvm.klasses);
	}
	for (i = 0; i < c.hs.nbad; i++) {
		tool_warn("process %d: corrupt heap metadata at 0x%llx: %s",
			  pid, (unsigned long long)c.hs.bad[i].addr,
			  c.hs.bad[i].why);
		status = 1;
	}
	if (ls.gone) {
		tool_warn("process %d exited during the walk", pid);
		status = 1;
	}
	if (!r) {
		if (mode == M_REGIONS)
			r = fx_classify_write_regions(&c, w, pid);
		else if (mode == M_CHUNKS)
			r = fx_classify_write_chunks(&c, w, pid);
		else if (mode == M_THREADS)
			r = fx_classify_write_threads(&c, w, pid);
		else
			r = fx_classify_write_summary(&c, w, pid);
	}
	fx_classify_release(&c);
	fx_livesrc_release(&ls);
	free(t);
	fx_maps_release(&m);
	fx_buf_release(&b);
	fx_proc_release(&p);
	return r < 0 ? r : status;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "chunks", no_argument, NULL, 'c' },
		{ "threads", no_argument, NULL, 't' },
		{ "summary", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "list-classes", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		TOOL_FORMAT_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	enum fx_format fmt = tool_default_format();
	enum mode mode = M_REGIONS;
	struct fx_writer w;
	int c, i, r = 0, failed = 0, partial = 0, nmode = 0, verbose = 0;
	int status, pid;
	unsigned long long start;

	tool_init("classify");
	while ((c = getopt_long(argc, argv, ":hvV", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': mode = M_CHUNKS; nmode++; break;
		case 't': mode = M_THREADS; nmode++; break;
		case 's': mode = M_SUMMARY; nmode++; break;
		case 'v': verbose = 1; break;
		case 'L': tool_list_classes();
		case 'h': tool_help(help);
		case 'V': puts("classify " FX_VERSION); return EXIT_DONE;
		default:
			if (c >= 0x100 && c <= 0x100 + FX_FMT_TABLE) {
				fmt = (enum fx_format)(c - 0x100);
				break;
			}
			tool_bad_option(c, argv, lopts);
		}
	}
	if (nmode > 1)
		tool_usage_error("--chunks, --threads and --summary exclude "
				 "each other");
	if (optind == argc)
		tool_usage_error("no pid given");
	for (i = optind; i < argc; i++)
		tool_pid_arg(argv[i], &start);
	fx_writer_init(&w, STDOUT_FILENO, fmt);
	for (i = optind; i < argc && r >= 0; i++) {
		pid = tool_pid_arg(argv[i], &start);
		r = one_pid(&w, mode, verbose, pid, start);
		failed += r == 2;
		partial += r == 1;
	}
	status = failed == argc - optind ? EXIT_FAILED :
		 failed || partial	 ? EXIT_PARTIAL :
					   EXIT_DONE;
	if (r < 0 && r != -EPIPE) {
		tool_warn("cannot write output: %s", strerror(-r));
		status = EXIT_FAILED;
	}
	status = tool_finish(&w, status);
	fx_writer_release(&w);
	return status;
}
