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
#include <sys/mman.h>
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
"No debug symbols needed; the target is never stopped nor written to,\n"
"and only pages present in its memory are read.\n"
"\n"
"  --chunks      walk the malloc heaps: one record per arena, chunk size\n"
"                and C++ type (from the vtable) with in-use and free counts\n"
"                (tcache and fastbin members count as free); corrupt heap\n"
"                metadata gives a 'corrupt at ADDR' record and exit 1\n"
"  --threads     one record per thread: its stack region and resident size\n"
"  --summary     totals per class: regions, bytes, resident bytes, and for\n"
"                heaps the bytes in use and free\n"
"  -v, --verbose the glibc version, arenas found, chunks walked\n"
"  --tsv, --json, --table   output format (default: table on a terminal,\n"
"                TSV otherwise)\n"
"  -h, --help    this text;  --version   the version\n"
"\n"
"Examples:\n"
"  classify 4242 | rank --group-by class         resident bytes per class\n"
"  classify --chunks 4242 | rank --by inuse_bytes -n 5   what fills the heap\n"
"  classify --threads 4242 | rank --by stack_rss\n"
"  classify --summary 4242\n"
"\n"
"Exit status: 0 done, 1 partial (a pid unreadable, corrupt heap metadata),\n"
"2 failed, 64 usage. Permissions: the process owner or root.\n";

enum mode { M_REGIONS, M_CHUNKS, M_THREADS, M_SUMMARY };

static const char *const chunk_cols[] = { "pid", "arena", "size", "inuse",
	"free", "inuse_bytes", "free_bytes", "type" };
static const char *const thread_cols[] = { "pid", "tid", "comm",
	"stack_start", "stack_end", "stack_size", "stack_rss" };
static const char *const summary_cols[] = { "pid", "regions", "size", "rss",
	"inuse_bytes", "free_bytes", "class" };

/* Region records with class and detail before name, through the shared
 * region writer (a TSV round trip keeps one definition of the columns). */
static int out_regions(struct fx_writer *w, int pid, const struct fx_maps *m,
		       const struct fx_classify *c)
{
	const char *cols[64];
	struct fx_writer tw;
	struct fx_reader rd;
	size_t i, k;
	int fd = memfd_create("classify", MFD_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	fx_writer_init(&tw, fd, FX_FMT_TSV);
	r = fx_writer_columns(&tw, fx_region_cols, fx_region_ncols);
	for (i = 0; i < m->n && !r; i++)
		r = fx_region_write(&tw, pid, &m->r[i]);
	if (!r)
		r = fx_writer_flush(&tw);
	fx_writer_release(&tw);
	for (k = 0; k + 1 < fx_region_ncols; k++)
		cols[k] = fx_region_cols[k];
	cols[k++] = "class";
	cols[k++] = "detail";
	cols[k++] = fx_region_cols[fx_region_ncols - 1];
	if (!r)
		r = fx_writer_columns(w, cols, k);
	if (r || lseek(fd, 0, SEEK_SET) || fx_reader_init(&rd, fd, NULL, 0)) {
		close(fd);
		return r ? r : -EIO;
	}
	for (i = 0; !r && fx_reader_next(&rd) == 1 && i < m->n; i++) {
		for (k = 0; k + 1 < rd.nf && !r; k++)
			r = fx_writer_field(w, rd.f[k], strlen(rd.f[k]));
		fx_writer_text(w, fx_class_name(c->rc[i].cls),
			       strlen(fx_class_name(c->rc[i].cls)));
		fx_writer_text(w, c->rc[i].detail, strlen(c->rc[i].detail));
		fx_writer_field(w, rd.f[k], strlen(rd.f[k]));
		r = fx_writer_end(w);
	}
	fx_reader_release(&rd);
	close(fd);
	return r;
}

static int cmp_hist(const void *a, const void *b)
{
	const struct fx_chunk_hist *x = a, *y = b;

	if (x->arena != y->arena)
		return x->arena - y->arena;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return (x->type > y->type) - (x->type < y->type);
}

static int out_chunks(struct fx_writer *w, int pid, struct fx_classify *c)
{
	struct fx_heapscan *hs = &c->hs;
	const char *t;
	char why[160];
	size_t i;
	int r;

	r = fx_writer_columns(w, chunk_cols, 8);
	if (hs->nhist)
		qsort(hs->hist, hs->nhist, sizeof(*hs->hist), cmp_hist);
	for (i = 0; i < hs->nhist && !r; i++) {
		const struct fx_chunk_hist *e = &hs->hist[i];

		if (!e->inuse && !e->free)
			continue;
		fx_writer_u64(w, (uint64_t)pid);
		fx_writer_addr(w, hs->arenas[e->arena].addr);
		fx_writer_u64(w, e->size);
		fx_writer_u64(w, e->inuse);
		fx_writer_u64(w, e->free);
		fx_writer_u64(w, e->inuse_bytes);
		fx_writer_u64(w, e->free_bytes);
		t = fx_classify_type_name(c, e->type);
		fx_writer_text(w, t, strlen(t));
		r = fx_writer_end(w);
	}
	for (i = 0; i < hs->nbad && !r; i++) {
		fx_writer_u64(w, (uint64_t)pid);
		if (hs->bad[i].arena >= 0)
			fx_writer_addr(w, hs->arenas[hs->bad[i].arena].addr);
		else
			fx_writer_missing(w);
		for (int k = 0; k < 5; k++)
			fx_writer_missing(w);
		snprintf(why, sizeof(why), "corrupt at 0x%012llx: %s",
			 (unsigned long long)hs->bad[i].addr, hs->bad[i].why);
		fx_writer_text(w, why, strlen(why));
		r = fx_writer_end(w);
	}
	return r;
}

static int out_threads(struct fx_writer *w, int pid, struct fx_classify *c)
{
	const struct fx_region *reg;
	size_t i;
	long k;
	int r;

	r = fx_writer_columns(w, thread_cols, 7);
	for (i = 0; i < c->nt && !r; i++) {
		k = fx_classify_thread_stack(c, &c->t[i]);
		reg = k >= 0 ? &c->m->r[k] : NULL;
		fx_writer_u64(w, (uint64_t)pid);
		fx_writer_u64(w, (uint64_t)c->t[i].tid);
		fx_writer_text(w, c->t[i].comm, strlen(c->t[i].comm));
		if (reg) {
			fx_writer_addr(w, reg->start);
			fx_writer_addr(w, reg->end);
			fx_writer_u64(w, reg->end - reg->start);
			if (reg->have & (1ULL << FX_F_RSS))
				fx_writer_u64(w, reg->v[FX_F_RSS]);
			else
				fx_writer_missing(w);
		} else {
			for (int j = 0; j < 4; j++)
				fx_writer_missing(w);
		}
		r = fx_writer_end(w);
	}
	return r;
}

static int out_summary(struct fx_writer *w, int pid, struct fx_classify *c)
{
	uint64_t v[FX_NCLASSES][5] = { { 0 } };
	size_t i;
	int r, k, heapc;

	for (i = 0; i < c->m->n; i++) {
		const struct fx_region *reg = &c->m->r[i];

		k = c->rc[i].cls;
		v[k][0]++;
		v[k][1] += reg->end - reg->start;
		v[k][2] += reg->v[FX_F_RSS];
	}
	for (i = 0; c->have_glibc && i < c->hs.nhist; i++) {
		heapc = c->hs.arenas[c->hs.hist[i].arena].is_main ? FX_C_HEAP :
								    FX_C_ARENA;
		v[heapc][3] += c->hs.hist[i].inuse_bytes;
		v[heapc][4] += c->hs.hist[i].free_bytes;
	}
	r = fx_writer_columns(w, summary_cols, 7);
	for (k = 0; k < FX_NCLASSES && !r; k++) {
		if (!v[k][0])
			continue;
		fx_writer_u64(w, (uint64_t)pid);
		for (i = 0; i < 3; i++)
			fx_writer_u64(w, v[k][i]);
		if (k == FX_C_HEAP || k == FX_C_ARENA) {
			fx_writer_u64(w, v[k][3]);
			fx_writer_u64(w, v[k][4]);
		} else {
			fx_writer_missing(w);
			fx_writer_missing(w);
		}
		fx_writer_text(w, fx_class_name(k), strlen(fx_class_name(k)));
		r = fx_writer_end(w);
	}
	return r;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One live pid: 0 done, 1 partial, 2 failed (reported), -errno output. */
static int one_pid(struct fx_writer *w, enum mode mode, int verbose, int pid)
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
	int r, status = 0;
	double t0;

	r = fx_proc_open(&p, pid);
	if (r) {
		tool_warn(r == -ESRCH ? "no process %d" :
			  "cannot open '/proc/%d': permission denied", pid);
		return 2;
	}
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
	r = fx_classify_run(&c, &m, &src, fx_proc_file_read, &p, t, nt);
	if (!r && (mode == M_CHUNKS || mode == M_SUMMARY))
		r = fx_classify_chunks(&c, &src);
	if (r) {
		tool_warn("process %d: %s", pid, strerror(-r));
		status = 1;
	}
	if (verbose) {
		tool_warn("pid %d: %s; %zu arenas, %zu heaps, %llu chunks "
			  "walked in %.1f ms; %llu pages read, %llu not present",
			  pid, c.glibc_note[0] ? c.glibc_note : "no glibc",
			  c.hs.narenas, c.hs.nheaps,
			  (unsigned long long)c.hs.chunks,
			  now_ms() - t0,
			  (unsigned long long)ls.pages_read,
			  (unsigned long long)ls.pages_absent);
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
			r = out_regions(w, pid, &m, &c);
		else if (mode == M_CHUNKS)
			r = out_chunks(w, pid, &c);
		else if (mode == M_THREADS)
			r = out_threads(w, pid, &c);
		else
			r = out_summary(w, pid, &c);
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
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		TOOL_FORMAT_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	enum fx_format fmt = tool_default_format();
	enum mode mode = M_REGIONS;
	struct fx_writer w;
	int c, i, r = 0, failed = 0, partial = 0, nmode = 0, verbose = 0;
	int status;

	tool_init("classify");
	while ((c = getopt_long(argc, argv, "hvV", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': mode = M_CHUNKS; nmode++; break;
		case 't': mode = M_THREADS; nmode++; break;
		case 's': mode = M_SUMMARY; nmode++; break;
		case 'v': verbose = 1; break;
		case 'h': tool_help(help);
		case 'V': puts("classify " FX_VERSION); return EXIT_DONE;
		default:
			if (c >= 0x100 && c <= 0x100 + FX_FMT_TABLE) {
				fmt = (enum fx_format)(c - 0x100);
				break;
			}
			tool_usage_error("unknown option");
		}
	}
	if (nmode > 1)
		tool_usage_error("--chunks, --threads and --summary exclude "
				 "each other");
	if (optind == argc)
		tool_usage_error("no pid given");
	for (i = optind; i < argc; i++) {
		char *end;
		long v = strtol(argv[i], &end, 10);

		if (*end || end == argv[i] || v <= 0 || v > 0x7fffffff)
			tool_usage_error("'%s' is not a pid", argv[i]);
	}
	fx_writer_init(&w, STDOUT_FILENO, fmt);
	for (i = optind; i < argc && r >= 0; i++) {
		r = one_pid(&w, mode, verbose, atoi(argv[i]));
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
