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
#include <unistd.h>

#include "classify.h"
#include "freeze.h"
#include "jholders.h"
#include "mallocng.h"
#include "memsrc.h"
#include "pymalloc.h"
#include "stack.h"
#include "threads.h"
#include "tool.h"

static const char help[] =
"usage: classify [options] PID|DIR|CORE...\n"
"\n"
"Say what every memory region of a live process is: its glibc malloc\n"
"heaps (main heap, arena heaps and their reserves, mmapped chunks), musl\n"
"mallocng's heap (musl-heap), CPython's pymalloc arenas (pymalloc), the\n"
"main and thread stacks and their guards, ELF code, rodata, data and bss,\n"
"anonymous executable memory (jit), shared memory, vdso... and 'anon' for\n"
"what stays unexplained. Region records with 'class' and 'detail' added.\n"
"On a HotSpot JVM (libjvm.so mapped), its own vmStructs tables, read from\n"
"its memory as the JDK's serviceability agent does, give jvm-heap (the\n"
"reserved Java heap and the collector), jvm-metaspace (class space,\n"
"metaspace, CDS archive), jvm-codecache (code heaps and their segment\n"
"maps) and the Java threads' stacks with their Java names: no NMT, no\n"
"restart, no attach.\n"
"Other allocators: the one serving malloc is named (the first object of\n"
"the dynamic linker's load order defining it, LD_PRELOAD included; a\n"
"static executable by its symbols): glibc, jemalloc, tcmalloc, mimalloc,\n"
"musl (mallocng, oldmalloc), a Go runtime; with its version where the\n"
"file says it. jemalloc's, tcmalloc's and mimalloc's memory is labelled\n"
"(classes jemalloc, tcmalloc, mimalloc) from their own records,\n"
"validated (base blocks and extents, spans, segment headers), not\n"
"walked.\n"
"No debug symbols needed; the target is never written to nor stopped\n"
"(but with --freeze), and only pages present in its memory are read.\n"
"\n"
"  --chunks      walk the malloc heaps: one record per arena, chunk size\n"
"                and C++ type (from the vtable, demangled: Timeout<int>;\n"
"                a make_shared block named 'T (make_shared)') with in-use\n"
"                and free counts (tcache and fastbin members count as\n"
"                free); corrupt heap metadata gives a 'corrupt at ADDR'\n"
"                record and exit 1; musl mallocng: one record per slot\n"
"                size (arena: its context); CPython: one per pymalloc\n"
"                block size (type 'pymalloc'); a heap it cannot walk\n"
"                (jemalloc...): one line saying so, no records, exit 1\n"
"  --threads     one record per thread: its stack region, resident size\n"
"                and call stack ('stack': innermost frame first,\n"
"                ';'-separated, function or module+0xOFFSET, unwound by\n"
"                libdwfl from the registers a core or dump holds, or\n"
"                with --freeze; '-' without registers; a stack that\n"
"                meets memory it cannot read ends there, '[why]')\n"
"  --summary     totals per class and category: regions, bytes, committed\n"
"                (not PROT_NONE) and resident bytes, for heaps the bytes in\n"
"                use and free; on a JVM the categories are NMT's (Java\n"
"                Heap, Class, Metaspace, Shared class space, Code, Thread)\n"
"                beside malloc arenas, mmapped chunks, mapped files and the\n"
"                unexplained rest\n"
"  --objects     a HotSpot JVM's Java heap (G1, Parallel, Serial) walked\n"
"                object by object: one record per Java class, 'pid count\n"
"                bytes starttime class', named as jmap -histo names it; no\n"
"                attach, no safepoint; what cannot be parsed is said on\n"
"                stderr and not counted (exit 1); ZGC, Shenandoah: exit 1\n"
"  --holders CLASS  who holds CLASS's instances (named as --objects names\n"
"                them): a chain of records 'pid depth count bytes\n"
"                starttime class', depth 0 its instances, depth N+1 the\n"
"                objects holding\n"
"                depth N's, by class, up to the owning class's static\n"
"                field ('static Owner.field') or a Java thread's stack\n"
"                ('thread NAME'); heap walks: 2 per depth; no class of\n"
"                that name loaded: exit 2; JNI global references not read\n"
"  --freeze      with --objects or --holders on a PID: stop every thread\n"
"                of the JVM for the walk (ptrace, as dump-region --mode\n"
"                freeze), then let each go as it was (a stopped JVM\n"
"                stays stopped); with --threads: stop every thread only\n"
"                to read its registers (milliseconds), unwind after; the\n"
"                pause is printed; refused, with a line saying why, for\n"
"                a traced process, threads in vfork or in epoll_wait;\n"
"                Ctrl-C or SIGTERM lets it go first\n"
"  --accept-eintr  freeze even threads waiting in epoll_wait, which the\n"
"                stop ends with EINTR\n"
"  --list-classes  the classes it gives, one a line (what dump-on --class\n"
"                and rank --where class=... take)\n"
"  -v, --verbose the allocator serving malloc and why, the regions it\n"
"                labelled; the glibc version, arenas found, chunks\n"
"                walked; the JVM's version, collector, Java threads and\n"
"                classes; musl mallocng's context; CPython's version and\n"
"                pymalloc arenas\n"
"  --tsv, --json, --table   output format (default: table on a terminal,\n"
"                TSV otherwise)\n"
"  -h, --help    this text;  --version   the version\n"
"\n"
"A PID may be written PID@STARTTIME (stat field 22): that process or\n"
"none, never one that got its pid after it exited.\n"
"\n"
"Offline: DIR, a dump directory of the whole process (dump-region --mode\n"
"freeze -o DIR PID), or CORE, an ELF core (dump-region --core, gcore, the\n"
"kernel's), gives the same records as the live process did. A capture\n"
"has the smaps figures of its capture (a core none: rss reads '-', 0 in\n"
"--summary); threads come from process.json or NT_PRSTATUS. Mapped files\n"
"(libc for the heaps, ELF headers, what gcore leaves out) are read on\n"
"this machine, at the path the map names, only when they are still the\n"
"mapped file (a dump: its dev:inode; a core: its first page); a capture\n"
"without libc's bytes is said so, exit 1. gcore writes PROT_NONE ranges\n"
"as readable: stack guards and arena reserves then read as anon. Name a\n"
"file called like a number ./4242.\n"
"\n"
"Examples:\n"
"  classify 4242 | rank --group-by class         resident bytes per class\n"
"  classify --chunks 4242 | rank --by inuse_bytes -n 5   what fills the heap\n"
"  classify --threads 4242 | rank --by stack_rss\n"
"  classify --threads --freeze 4242 | cut -f2,8  what every thread is doing\n"
"  classify --summary 4242                       like NMT's summary on a JVM\n"
"  classify 4242 | grep jvm-                     the JVM's own reservations\n"
"  dump-region -q --mode freeze -o case-20 4242; classify --chunks case-20/\n"
"  classify core.4242                            an ELF core\n"
"  classify --objects $(pgrep -d' ' java) | rank --by bytes -n 10\n"
"  classify --holders 'java.util.HashMap$Node' $(pgrep -d' ' java)\n"
"\n"
"Notes: mapped files are read through /proc/PID/map_files (CAP_SYS_ADMIN),\n"
"else at the path the maps line names in /proc/PID/root, only if that is\n"
"a regular file with the mapped dev:inode: a FIFO or another file swapped\n"
"in there is not read (detail 'not read: REASON').\n"
"\n"
"Exit status: 0 done, 1 partial (a pid unreadable, corrupt heap metadata,\n"
"--chunks on a heap it cannot walk,\n"
"a libjvm.so whose vmStructs tables cannot be read; --objects, --holders: a\n"
"Java heap not walked whole, a collector it cannot walk; --holders:\n"
"references not read, a collection during the walk),\n"
"2 failed, 64 usage. Permissions: the process owner or root.\n";

enum mode { M_REGIONS, M_CHUNKS, M_THREADS, M_SUMMARY, M_OBJECTS };
static const char *holders;	/* --holders CLASS */
enum { F_FREEZE = 1, F_EINTR = 2 };	/* --freeze, --accept-eintr */

/* The walk's progress line (on a terminal, past a second). */
static void walk_progress(void *arg, uint64_t n, uint64_t bytes)
{
	char h[16];

	fx_human_size(bytes, h, sizeof(h));
	tool_progress_show(arg, "%llu objects, %s counted",
			   (unsigned long long)n, h);
}

/* --objects, --holders: the class histogram or a class's holders; with
 * --freeze under a freeze (signals caught till the thaw). 0, 1, 2, -errno */
static int objects(struct fx_writer *w, struct fx_memsrc *ms,
		   struct fx_proc *p, int flags, int verbose, const char *arg)
{
	struct fx_freeze_opts fo = { flags & F_EINTR, 2000, &tool_stop_sig,
				     "classify --objects without --freeze" };
	struct tool_progress pg;
	struct fx_jholders h;
	struct fx_buf b;
	int r;

	fx_jholders_init(&h, holders ? holders : "");
	fx_buf_init(&b);
	h.o.hooks = (struct fx_jobj_hooks){ &tool_stop_sig, walk_progress, &pg };
	tool_catch_signals();
	tool_job_control(flags != 0);
	tool_progress_start(&pg, 0);
	r = fx_jholders_walk_src(&h, ms, p, flags ? &fo : NULL, &b);
	tool_progress_clear(&pg);
	tool_job_control(0);
	tool_warn_lines(b.data);
	b.len = 0;
	if (r && r != -ENOMEM) {
		r = 2;	/* the freeze refused or failed: said */
	} else if (!r && (h.o.interrupted || tool_stop_sig)) {
		tool_warn("%s: interrupted: nothing written", arg);
		r = 2;
	} else if (!r && !h.o.ok) {
		tool_warn("%s: %s", arg, h.o.note);
	} else if (!r && !(r = fx_jholders_report(&h, verbose, &b))) {
		tool_print_lines(b.len ? b.data : "");
	}
	if (!r && h.o.ok)
		r = fx_jholders_write(&h, w, (int)ms->pid, ms->starttime);
	if (r == -ENOMEM)
		tool_warn("%s: %s", arg, strerror(-r));
	r = r < 0 && r != -ENOMEM ? r : r || !h.o.ok ? 2 - h.o.unsupported :
				       fx_jholders_partial(&h) || ms->gone;
	fx_buf_release(&b);
	fx_jholders_release(&h);
	fx_memsrc_release(ms);
	if (p->dirfd >= 0)
		fx_proc_release(p);
	return r;
}

/* --threads: every thread's stack; with --freeze on a PID its registers
 * read in a stop of the target (signals caught until the thaw). 0, 1
 * (no stacks: said), 2 (the freeze refused or failed: said), -ENOMEM. */
static int stacks(struct fx_classify *c, struct fx_memsrc *ms,
		  struct fx_proc *p, int flags)
{
	struct fx_freeze_opts fo = { flags & F_EINTR, 2000, &tool_stop_sig,
				     "classify --threads without --freeze" };
	struct fx_buf b;
	int r;

	fx_buf_init(&b);
	tool_catch_signals();
	tool_job_control(flags != 0);
	r = fx_classify_stacks(c, ms, p, flags ? &fo : NULL, &b);
	tool_job_control(0);
	if (b.len)
		tool_warn_lines(b.data);
	fx_buf_release(&b);
	return r == -ENOMEM ? r : r == -EIO ? 1 : r ? 2 : 0;
}

/* One process: 0 done, 1 partial, 2 failed (reported), -errno output. */
static int one_src(struct fx_writer *w, enum mode mode, int flags,
		   int verbose, const char *arg)
{
	struct fx_classify c;
	struct fx_memsrc ms;
	struct fx_proc p;
	struct fx_buf b;
	struct fx_classify_looks looks = { 0 };
	int r, status = 0, tries, pid, k, unwalked = 0;
	char m[320];
	double t0;

	/* The histogram, live: smaps (the VmFlags) is read in a thread
	 * while the JVM's classes are (memsrc.h); the walk reads no thread
	 * list of /proc. */
	if (tool_memsrc_open(&ms, &p, arg,
			     mode != M_OBJECTS ? 0 :
			     flags		 ? FX_MS_NO_THREADS :
						   FX_MS_NO_THREADS |
							   FX_MS_LATE_SMAPS))
		return 2;
	pid = (int)ms.pid;
	if (mode == M_OBJECTS)
		return objects(w, &ms, &p, flags, verbose, arg);
	fx_classify_init(&c);
	c.starttime = ms.starttime;
	fx_buf_init(&b);
	if (ms.threads_note[0] && (ms.kind != FX_MS_LIVE || verbose ||
				   mode == M_THREADS))
		tool_warn("%s: %s", arg, ms.threads_note);
	status = ms.kind == FX_MS_LIVE && ms.threads_note[0];
	if (fx_memsrc_warnings(&ms)[0]) {
		tool_warn_lines(fx_memsrc_warnings(&ms));
		status = 1;
	}
	t0 = tool_mono_ns() / 1e6;
	for (tries = 1;; tries++) {
		r = fx_classify_run(&c, &ms.maps, &ms.heap, ms.file,
				    ms.file_ctx, ms.t, ms.nt);
		if (!r && (mode == M_CHUNKS || mode == M_SUMMARY))
			r = fx_classify_chunks(&c, &ms.heap);

		/* A heap in use may look corrupt for an instant (a chunk
		 * being split as it is read, a heap grown since the map was
		 * read): look twice more, map and memory afresh, before
		 * saying so. A capture does not change: once is enough.
		 * Every look stopped at another place, or in another map: in
		 * use, not corrupt (c.changed); one place met twice in one
		 * map is said as corrupt. */
		fx_classify_looked(&looks, &c, &ms.maps);
		if (r || (!c.hs.nbad && !(c.mng && c.mng->nbad)) ||
		    tries == 3 || ms.kind != FX_MS_LIVE)
			break;
		fx_classify_release(&c);
		fx_classify_init(&c);
		c.starttime = ms.starttime;
		r = fx_memsrc_reload(&ms);
		if (r)
			break;
	}
	c.changed = !r && looks.n == 3 && looks.moved;
	if (r) {
		tool_warn("process %d: %s", pid, strerror(-r));
		status = 1;
	}
	if (!r && mode == M_THREADS && (k = stacks(&c, &ms, &p, flags)))
		r = k < 0 ? k : 0, status = k < 0 ? 1 : k;
	if (verbose) {
		tool_warn("pid %d: %s; %zu arenas, %zu heaps, %llu chunks "
			  "walked in %.1f ms (%d look%s); %llu pages read, %llu "
			  "not present",
			  pid, c.glibc_note[0] ? c.glibc_note : "no glibc",
			  c.hs.narenas, c.hs.nheaps,
			  (unsigned long long)c.hs.chunks,
			  tool_mono_ns() / 1e6 - t0, tries, tries > 1 ? "s" : "",
			  (unsigned long long)ms.pages_read,
			  (unsigned long long)ms.pages_absent);
	}
	k = fx_classify_notes(&c, pid, verbose, &b);
	if (b.len)
		tool_warn_lines(b.data);
	status = k < 0 ? 1 : status | k;
	if (!r && mode == M_CHUNKS && fx_classify_unwalked(&c, m, sizeof(m))) {
		tool_warn("process %d: %s", pid, m);
		status |= 1;
		/* CPython's pymalloc, walked over it, still counts. */
		unwalked = !(c.pym && c.pym->nhist);
	}
	if (ms.gone) {
		tool_warn("process %d exited during the walk", pid);
		status = 1;
	}
	if (!r && mode != M_THREADS &&
	    fx_classify_libc_missing(&c, &ms, m, sizeof(m))) {
		tool_warn("cannot read '%s': %s", arg, m);
		status = 1;
	} else if (!r && status < 2) {
		if (mode == M_REGIONS)
			r = fx_classify_write_regions(&c, w, pid);
		else if (mode == M_CHUNKS && !unwalked)
			r = fx_classify_write_chunks(&c, w, pid);
		else if (mode == M_CHUNKS)
			r = 0;
		else if (mode == M_THREADS)
			r = fx_classify_write_threads(&c, w, pid);
		else
			r = fx_classify_write_summary(&c, w, pid);
	}
	fx_buf_release(&b);
	fx_classify_release(&c);
	fx_memsrc_release(&ms);
	if (p.dirfd >= 0)
		fx_proc_release(&p);
	return r < 0 ? r : status;
}

/* --list-classes: every class name, one a line; exit 0. */
static void list_classes(void) __attribute__((noreturn));
static void list_classes(void)
{
	int c;

	for (c = 0; c < FX_NCLASSES; c++)
		puts(fx_class_name((enum fx_class)c));
	exit(fflush(stdout) ? EXIT_FAILED : EXIT_DONE);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "chunks", no_argument, NULL, 'c' },
		{ "threads", no_argument, NULL, 't' },
		{ "summary", no_argument, NULL, 's' },
		{ "objects", no_argument, NULL, 'o' },
		{ "holders", required_argument, NULL, 'H' },
		{ "freeze", no_argument, NULL, 'F' },
		{ "accept-eintr", no_argument, NULL, 'E' },
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
	int status, pid, flags = 0;
	unsigned long long start;

	tool_init("classify");
	while ((c = getopt_long(argc, argv, ":hvV", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': mode = M_CHUNKS; nmode++; break;
		case 't': mode = M_THREADS; nmode++; break;
		case 's': mode = M_SUMMARY; nmode++; break;
		case 'o': mode = M_OBJECTS; nmode++; break;
		case 'H': mode = M_OBJECTS; nmode++; holders = optarg; break;
		case 'F': flags |= F_FREEZE; break;
		case 'E': flags |= F_EINTR; break;
		case 'v': verbose = 1; break;
		case 'L': list_classes();
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
		tool_usage_error("--chunks, --threads, --summary, --objects "
				 "and --holders exclude each other");
	if (flags && mode != M_OBJECTS && mode != M_THREADS)
		tool_usage_error("--freeze, --accept-eintr: with --objects, "
				 "--holders or --threads");
	if (optind == argc)
		tool_usage_error("no pid given");
	/* A pid, else a dump directory or core (said when it is neither). */
	for (i = optind; i < argc; i++)
		if (fx_pid_parse(argv[i], &pid, &start) &&
		    fx_memsrc_probe(argv[i]) == 0)
			tool_usage_error("'%s' is not a pid, a dump directory "
					 "nor an ELF core", argv[i]);
	fx_writer_init(&w, STDOUT_FILENO, fmt);
	for (i = optind; i < argc && r >= 0 && !tool_stop_sig; i++) {
		r = one_src(&w, mode, flags, verbose, argv[i]);
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
