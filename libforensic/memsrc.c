/*
 * memsrc: the memory source of a live process, a dump directory or an
 * ELF core (memsrc.h). The bytes of a capture come from fx_source
 * (source.c: the one reader of dump directories and cores, hardened as
 * untrusted input); this file adds the map, the threads and the mapped
 * files.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "elfseg.h"
#include "internal.h"
#include "kerndat.h"
#include "memsrc.h"
#include "stack.h"
#include "pagemap.h"
#include "proc.h"
#include "rec.h"
#include "safeopen.h"
#include "threads.h"

/* A mapped file of a captured process, per region of ms->maps. */
struct fx_msfile {
	int checked;	/* the verdict below is known */
	int fd;		/* open on the very file, or a negative errno */
};

/* A run of a dump's bytes not captured (holes.tsv). */
struct fx_mshole {
	uint64_t start, end;
	int err;	/* -ENODATA swapped, -EFAULT the others */
};

static void ms_init(struct fx_memsrc *ms)
{
	memset(ms, 0, sizeof(*ms));
	ms->pid = -1;
	fx_maps_init(&ms->maps);
	fx_maps_init(&ms->early);
	fx_buf_init(&ms->text);
	fx_buf_init(&ms->late_text);
	fx_maps_init(&ms->late_maps);
	fx_source_init(&ms->src);
	ms->heap.read = fx_memsrc_read;
	ms->heap.ctx = ms;
}

void fx_memsrc_release(struct fx_memsrc *ms)
{
	size_t i;

	if (ms->files) {
		for (i = 0; i < ms->maps.n; i++)
			if (ms->files[i].checked && ms->files[i].fd >= 0)
				close(ms->files[i].fd);
		free(ms->files);
	}
	if (ms->late)
		pthread_join(ms->late_th, NULL);
	fx_buf_release(&ms->late_text);
	fx_maps_release(&ms->late_maps);
	fx_maps_release(&ms->early);
	if (ms->have_ls)
		fx_livesrc_release(&ms->ls);
	if (ms->have_ls2)
		fx_livesrc_release(&ms->ls2);
	free(ms->holes);
	free(ms->t);
	fx_maps_release(&ms->maps);
	fx_buf_release(&ms->text);
	fx_source_release(&ms->src);
	memset(ms, 0, sizeof(*ms));
}

int fx_memsrc_probe(const char *path)
{
	unsigned char h[64];
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	fd = fx_safe_open(AT_FDCWD, path, FX_OPEN_DIR, &st);
	if (fd < 0)
		return fd;
	if (S_ISDIR(st.st_mode)) {
		int f = fx_safe_open(fd, "regions.tsv", FX_OPEN_BENEATH, &st);

		if (f >= 0) {
			close(f);
			r = 1;
		}
	} else {
		do
			n = pread(fd, h, sizeof(h), 0);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof(h) && memcmp(h, ELFMAG, SELFMAG) == 0 &&
		    h[EI_CLASS] == ELFCLASS64 && h[EI_DATA] == ELFDATA2LSB &&
		    h[16] == ET_CORE && h[17] == 0)
			r = 2;
	}
	close(fd);
	return r;
}

/* ---- live ---- */

/* Parse the map text into m: -ESRCH for an empty text (the process is
 * gone), -EBADMSG with err set when it makes no sense. */
static int parse_map(const struct fx_buf *text, struct fx_maps *m,
		     struct fx_err *err)
{
	if (!text->len)
		return -ESRCH;
	return fx_maps_parse(m, text->data, text->len, err);
}

/* parse_map, why not into ms->err. */
static int live_parse(struct fx_memsrc *ms, const struct fx_buf *text,
		      struct fx_maps *m)
{
	struct fx_err err = { 0, "" };
	int r;

	r = parse_map(text, m, &err);
	if (r == -EBADMSG)
		ms->err = err;
	return r;
}

/* /proc/PID/NAME ("smaps", or "maps": no VmFlags) into ms->maps. */
static int live_map(struct fx_memsrc *ms, const char *name)
{
	int r;

	fx_buf_reset(&ms->text);
	r = fx_proc_read_map(ms->p, name, &ms->text, FX_SMAPS_READ_SIZE,
			     NULL);
	return r ? r : live_parse(ms, &ms->text, &ms->maps);
}

/* FX_MS_LATE_SMAPS: smaps, read and parsed in its own thread. */
static void *late_main(void *arg)
{
	struct fx_memsrc *ms = arg;

	ms->late_r = fx_proc_read_map(ms->p, "smaps", &ms->late_text,
				      FX_SMAPS_READ_SIZE, NULL);
	if (!ms->late_r)
		ms->late_r = parse_map(&ms->late_text, &ms->late_maps,
				       &ms->late_err);
	fx_buf_release(&ms->late_text);
	return NULL;
}

/* Reads go through process_vm_readv only (no_mem) or not. */
static void ms_provisional(struct fx_memsrc *ms, int on)
{
	ms->ls.mem.no_mem = on;
	ms->ls2.mem.no_mem = on;
}

int fx_memsrc_open_live(struct fx_memsrc *ms, struct fx_proc *p, int flags)
{
	int r, late;

	ms_init(ms);
	ms->kind = FX_MS_LIVE;
	ms->p = p;
	ms->pid = p->pid;
	ms->starttime = p->starttime;
	ms->file = fx_proc_file_read;
	ms->file_ctx = p;
	/* Late only where process_vm_readv does the reading. */
	late = (flags & FX_MS_LATE_SMAPS) && fx_kerndat()->vm_readv &&
	       !p->cow_copy;
	r = live_map(ms, late ? "maps" : "smaps");
	if (!r)
		r = fx_livesrc_open(&ms->ls, p, &ms->maps, 1);
	if (r)
		return r;
	ms->have_ls = 1;
	if (late && !ms->ls.mem.pvr)
		late = 0;	/* no process_vm_readv for this process */
	if (late && !fx_thread_start_apart(&ms->late_th, late_main, ms)) {
		ms->late = 1;
		ms_provisional(ms, 1);
	} else if (late && (r = fx_memsrc_reload(ms))) {
		return r;	/* no thread: smaps now, as without the flag */
	}
	if (flags & FX_MS_NO_THREADS)
		return 0;
	r = fx_threads_read(p, &ms->t, &ms->nt);
	if (r) {
		ms->threads_failed = 1;
		snprintf(ms->threads_note, sizeof(ms->threads_note),
			 "its threads cannot be read: %s", strerror(-r));
	}
	return 0;
}

int fx_memsrc_settle(struct fx_memsrc *ms)
{
	if (!ms->late)
		return 0;
	pthread_join(ms->late_th, NULL);
	ms->late = 0;
	if (ms->late_r) {
		if (ms->late_r == -EBADMSG)
			ms->err = ms->late_err;
		return ms->late_r;	/* still provisional: no read */
	}
	/* Kept: the regions of the early map that callers point at. */
	ms->early = ms->maps;
	ms->maps = ms->late_maps;
	fx_maps_init(&ms->late_maps);
	fx_livesrc_remap(&ms->ls, &ms->maps);
	if (ms->have_ls2)
		fx_livesrc_remap(&ms->ls2, &ms->maps);
	ms_provisional(ms, 0);
	return 0;
}

int fx_memsrc_reload(struct fx_memsrc *ms)
{
	int r;

	if (ms->kind != FX_MS_LIVE)
		return 0;
	if (ms->late && (r = fx_memsrc_settle(ms)))
		return r;
	fx_maps_release(&ms->maps);
	fx_maps_init(&ms->maps);
	r = live_map(ms, "smaps");
	fx_livesrc_remap(&ms->ls, &ms->maps);
	if (ms->have_ls2)
		fx_livesrc_remap(&ms->ls2, &ms->maps);
	return r;
}

struct fx_heap_src *fx_memsrc_heap2(struct fx_memsrc *ms)
{
	if (ms->kind != FX_MS_LIVE || !ms->have_ls)
		return NULL;
	if (!ms->have_ls2) {
		if (fx_livesrc_open(&ms->ls2, ms->p, &ms->maps, 1))
			return NULL;
		ms->have_ls2 = 1;
		ms->ls2.mem.no_mem = ms->late;	/* not settled yet */
		ms->heap2.read = fx_livesrc_read;
		ms->heap2.ctx = &ms->ls2;
	}
	return &ms->heap2;
}

void fx_memsrc_heap2_done(struct fx_memsrc *ms)
{
	if (!ms->have_ls2)
		return;
	ms->ls.pages_read += ms->ls2.pages_read;
	ms->ls.pages_absent += ms->ls2.pages_absent;
	ms->ls.pages_swapped += ms->ls2.pages_swapped;
	ms->ls.gone |= ms->ls2.gone;
	ms->ls2.pages_read = ms->ls2.pages_absent = 0;
	ms->ls2.pages_swapped = 0;
	ms->pages_read = ms->ls.pages_read;
	ms->pages_absent = ms->ls.pages_absent + ms->ls.pages_swapped;
	ms->gone = ms->ls.gone;
}

/* ---- the bytes ---- */

static int map_cmp(const void *a, const void *b)
{
	const struct fx_region *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int reg_cmp(const void *a, const void *b)
{
	const struct fx_src_region *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The captured region holding addr, or NULL. */
static const struct fx_src_region *cap_at(const struct fx_memsrc *ms,
					  uint64_t addr)
{
	long i = fx_range_search(ms->src.r, ms->src.n, sizeof(*ms->src.r),
				 offsetof(struct fx_src_region, start), addr);

	return i < 0 ? NULL : &ms->src.r[i];
}

_Static_assert(offsetof(struct fx_src_region, end) ==
		       offsetof(struct fx_src_region, start) + 8,
	       "fx_range_search: end right after start");

static int file_of(struct fx_memsrc *ms, size_t i);

/* A captured process's bytes at addr from its mapped file (a core's
 * range left out). 0 or -EFAULT. */
static int from_file(struct fx_memsrc *ms, uint64_t addr, void *buf,
		     size_t len)
{
	const struct fx_region *r = fx_region_at(&ms->maps, addr);
	size_t got = 0;
	ssize_t n;
	int fd;

	if (!r || !r->name_len || r->name[0] != '/' || len > r->end - addr)
		return -EFAULT;
	fd = file_of(ms, (size_t)(r - ms->maps.r));
	if (fd < 0)
		return -EFAULT;
	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got,
			  (off_t)(r->offset + (addr - r->start) + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EFAULT;
		got += (size_t)n;
	}
	return 0;
}

/* A dump's hole in [a, b): its error (as fx_livesrc_read's for the same
 * page: -ENODATA swapped, else -EFAULT), or 0. Zero-page holes read as
 * the zeros they are. */
static int hole_in(const struct fx_memsrc *ms, uint64_t a, uint64_t b)
{
	size_t lo = 0, hi = ms->nholes, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ms->holes[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ms->nholes && ms->holes[lo].start < b ?
		       ms->holes[lo].err : 0;
}

int fx_memsrc_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fx_memsrc *ms = ctx;
	const struct fx_src_region *c;
	unsigned char *out = buf;
	uint64_t n, off;
	int r;

	if (ms->kind == FX_MS_LIVE) {
		r = fx_livesrc_read(&ms->ls, addr, buf, len);
		ms->pages_read = ms->ls.pages_read;
		ms->pages_absent = ms->ls.pages_absent + ms->ls.pages_swapped;
		ms->gone = ms->ls.gone;
		return r;
	}
	if (addr + len < addr)
		return -EFAULT;
	while (len) {
		c = cap_at(ms, addr);
		if (!c) {
			/* A core's file range without a PT_LOAD (gcore's
			 * read-only ones): from its file, when unchanged. */
			const struct fx_region *m = fx_region_at(&ms->maps,
								 addr);

			if (ms->kind != FX_MS_CORE || !m)
				return -EFAULT;
			n = m->end - addr < len ? m->end - addr : len;
			if (from_file(ms, addr, out, (size_t)n))
				return -EFAULT;
			out += n;
			addr += n;
			len -= (size_t)n;
			continue;
		}
		off = addr - c->start;
		n = c->end - addr < len ? c->end - addr : len;
		if (ms->nholes && (r = hole_in(ms, addr, addr + n)))
			return r;
		if (off + n <= c->maplen) {
			memcpy(out, c->map + off, (size_t)n);
		} else if (off >= c->maplen || ms->kind != FX_MS_CORE) {
			/* Not captured: a dump's hole, a core's range left
			 * out (then its file may hold it). */
			if (ms->kind != FX_MS_CORE ||
			    from_file(ms, addr, out, (size_t)n))
				return -EFAULT;
		} else {
			return -EFAULT;
		}
		ms->pages_read += (n + 4095) / 4096;
		out += n;
		addr += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- mapped files ---- */

/*
 * Is the file open on fd (st) the one region i of a core mapped? It must
 * reach the mapping's offset; and when the core holds the bytes of the
 * file's first page (a mapping at offset 0 of the same path), they must
 * be the file's.
 */
static int core_same_file(struct fx_memsrc *ms, size_t i, int fd,
			  const struct stat *st)
{
	const struct fx_region *r = &ms->maps.r[i], *x;
	unsigned char a[4096], b[4096];
	size_t k, j, want;
	ssize_t n;

	if ((uint64_t)st->st_size <= r->offset)
		return 0;
	for (k = 0; k < ms->maps.n; k++) {
		x = &ms->maps.r[k];
		if (x->offset != 0 || x->name_len != r->name_len ||
		    memcmp(x->name, r->name, r->name_len) != 0)
			continue;
		want = (uint64_t)st->st_size < sizeof(a) ?
			       (size_t)st->st_size : sizeof(a);
		if (want > x->end - x->start)
			want = (size_t)(x->end - x->start);
		{
			const struct fx_src_region *c = cap_at(ms, x->start);

			if (!c || c->maplen < want)
				continue;	/* not in the core */
			memcpy(a, c->map, want);
		}
		/* All zeros: a page the core left as a hole (not present
		 * when it was written), no evidence either way. */
		for (j = 0; j < want && !a[j]; j++)
			;
		if (j == want)
			continue;
		do
			n = pread(fd, b, want, 0);
		while (n < 0 && errno == EINTR);
		return n == (ssize_t)want && memcmp(a, b, want) == 0;
	}
	return 1;
}

/* An fd on region i's file when it is still the mapped file, else a
 * negative errno (remembered). */
static int file_of(struct fx_memsrc *ms, size_t i)
{
	const struct fx_region *r = &ms->maps.r[i];
	struct fx_msfile *f;
	struct stat st;
	int fd;

	if (!ms->files) {
		ms->files = calloc(ms->maps.n ? ms->maps.n : 1,
				   sizeof(*ms->files));
		if (!ms->files)
			return -ENOMEM;
	}
	f = &ms->files[i];
	if (f->checked)
		return f->fd;
	f->checked = 1;
	f->fd = -ESTALE;
	if (!r->name_len || r->name[0] != '/' ||
	    strlen(r->name) != r->name_len)
		return f->fd;
	fd = fx_safe_open(AT_FDCWD, r->name, 0, &st);
	if (fd < 0)
		return f->fd = fd == -ENOENT ? -ESTALE : fd;
	if (ms->kind == FX_MS_DUMP ?
		    st.st_ino != r->inode || major(st.st_dev) != r->dev_major ||
			    minor(st.st_dev) != r->dev_minor ||
			    (uint64_t)st.st_size <= r->offset :
		    !core_same_file(ms, i, fd, &st)) {
		close(fd);
		return f->fd;
	}
	f->fd = fd;
	return fd;
}

long fx_memsrc_file_read(void *ctx, const struct fx_region *r, uint64_t off,
			 void *buf, size_t len)
{
	struct fx_memsrc *ms = ctx;
	size_t got;
	int fd, err;

	if (r < ms->maps.r || r >= ms->maps.r + ms->maps.n)
		return -EINVAL;
	fd = file_of(ms, (size_t)(r - ms->maps.r));
	if (fd < 0)
		return fd;
	got = fx_read_full(fd, buf, len, off, &err);
	return got || !err ? (long)got : err;
}

/* ---- the map of a capture, as smaps text ---- */

/* Append the smaps header line of one region; name raw bytes. */
static int add_header(struct fx_buf *t, uint64_t start, uint64_t end,
		      const char *perms, uint64_t offset, unsigned int maj,
		      unsigned int min, uint64_t inode, const char *name,
		      size_t nlen)
{
	char line[160];
	size_t i;
	int r;

	snprintf(line, sizeof(line), "%llx-%llx %.4s %08llx %02x:%02x %llu ",
		 (unsigned long long)start, (unsigned long long)end, perms,
		 (unsigned long long)offset, maj, min,
		 (unsigned long long)inode);
	r = fx_buf_adds(t, line);
	/* The kernel escapes a newline in a name as \012 (and only that). */
	for (i = 0; !r && i < nlen; i++)
		r = name[i] == '\n' ? fx_buf_adds(t, "\\012") :
				      fx_buf_addc(t, name[i]);
	return r ? r : fx_buf_addc(t, '\n');
}

/* smaps keys of the region record columns that carry them (kB). */
static const struct {
	const char *col, *key;
} smaps_cols[] = {
	{ "size", "Size" },
	{ "rss", "Rss" },
	{ "pss", "Pss" },
	{ "pss_dirty", "Pss_Dirty" },
	{ "shared_clean", "Shared_Clean" },
	{ "shared_dirty", "Shared_Dirty" },
	{ "private_clean", "Private_Clean" },
	{ "private_dirty", "Private_Dirty" },
	{ "referenced", "Referenced" },
	{ "anonymous", "Anonymous" },
	{ "anon_huge", "AnonHugePages" },
	{ "swap", "Swap" },
	{ "swap_pss", "SwapPss" },
	{ "locked", "Locked" },
};
#define NSMAPS (sizeof(smaps_cols) / sizeof(smaps_cols[0]))

/* regions.tsv of the dump directory open on dirfd, as smaps text. */
static int dump_map(struct fx_memsrc *ms, int dirfd, const char *path)
{
	int cs = -1, ce = -1, cp = -1, co = -1, cd = -1, ci = -1, cn = -1;
	int cv = -1, cpid = -1, cst = -1, c[NSMAPS], fd, r, ret = 0;
	struct fx_reader rd;
	struct fx_buf name;
	struct stat st;
	uint64_t start, end, off, ino, v, pid;
	unsigned int maj, min;
	char line[96];
	size_t k;

	fd = fx_safe_open(dirfd, "regions.tsv", FX_OPEN_BENEATH, &st);
	if (fd < 0) {
		fx_err_set(&ms->err, 0, "cannot open '%s/regions.tsv': %s",
			   path, fx_safe_open_why(fd));
		return fd;
	}
	r = fx_reader_init(&rd, fd, fx_region_cols, fx_region_ncols);
	if (r) {
		close(fd);
		return r;
	}
	fx_buf_init(&name);
	while ((r = fx_reader_next(&rd)) != 0) {
		if (r < 0) {
			fx_err_set(&ms->err, rd.err.line, "'%s/regions.tsv': %s",
				   path, rd.err.msg);
			ret = r;
			break;
		}
		if (rd.hdr_changed) {
			cs = fx_reader_col(&rd, "start");
			ce = fx_reader_col(&rd, "end");
			cp = fx_reader_col(&rd, "perms");
			co = fx_reader_col(&rd, "offset");
			cd = fx_reader_col(&rd, "dev");
			ci = fx_reader_col(&rd, "inode");
			cn = fx_reader_col(&rd, "name");
			cv = fx_reader_col(&rd, "vmflags");
			cpid = fx_reader_col(&rd, "pid");
			cst = fx_reader_col(&rd, "starttime");
			for (k = 0; k < NSMAPS; k++)
				c[k] = fx_reader_col(&rd, smaps_cols[k].col);
			if (cs < 0 || ce < 0 || cp < 0) {
				fx_err_set(&ms->err, rd.lineno, "'%s/regions."
					   "tsv': no start, end and perms "
					   "columns", path);
				ret = -EBADMSG;
				break;
			}
		}
		if (fx_parse_u64(rd.f[cs], &start, 0) ||
		    fx_parse_u64(rd.f[ce], &end, 0) || end <= start ||
		    strlen(rd.f[cp]) != 4) {
			fx_err_set(&ms->err, rd.lineno, "'%s/regions.tsv': bad "
				   "start, end or perms", path);
			ret = -EBADMSG;
			break;
		}
		if (co < 0 || fx_parse_u64(rd.f[co], &off, 0))
			off = 0;
		if (ci < 0 || fx_parse_u64(rd.f[ci], &ino, 0))
			ino = 0;
		if (cd < 0 || sscanf(rd.f[cd], "%x:%x", &maj, &min) != 2)
			maj = min = 0;
		/* One process: a dump of several (records piped from
		 * memmap of many pids) is read for its first. */
		if (cpid >= 0 && !fx_parse_u64(rd.f[cpid], &pid, 0) &&
		    pid <= 0x7fffffff) {
			if (ms->pid < 0)
				ms->pid = (long)pid;
			else if ((long)pid != ms->pid)
				continue;
		}
		if (cst >= 0 && !ms->starttime &&
		    fx_parse_u64(rd.f[cst], &v, 0) == 0)
			ms->starttime = v;
		fx_buf_reset(&name);
		r = cn < 0 || !strcmp(rd.f[cn], "-") ? 0 :
			fx_unescape(&name, rd.f[cn], strlen(rd.f[cn]));
		if (!r)
			r = add_header(&ms->text, start, end, rd.f[cp], off, maj,
				       min, ino, name.data ? name.data : "",
				       name.len);
		for (k = 0; !r && k < NSMAPS; k++) {
			if (c[k] < 0 || fx_parse_u64(rd.f[c[k]], &v, 0))
				continue;
			snprintf(line, sizeof(line), "%s: %llu kB\n",
				 smaps_cols[k].key,
				 (unsigned long long)(v / 1024));
			r = fx_buf_adds(&ms->text, line);
		}
		if (!r && cv >= 0 && strcmp(rd.f[cv], "-") != 0) {
			r = fx_buf_adds(&ms->text, "VmFlags: ");
			r = r ? r : fx_buf_adds(&ms->text, rd.f[cv]);
			r = r ? r : fx_buf_addc(&ms->text, '\n');
		}
		if (r) {
			ret = r;
			break;
		}
	}
	fx_buf_release(&name);
	fx_reader_release(&rd);
	close(fd);
	return ret;
}

static int hole_cmp(const void *a, const void *b)
{
	const struct fx_mshole *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * holes.tsv of the dump directory open on dirfd: the runs that were not
 * captured, so that reading them fails as reading them live did (the
 * region files hold zeros there). Overlapping records are merged. A dump
 * without holes.tsv, or a bad line, leaves the holes unknown (zeros).
 */
static int dump_holes(struct fx_memsrc *ms, int dirfd)
{
	static const char *const cols[] = { "pid", "start", "end", "reason" };
	struct fx_mshole *v;
	struct fx_reader rd;
	struct stat st;
	uint64_t a, b;
	size_t cap = 0, i, k;
	int fd, r, cs = -1, ce = -1, cr = -1;

	fd = fx_safe_open(dirfd, "holes.tsv", FX_OPEN_BENEATH, &st);
	if (fd < 0)
		return 0;
	r = fx_reader_init(&rd, fd, cols, 4);
	while (!r && (r = fx_reader_next(&rd)) > 0) {
		if (rd.hdr_changed) {
			cs = fx_reader_col(&rd, "start");
			ce = fx_reader_col(&rd, "end");
			cr = fx_reader_col(&rd, "reason");
		}
		if (cs < 0 || ce < 0 || cr < 0 ||
		    fx_parse_u64(rd.f[cs], &a, 0) ||
		    fx_parse_u64(rd.f[ce], &b, 0) || b <= a) {
			r = -EBADMSG;
			break;
		}
		if (!strcmp(rd.f[cr], "zero"))
			continue;
		if (ms->nholes == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(ms->holes, cap * sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				break;
			}
			ms->holes = v;
		}
		v = &ms->holes[ms->nholes++];
		v->start = a;
		v->end = b;
		v->err = !strcmp(rd.f[cr], "swapped") ? -ENODATA : -EFAULT;
		r = 0;
	}
	fx_reader_release(&rd);
	close(fd);
	if (r == -ENOMEM)
		return r;
	if (r) {
		free(ms->holes);
		ms->holes = NULL;
		ms->nholes = 0;
		return 0;
	}
	if (ms->nholes)	/* qsort of NULL, even 0 items, is undefined */
		qsort(ms->holes, ms->nholes, sizeof(*ms->holes), hole_cmp);
	/* Merge overlaps, so that the search finds the first that counts. */
	for (i = 0, k = 0; i < ms->nholes; i++) {
		if (k && ms->holes[i].start < ms->holes[k - 1].end) {
			if (ms->holes[i].end > ms->holes[k - 1].end)
				ms->holes[k - 1].end = ms->holes[i].end;
			continue;
		}
		ms->holes[k++] = ms->holes[i];
	}
	ms->nholes = k;
	return 0;
}

/* The number after key (`"starttime":`) in process.json text s, 0 when
 * none. Its first occurrence is the top level's: a quote inside a string
 * is escaped. */
static unsigned long long json_num(const char *s, size_t len, const char *key)
{
	size_t k = strlen(key), i;
	unsigned long long v = 0;
	const char *p = memmem(s, len, key, k);

	if (!p)
		return 0;
	for (i = (size_t)(p - s) + k; i < len && s[i] >= '0' && s[i] <= '9' &&
	     v < (1ULL << 58); i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/* The start time process.json records (dump-region writes it), when it is
 * of process pid (-1: any); 0 when unknown. */
static unsigned long long json_starttime(const char *s, size_t len, long pid)
{
	if (pid >= 0 && json_num(s, len, "\"pid\":") != (unsigned long long)pid)
		return 0;
	return json_num(s, len, "\"starttime\":");
}

/* The threads of a dump directory from its process.json, when it holds
 * them (dump-region since memsrc); else none, said in threads_note. */
static int dump_threads(struct fx_memsrc *ms, int dirfd)
{
	struct fx_buf b;
	struct stat st;
	int fd, r;

	fx_buf_init(&b);
	fd = fx_safe_open(dirfd, "process.json", FX_OPEN_BENEATH, &st);
	r = fd < 0 ? fd : st.st_size > (16 << 20) ? -EFBIG :
						    fx_buf_read_fd(&b, fd);
	if (fd >= 0)
		close(fd);
	if (!r && !ms->starttime)
		ms->starttime = json_starttime(b.data ? b.data : "", b.len,
					       ms->pid);
	if (!r)
		r = fx_threads_json_parse(b.data ? b.data : "", b.len, &ms->t,
					  &ms->nt);
	fx_buf_release(&b);
	if (r == -ENOMEM)
		return r;
	if (r)
		snprintf(ms->threads_note, sizeof(ms->threads_note),
			 "no threads in the dump: process.json %s (thread "
			 "stacks read as anon)",
			 r == -ENOENT ? "holds none" :
			 r == -EBADMSG ? "is malformed" : "cannot be read");
	return 0;
}

/* ---- ELF cores: the parsing source.c shares ---- */

int fx_core_elf_open(const unsigned char *base, uint64_t len, const char *path,
		     struct fx_err *err, Elf **out, size_t *nphdr)
{
	GElf_Ehdr eh;
	size_t n;
	Elf *e;

	*out = NULL;
	elf_version(EV_CURRENT);
	e = elf_memory((char *)base, (size_t)len);
	if (!e || !gelf_getehdr(e, &eh) || eh.e_type != ET_CORE ||
	    elf_getphdrnum(e, &n) != 0) {
		fx_err_set(err, 0, "'%s': not an ELF core (%s)", path,
			   elf_errmsg(-1));
		if (e)
			elf_end(e);
		return -EBADMSG;
	}
	/* libelf refuses a table that does not fit: say so, rather than
	 * find no segment at all. */
	if (eh.e_phoff > len || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    n > (len - eh.e_phoff) / sizeof(Elf64_Phdr)) {
		fx_err_set(err, 0, "'%s': not an ELF core (its %zu program "
			   "headers lie past the end of the file)", path, n);
		elf_end(e);
		return -EBADMSG;
	}
	*out = e;
	*nphdr = n;
	return 0;
}

int fx_core_notes(Elf *e, const GElf_Phdr *ph, uint64_t len,
		  int (*fn)(void *arg, uint32_t type, const unsigned char *d,
			    size_t n),
		  void *arg)
{
	GElf_Nhdr nh;
	size_t off = 0, next, noff, doff;
	Elf_Data *d;
	int r;

	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return -EBADMSG;
	d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz,
				 ELF_T_NHDR);
	if (!d)
		return -EBADMSG;
	/* gelf_getnote returns 0 at the end, and at a note that does not
	 * fit in the segment. */
	while ((next = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
		if (nh.n_namesz == 5 &&
		    !memcmp((const char *)d->d_buf + noff, "CORE", 5)) {
			r = fn(arg, nh.n_type,
			       (const unsigned char *)d->d_buf + doff,
			       nh.n_descsz);
			if (r)
				return r;
		}
		off = next;
	}
	return d->d_size - off >= sizeof(Elf64_Nhdr) ? -EBADMSG : 0;
}

/* ---- the map and threads of a core ---- */

struct ntfile {
	uint64_t start, end, off;
	const char *name;
	size_t len;
};

struct coreinfo {
	struct ntfile *f;
	size_t nf;
	uint64_t vdso, phdr;
	char comm[17];
	struct fx_memsrc *ms;
	int x86;
};

/* One note of a core: NT_FILE, NT_PRSTATUS, NT_PRPSINFO, NT_AUXV. */
static int core_note(void *arg, uint32_t type, const unsigned char *d,
		     size_t n)
{
	struct coreinfo *ci = arg;
	struct fx_memsrc *ms = ci->ms;
	int x86 = ci->x86;
	uint64_t cnt, ps, k;
	const char *s, *e;

	if (type == NT_PRPSINFO && n >= 56) {
		memcpy(ci->comm, d + 40, 16);
		ci->comm[16] = 0;
	} else if (type == NT_PRSTATUS && n >= 112) {
		struct fx_thread *t = realloc(ms->t, (ms->nt + 1) * sizeof(*t));
		int32_t tid;

		if (!t)
			return -ENOMEM;
		ms->t = t;
		t += ms->nt++;
		memset(t, 0, sizeof(*t));
		memcpy(&tid, d + 32, 4);
		t->tid = t->nstid = tid;
		t->nr = -1;
		/* struct user_regs_struct at 112: rsp is its 20th word. */
		if (x86 && n >= 112 + 27 * 8) {
			uint64_t user[27];

			memcpy(user, d + 112, sizeof(user));
			t->sp = user[19];
			t->have_sp = 1;
			fx_regs_from_user(user, t->regs);
			t->have_regs = 1;
		}
	} else if (type == NT_AUXV) {
		for (k = 0; k + 16 <= n; k += 16) {
			uint64_t a, v;

			memcpy(&a, d + k, 8);
			memcpy(&v, d + k + 8, 8);
			if (a == AT_SYSINFO_EHDR)
				ci->vdso = v;
			else if (a == AT_PHDR)
				ci->phdr = v;
		}
	} else if (type == NT_FILE && n >= 16) {
		memcpy(&cnt, d, 8);
		memcpy(&ps, d + 8, 8);
		if (cnt > (n - 16) / 24 || ps == 0 || ps > (1u << 30))
			return -EBADMSG;
		ci->f = calloc(cnt ? cnt : 1, sizeof(*ci->f));
		if (!ci->f)
			return -ENOMEM;
		s = (const char *)d + 16 + cnt * 24;
		e = (const char *)d + n;
		for (k = 0; k < cnt; k++) {
			const unsigned char *q = d + 16 + k * 24;
			const char *z = s < e ? memchr(s, 0, (size_t)(e - s)) :
						NULL;

			if (!z)
				return -EBADMSG;
			memcpy(&ci->f[k].start, q, 8);
			memcpy(&ci->f[k].end, q + 8, 8);
			memcpy(&ci->f[k].off, q + 16, 8);
			if (ci->f[k].off > UINT64_MAX / ps)
				return -EBADMSG;
			ci->f[k].off *= ps;
			ci->f[k].name = s;
			ci->f[k].len = (size_t)(z - s);
			s = z + 1;
		}
		ci->nf = cnt;
	}
	return 0;
}

/* One region of a core's map, before it becomes smaps text. */
struct ent {
	uint64_t start, end;
	char perms[5];
	int empty;		/* no bytes in the core */
	const struct ntfile *f;	/* its NT_FILE entry, or NULL */
	const char *name;	/* a name given it, or NULL */
};

static int ent_add(struct ent **v, size_t *n, uint64_t start, uint64_t end)
{
	struct ent *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	memset(&nv[*n], 0, sizeof(**v));
	nv[*n].start = start;
	nv[*n].end = end;
	memcpy(nv[*n].perms, "r--p", 5);
	(*n)++;
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The permissions of a file range the core left out: from the load
 * segment of the file (here, opened safely) that its offset falls in;
 * read-only (what gcore leaves out) when that cannot be known. */
static void file_perms(struct ent *x)
{
	struct fx_elf_load ld[16];
	unsigned char *buf;
	struct stat st;
	size_t n = 0, i;
	ssize_t got;
	int fd;

	if (!x->f->len || x->f->name[0] != '/' ||
	    strlen(x->f->name) != x->f->len)
		return;
	fd = fx_safe_open(AT_FDCWD, x->f->name, 0, &st);
	if (fd < 0)
		return;
	buf = malloc(65536);
	do
		got = buf ? pread(fd, buf, 65536, 0) : -1;
	while (got < 0 && errno == EINTR);
	close(fd);
	if (got > 0 && !fx_elf_loads(buf, (size_t)got, ld, 16, &n))
		for (i = 0; i < n; i++)
			if (x->f->off >= ld[i].offset - ld[i].offset % 4096 &&
			    x->f->off < ld[i].offset + ld[i].filesz) {
				x->perms[1] = ld[i].flags & 2 ? 'w' : '-';
				x->perms[2] = ld[i].flags & 1 ? 'x' : '-';
				break;
			}
	free(buf);
}

/*
 * The [vvar] pages just below the [vdso] at ents[v]: read-only, not
 * executable, no file, adjacent. Ours and gcore leave them out (no
 * bytes); the kernel writes them (x86-64: [vvar], [vvar_vclock], 24 KiB
 * in all on 6.x), so a run with bytes is taken only up to 64 KiB, where
 * an anonymous mapping placed just below could not pass for it whole.
 */
static void name_vvar(struct ent *ents, size_t v)
{
	uint64_t span = 0;
	size_t k;

	for (k = v; k-- > 0 && !ents[k].f && ents[k].end == ents[k + 1].start &&
		    ents[k].perms[1] != 'w' && ents[k].perms[2] != 'x';) {
		span += ents[k].end - ents[k].start;
		if (!ents[k].empty && span > 65536)
			break;
		ents[k].name = "[vvar]";
	}
}

/* Name the brk heap of a core: see core_map. */
static void name_heap(struct ent *v, size_t n, const struct coreinfo *ci)
{
	const struct ntfile *exe = NULL;
	uint64_t end = 0;
	size_t i, k;

	/* The executable: the file mapped at AT_PHDR. */
	for (k = 0; k < ci->nf && !exe; k++)
		if (ci->phdr >= ci->f[k].start && ci->phdr < ci->f[k].end)
			exe = &ci->f[k];
	if (!exe)
		return;
	for (i = 0; i < n; i++) {
		if (v[i].f && v[i].f->len == exe->len &&
		    !memcmp(v[i].f->name, exe->name, exe->len)) {
			end = v[i].end;
			continue;
		}
		if (!end || v[i].start < end)
			continue;
		/* The bss right after the executable: go on past it. */
		if (!v[i].f && !v[i].name && v[i].start == end) {
			end = v[i].end;
			continue;
		}
		if (!v[i].f && !v[i].name && v[i].perms[1] == 'w' &&
		    v[i].start - end <= (1ULL << 30) + (32ULL << 20))
			v[i].name = "[heap]";
		return;
	}
}

/* The map and threads of the core mapped at base (len bytes). */
static int core_map(struct fx_memsrc *ms, const unsigned char *base,
		    size_t len, const char *path)
{
	struct coreinfo ci;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t i, k, n, nents = 0;
	struct ent *ents = NULL;
	uint64_t sp;
	Elf *e;
	int r = 0;

	memset(&ci, 0, sizeof(ci));
	r = fx_core_elf_open(base, len, path, &ms->err, &e, &n);
	if (r)
		return r;
	if (!gelf_getehdr(e, &eh)) {
		elf_end(e);
		return -EBADMSG;
	}
	ci.ms = ms;
	ci.x86 = eh.e_machine == EM_X86_64;
	/* Notes that lie are said by source.c (src.warnings): read what
	 * can be read. */
	for (i = 0; i < n && r != -ENOMEM; i++)
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_NOTE)
			r = fx_core_notes(e, &ph, len, core_note, &ci);
	if (r != -ENOMEM)
		r = 0;
	/* The first thread's stack pointer marks [stack] (the kernel and
	 * gcore write the leader first; ours does too). */
	sp = ms->nt && ms->t[0].have_sp ? ms->t[0].sp : 0;
	if (ms->nt)
		ms->pid = ms->t[0].tid;
	for (i = 0; i < ms->nt; i++)
		memcpy(ms->t[i].comm, ci.comm, sizeof(ci.comm));
	/* The regions: every PT_LOAD, and the NT_FILE ranges that have none
	 * (gcore leaves read-only file ranges out). */
	for (i = 0; i < n && !r; i++) {
		struct ent *x;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    !ph.p_memsz || ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			continue;
		r = ent_add(&ents, &nents, ph.p_vaddr, ph.p_vaddr + ph.p_memsz);
		if (r)
			break;
		x = &ents[nents - 1];
		x->perms[0] = ph.p_flags & PF_R ? 'r' : '-';
		x->perms[1] = ph.p_flags & PF_W ? 'w' : '-';
		x->perms[2] = ph.p_flags & PF_X ? 'x' : '-';
		x->empty = ph.p_filesz == 0;
		for (k = 0; k < ci.nf; k++)
			if (ci.f[k].start == ph.p_vaddr)
				x->f = &ci.f[k];
	}
	for (k = 0; k < ci.nf && !r; k++) {
		for (i = 0; i < nents; i++)
			if (ents[i].start < ci.f[k].end &&
			    ci.f[k].start < ents[i].end)
				break;
		if (i < nents || ci.f[k].end <= ci.f[k].start)
			continue;
		r = ent_add(&ents, &nents, ci.f[k].start, ci.f[k].end);
		if (!r) {
			ents[nents - 1].f = &ci.f[k];
			ents[nents - 1].empty = 1;
			file_perms(&ents[nents - 1]);
		}
	}
	if (!r && nents)
		qsort(ents, nents, sizeof(*ents), ent_cmp);
	/* Names a core does not carry: [vdso] (AT_SYSINFO_EHDR), the
	 * [vvar] pages just before it (never captured), [vsyscall] at its
	 * fixed address, [stack] where the first thread's stack pointer is,
	 * [heap] (brk) the first anonymous region past the executable's
	 * mappings and their bss, within the brk randomisation (32 MiB; 1 GiB
	 * since Linux 6.9 on x86-64). */
	for (i = 0; i < nents && !r; i++) {
		struct ent *x = &ents[i];

		if (x->f)
			continue;
		if (x->start == ci.vdso)
			x->name = "[vdso]";
		else if (x->start == 0xffffffffff600000ULL)
			x->name = "[vsyscall]";
		else if (sp >= x->start && sp < x->end)
			x->name = "[stack]";
	}
	for (i = nents; i-- > 1;)
		if (ents[i].name && !strcmp(ents[i].name, "[vdso]"))
			name_vvar(ents, i);
	name_heap(ents, nents, &ci);
	for (i = 0; i < nents && !r; i++) {
		const struct ent *x = &ents[i];
		char line[64];

		r = add_header(&ms->text, x->start, x->end, x->perms,
			       x->f ? x->f->off : 0, 0, 0, 0,
			       x->f ? x->f->name : x->name ? x->name : "",
			       x->f ? x->f->len : x->name ? strlen(x->name) : 0);
		snprintf(line, sizeof(line), "Size: %llu kB\n",
			 (unsigned long long)((x->end - x->start) / 1024));
		r = r ? r : fx_buf_adds(&ms->text, line);
	}
	free(ents);
	free(ci.f);
	elf_end(e);
	return r;
}

/*
 * A core's file mappings hold no dev:inode: give those whose file is at
 * its path here the identity of that file, so that classify knows them
 * for file mappings (class file, code, data...), whether or not it is
 * still the mapped file: its bytes are read only when it is (file_of).
 * The others keep 0: anon, and a missing libc is said so.
 */
static void core_files(struct fx_memsrc *ms)
{
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < ms->maps.n; i++) {
		struct fx_region *r = &ms->maps.r[i];

		if (!r->name_len || r->name[0] != '/' ||
		    strlen(r->name) != r->name_len)
			continue;
		fd = file_of(ms, i);
		if (fd >= 0) {
			if (fstat(fd, &st))
				continue;
		} else {
			fd = fx_safe_open(AT_FDCWD, r->name, 0, &st);
			if (fd < 0)
				continue;
			close(fd);
		}
		r->inode = st.st_ino;
		r->dev_major = major(st.st_dev);
		r->dev_minor = minor(st.st_dev);
	}
}

int fx_memsrc_open_path(struct fx_memsrc *ms, const char *path)
{
	struct fx_err err = { 0, "" };
	struct stat st;
	void *base = MAP_FAILED;
	int kind, fd, r;

	ms_init(ms);
	kind = fx_memsrc_probe(path);
	if (kind <= 0) {
		fx_err_set(&ms->err, 0, "cannot read '%s': %s", path,
			   kind < 0 ? fx_safe_open_why(kind) :
				      "neither a dump directory (regions.tsv) "
				      "nor an ELF core");
		return kind < 0 ? kind : -EINVAL;
	}
	ms->kind = kind == 1 ? FX_MS_DUMP : FX_MS_CORE;
	ms->file = fx_memsrc_file_read;
	ms->file_ctx = ms;
	r = fx_source_add_path(&ms->src, path, 0);
	if (r) {
		ms->err = ms->src.err;
		return r;
	}
	if (ms->src.n)	/* qsort of NULL, even 0 items, is undefined */
		qsort(ms->src.r, ms->src.n, sizeof(*ms->src.r), reg_cmp);
	fd = fx_safe_open(AT_FDCWD, path, FX_OPEN_DIR, &st);
	if (fd < 0) {
		fx_err_set(&ms->err, 0, "cannot open '%s': %s", path,
			   fx_safe_open_why(fd));
		return fd;
	}
	if (ms->kind == FX_MS_DUMP) {
		r = dump_map(ms, fd, path);
		if (!r)
			r = dump_threads(ms, fd);
		if (!r)
			r = dump_holes(ms, fd);
	} else {
		base = st.st_size > 0 ? mmap(NULL, (size_t)st.st_size,
					     PROT_READ, MAP_PRIVATE, fd, 0) :
					MAP_FAILED;
		r = base == MAP_FAILED ? -errno :
			core_map(ms, base, (size_t)st.st_size, path);
	}
	close(fd);
	if (!r)
		r = fx_maps_parse(&ms->maps, ms->text.data, ms->text.len, &err);
	/* regions.tsv may come in any order (dump-region of records from
	 * rank); the readers look regions up by address. The regions' names
	 * point into the map's pool, which does not move. */
	if (!r && ms->maps.n)
		qsort(ms->maps.r, ms->maps.n, sizeof(*ms->maps.r), map_cmp);
	if (base != MAP_FAILED)
		munmap(base, (size_t)st.st_size);
	if (r == -EBADMSG && err.msg[0])
		fx_err_set(&ms->err, 0, "'%s': its map: %s", path, err.msg);
	if (!r && ms->kind == FX_MS_CORE)
		core_files(ms);
	if (!r && ms->kind == FX_MS_CORE && !ms->nt)
		snprintf(ms->threads_note, sizeof(ms->threads_note),
			 "the core holds no NT_PRSTATUS note");
	return r;
}

const char *fx_memsrc_warnings(struct fx_memsrc *ms)
{
	return fx_source_warnings(&ms->src);
}
