/*
 * source: regions to scan from live memory, dump files and cores, and the
 * threaded scan of them (see source.h).
 *
 * The threaded scan. Regions are cut into jobs: windows [lo, hi) of
 * FX_JOB bytes (see scan.h for how a window is fed from a little before
 * lo and past hi until its hits are complete). Worker threads take jobs in
 * order and keep their hits in a ring of result slots; the calling thread
 * hands the hits of job k to the callback once job k is done, so output
 * comes in address order and memory stays bounded by the ring (plus the
 * text of the hits of the jobs in it). With --top there is no ring: each
 * worker counts into its own histogram, merged at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "dumpdir.h"
#include "internal.h"
#include "livesrc.h"
#include "maps.h"
#include "memsrc.h"
#include "rec.h"
#include "safeopen.h"
#include "source.h"

#define FX_JOB (4u << 20)	/* bytes of a job's window */
#define NSLOT 16		/* jobs in flight, ahead of the output */
#define NRUNS 256		/* page runs asked of pagemap at once */
#define NSEG 64			/* pieces per process_vm_readv */

void fx_source_init(struct fx_source *src)
{
	memset(src, 0, sizeof(*src));
	fx_buf_init(&src->notes);
	fx_buf_init(&src->warnings);
}

void fx_source_release(struct fx_source *src)
{
	size_t i;

	for (i = 0; i < src->nmaps; i++)
		munmap(src->maps[i].base, src->maps[i].len);
	for (i = 0; i < src->nprocs; i++)
		if (src->procs[i].opened)
			fx_proc_release(&src->procs[i].p);
	for (i = 0; i < src->n; i++)
		free(src->r[i].ext);
	free(src->maps);
	free(src->procs);
	free(src->r);
	free(src->req);
	fx_buf_release(&src->notes);
	fx_buf_release(&src->warnings);
	memset(src, 0, sizeof(*src));
}

static void vnote(struct fx_buf *b, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (!fx_buf_adds(b, line))
		fx_buf_addc(b, '\n');
}

/* Something the user may want to know: what was skipped, and why. */
static void note(struct fx_source *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct fx_source *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(&src->notes, fmt, ap);
	va_end(ap);
}

/* Something that failed: the output is partial. */
static void warn(struct fx_source *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct fx_source *src, const char *fmt, ...)
{
	va_list ap;

	if (src->failures++ >= FX_SOURCE_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vnote(&src->warnings, fmt, ap);
	va_end(ap);
}

const char *fx_source_warnings(struct fx_source *src)
{
	char line[96];

	if (src->failures > FX_SOURCE_MAX_WARNINGS && !src->told_more) {
		snprintf(line, sizeof(line), "... and %lu more warnings like "
			 "these", src->failures - FX_SOURCE_MAX_WARNINGS);
		if (!fx_buf_adds(&src->warnings, line))
			fx_buf_addc(&src->warnings, '\n');
		src->told_more = 1;
	}
	return src->warnings.data ? src->warnings.data : "";
}

static int add_region(struct fx_source *src, long pid, uint64_t start,
		      uint64_t end, int live, const unsigned char *map,
		      uint64_t maplen)
{
	struct fx_src_region *r;

	if (FX_GROW(src->r, src->n, src->cap, 64))
		return -ENOMEM;
	r = &src->r[src->n++];
	r->pid = pid;
	r->starttime = src->st_next;
	r->start = start;
	r->end = end;
	r->live = live;
	r->map = map;
	r->maplen = maplen < end - start ? maplen : end - start;
	r->ext = NULL;
	r->next = 0;
	return 0;
}

/* add_region of mapped bytes p (len of them) with the data extents of a
 * sparse file (ext, next: owned, freed on failure). 0 or -ENOMEM. */
static int add_mapped(struct fx_source *src, long pid, uint64_t start,
		      uint64_t end, const unsigned char *p, uint64_t len,
		      uint64_t *ext, size_t next)
{
	int r = add_region(src, pid, start, end, -1, p, len);

	if (r) {
		free(ext);
		return r;
	}
	src->r[src->n - 1].ext = ext;
	src->r[src->n - 1].next = next;
	return 0;
}

/*
 * The data extents of the first size bytes of the sparse file open on fd
 * (SEEK_DATA/SEEK_HOLE), as (offset, length) pairs in *ext; *ext NULL
 * when the file is not sparse enough to matter or the filesystem cannot
 * tell. 0 or -ENOMEM.
 */
static int data_extents(int fd, const struct stat *st, uint64_t size,
			uint64_t **ext, size_t *next)
{
	off_t pos = 0, data, hole, end = (off_t)size;
	uint64_t *e = NULL, *ne;
	size_t n = 0, cap = 0;

	*ext = NULL;
	*next = 0;
	/* Mostly allocated: scanning it whole costs little more. */
	if ((uint64_t)st->st_blocks * 512 >= (uint64_t)st->st_size / 2)
		return 0;
	while (pos < end) {
		data = lseek(fd, pos, SEEK_DATA);
		if (data < 0) {
			if (errno == ENXIO)
				break;	/* only a hole is left */
			free(e);
			return 0;	/* cannot tell: scan it all */
		}
		if (data >= end)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || hole > end)
			hole = end;
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 64;
			ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				free(e);
				return -ENOMEM;
			}
			e = ne;
		}
		e[n++] = (uint64_t)data;
		e[n++] = (uint64_t)(hole - data);
		pos = hole;
	}
	if (!e) {
		/* No data at all: one empty extent, so nothing is scanned. */
		e = malloc(2 * sizeof(*e));
		if (!e)
			return -ENOMEM;
		e[0] = e[1] = 0;
		n = 2;
	}
	*ext = e;
	*next = n / 2;
	return 0;
}

/* Keep mapping p (len bytes) until fx_source_release; munmapped when it
 * cannot be kept. 0 or -ENOMEM. */
static int keep_map(struct fx_source *src, void *p, size_t len)
{
	struct fx_src_map *m;

	m = realloc(src->maps, (src->nmaps + 1) * sizeof(*m));
	if (!m) {
		munmap(p, len);
		return -ENOMEM;
	}
	src->maps = m;
	src->maps[src->nmaps].base = p;
	src->maps[src->nmaps].len = len;
	src->nmaps++;
	return 0;
}

/*
 * Map the first limit bytes (at most) of the regular file open on fd (st:
 * its fstat) read-only; *len 0 (and *base NULL) for an empty file. 0 or
 * a negative errno.
 */
static int map_fd(struct fx_source *src, int fd, const struct stat *st,
		  uint64_t limit, const unsigned char **base, uint64_t *len,
		  uint64_t **ext, size_t *next)
{
	uint64_t n = (uint64_t)st->st_size < limit ? (uint64_t)st->st_size :
						     limit;
	void *p;
	int r;

	*base = NULL;
	*len = 0;
	*ext = NULL;
	*next = 0;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX)
		return -EFBIG;
	r = data_extents(fd, st, n, ext, next);
	if (r)
		return r;
	p = mmap(NULL, (size_t)n, PROT_READ, MAP_PRIVATE, fd, 0);
	/* No room for it in our address space: this file's problem, not
	 * the scan's (-ENOMEM would stop everything). */
	r = p == MAP_FAILED ? (errno == ENOMEM ? -EFBIG : -errno) :
			      keep_map(src, p, (size_t)n);
	if (r) {
		free(*ext);
		*ext = NULL;
		return r;
	}
	*base = p;
	*len = n;
	return 0;
}

/* ---- ELF cores ---- */

/* NT_PRPSINFO's pid (arg: a long, 0 until found): 1 found, -EBADMSG
 * when the note is too short to hold pr_pid, or holds no pid. */
static int prpsinfo_pid(void *arg, uint32_t type, const unsigned char *d,
			size_t n)
{
	int32_t pid;

	if (type != NT_PRPSINFO)
		return 0;
	/* struct elf_prpsinfo (x86-64, aarch64): pr_pid at 24. */
	if (n < 28)
		return -EBADMSG;
	memcpy(&pid, d + 24, 4);
	if (pid <= 0)
		return -EBADMSG;
	*(long *)arg = pid;
	return 1;
}

/*
 * The pid in the NT_PRPSINFO note of note segment ph of a core of len
 * bytes: > 0, 0 when the segment has no such note, -EBADMSG when its notes
 * cannot be trusted (memsrc.h: fx_core_notes), or the NT_PRPSINFO is too
 * short to hold pr_pid.
 */
static long core_pid(Elf *e, const GElf_Phdr *ph, uint64_t len)
{
	long pid = 0;
	int r = fx_core_notes(e, ph, len, prpsinfo_pid, &pid);

	return r < 0 ? r : pid;
}

/* NT_FILE's ranges (arg: a struct core_files), for scan --top's rule:
 * which segments map a file. The paths are not needed. */
struct core_files {
	uint64_t *range;	/* start, end, start, end... */
	size_t n;
};

static int ntfile_ranges(void *arg, uint32_t type, const unsigned char *d,
			 size_t n)
{
	struct core_files *cf = arg;
	uint64_t cnt, k;

	if (type != NT_FILE || n < 16 || cf->range)
		return 0;
	memcpy(&cnt, d, 8);
	if (cnt > (n - 16) / 24)
		return -EBADMSG;
	cf->range = malloc((cnt ? cnt : 1) * 2 * sizeof(*cf->range));
	if (!cf->range)
		return -ENOMEM;
	for (k = 0; k < cnt; k++) {
		memcpy(&cf->range[2 * k], d + 16 + k * 24, 8);
		memcpy(&cf->range[2 * k + 1], d + 16 + k * 24 + 8, 8);
	}
	cf->n = cnt;
	return 0;
}

/* Is segment ph of a core code or a file's read-only bytes (fx_code_like:
 * perms from p_flags, a file mapping when NT_FILE has its range)? perms
 * and *file say what was found. */
static int core_code_like(const GElf_Phdr *ph, const struct core_files *cf,
			  char perms[5], int *file)
{
	size_t k;

	perms[0] = ph->p_flags & PF_R ? 'r' : '-';
	perms[1] = ph->p_flags & PF_W ? 'w' : '-';
	perms[2] = ph->p_flags & PF_X ? 'x' : '-';
	perms[3] = 'p';
	perms[4] = 0;
	*file = 0;
	for (k = 0; k < cf->n && !*file; k++)
		*file = cf->range[2 * k] < ph->p_vaddr + ph->p_memsz &&
			cf->range[2 * k + 1] > ph->p_vaddr;
	/* fx_code_like takes region records' inode column: "-" or "0"
	 * for none; NT_FILE has no inode, only that there is a file. */
	return fx_code_like(perms, *file ? "file" : "-");
}

static int add_core(struct fx_source *src, const char *path,
		    const unsigned char *base, uint64_t len)
{
	GElf_Phdr ph;
	size_t i, n, nload = 0;
	long pid = -1;
	Elf *e;
	int r = 0;
	struct core_files cf = { NULL, 0 };
	char perms[5];
	int file;

	r = fx_core_elf_open(base, len, path, &src->err, &e, &n);
	if (r)
		return r;
	for (i = 0; i < n && pid < 0; i++) {
		long v;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		v = core_pid(e, &ph, len);
		if (v > 0) {
			pid = v;
		} else if (v < 0) {
			warn(src, "'%s': its notes are malformed (sizes past "
			     "their segment or the file): the pid is unknown",
			     path);
			break;
		}
	}
	/* scan --top: code and read-only file segments are skipped, as in
	 * region records; malformed notes were said above (then only the
	 * x rule applies). */
	for (i = 0; src->skip_code && i < n && !cf.range; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		if (fx_core_notes(e, &ph, len, ntfile_ranges, &cf) == -ENOMEM)
			r = -ENOMEM;
	}
	for (i = 0; i < n && !r; i++) {
		uint64_t filesz;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		nload++;
		if (ph.p_memsz == 0)
			continue;
		if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr) {
			warn(src, "'%s': segment %zu (0x%llx, %llu bytes) runs "
			     "past the end of the address space: not read",
			     path, i, (unsigned long long)ph.p_vaddr,
			     (unsigned long long)ph.p_memsz);
			continue;
		}
		if (src->skip_code && core_code_like(&ph, &cf, perms, &file)) {
			note(src, "0x%012llx-0x%012llx skipped (%s %s: code or "
			     "a read-only file; --with-code scans it)",
			     (unsigned long long)ph.p_vaddr,
			     (unsigned long long)(ph.p_vaddr + ph.p_memsz),
			     perms, file ? "file" : "-");
			continue;
		}
		/* A segment that claims more file than there is: the rest
		 * is a hole (a truncated core, or a hostile one). */
		filesz = ph.p_offset < len ? len - ph.p_offset : 0;
		if (ph.p_filesz < filesz)
			filesz = ph.p_filesz;
		if (filesz < ph.p_filesz)
			warn(src, "'%s': segment at 0x%012llx has %llu of its "
			     "%llu bytes in the file (the core is truncated): "
			     "the rest is a hole", path,
			     (unsigned long long)ph.p_vaddr,
			     (unsigned long long)filesz,
			     (unsigned long long)ph.p_filesz);
		r = add_region(src, pid, ph.p_vaddr, ph.p_vaddr + ph.p_memsz,
			       -1, filesz ? base + ph.p_offset : NULL, filesz);
	}
	elf_end(e);
	free(cf.range);
	if (!r && !nload) {
		/* E.g. e_phnum PN_XNUM without the section header that
		 * holds the real count. */
		fx_err_set(&src->err, 0, "'%s': not an ELF core (no PT_LOAD "
			   "segment: no memory in it)", path);
		return -EBADMSG;
	}
	return r;
}

/* The length of path without its trailing slashes (but "/" stays). */
static int shown_len(const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return n > 4096 ? 4096 : (int)n;
}

static int add_records_at(struct fx_source *src, int fd, int dirfd,
			  const char *dir);

/* A dump directory open on dirfd (an O_PATH descriptor), named path:
 * its regions.tsv, opened as every file of it is (safeopen.h). */
static int add_dir(struct fx_source *src, int dirfd, const char *path)
{
	struct stat st;
	int fd, r;

	fd = fx_safe_open(dirfd, "regions.tsv", FX_OPEN_BENEATH, &st);
	if (fd < 0) {
		fx_err_set(&src->err, 0, "cannot open '%.*s/regions.tsv': %s "
			   "(a dump directory holds regions.tsv)",
			   shown_len(path), path, fx_safe_open_why(fd));
		return fd;
	}
	r = add_records_at(src, fd, dirfd, path);
	close(fd);
	return r;
}

int fx_source_add_path(struct fx_source *src, const char *path,
		       uint64_t base)
{
	const unsigned char *p;
	uint64_t len, *ext;
	struct stat st;
	size_t next;
	int fd, r;

	/* A name the user gave: a symbolic link is followed; still only a
	 * directory or a regular file is opened (a FIFO would block). */
	fd = fx_safe_open(AT_FDCWD, path, FX_OPEN_DIR, &st);
	if (fd < 0) {
		fx_err_set(&src->err, 0, "cannot open '%s': %s", path,
			   fx_safe_open_why(fd));
		return fd;
	}
	if (S_ISDIR(st.st_mode)) {
		r = add_dir(src, fd, path);
		close(fd);
		return r;
	}
	r = map_fd(src, fd, &st, UINT64_MAX, &p, &len, &ext, &next);
	close(fd);
	if (r) {
		fx_err_set(&src->err, 0, "cannot map '%s': %s", path,
			   strerror(-r));
		return r;
	}
	if (len >= 64 && memcmp(p, ELFMAG, SELFMAG) == 0 &&
	    p[EI_CLASS] == ELFCLASS64 && p[16] == ET_CORE && p[17] == 0) {
		free(ext);
		return add_core(src, path, p, len);
	}
	if (base + len < base) {
		free(ext);
		fx_err_set(&src->err, 0, "'%s': %llu bytes do not fit at "
			   "0x%llx", path, (unsigned long long)len,
			   (unsigned long long)base);
		return -EINVAL;
	}
	return add_mapped(src, -1, base, base + len, p, len, ext, next);
}

/* ---- region records ---- */

static int add_req(struct fx_source *src, long pid, uint64_t start,
		   uint64_t end)
{
	if (FX_GROW(src->req, src->nreq, src->reqcap, 64))
		return -ENOMEM;
	src->req[src->nreq++] = (struct fx_src_req){ .pid = pid,
						     .starttime = src->st_next,
						     .start = start,
						     .end = end };
	return 0;
}

/*
 * A region file compressed by dump-region --zstd, open on fd: unpacked
 * into fresh anonymous memory of the region's size, where only pages
 * holding a nonzero byte are written (holes cost nothing). *len is the
 * bytes unpacked, size + 1 when the frame holds more than size. 0 or a
 * negative errno (-EBADMSG: not zstd).
 */
static int unpack_fd(struct fx_source *src, int fd, uint64_t size,
		     const unsigned char **base, uint64_t *len)
{
	long got;
	void *p;
	int r;

	*base = NULL;
	*len = 0;
	if (!size)
		return 0;
	if (size > SIZE_MAX || size >= LONG_MAX)
		return -EFBIG;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return errno == ENOMEM ? -EFBIG : -errno;
	got = fx_zstd_unpack(fd, p, size);
	if (got < 0) {
		munmap(p, (size_t)size);
		return (int)got;
	}
	r = keep_map(src, p, (size_t)size);
	if (r)
		return r;
	*base = p;
	*len = (uint64_t)got;
	return 0;
}

/*
 * A record whose bytes are in a file: in the dump directory open on dirfd
 * (named dir; the file must be inside it: safeopen.h), or, for records
 * on stdin (dirfd -1), at the path it names. A file that cannot be read,
 * or is not the region's size, is said in a warning; what is missing is a
 * hole. 0 or -ENOMEM.
 */
static int add_file_record(struct fx_source *src, int dirfd, const char *dir,
			   long pid, uint64_t start, uint64_t end,
			   const char *file)
{
	const unsigned char *p = NULL;
	uint64_t len = 0, flen, size = end - start, *ext = NULL;
	size_t n = strlen(file), next = 0;
	struct fx_buf shown;
	struct stat st;
	int fd, r, zst = n > 4 && strcmp(file + n - 4, ".zst") == 0;

	/* The name as the messages show it: hostile bytes escaped. */
	fx_buf_init(&shown);
	if (dir) {
		r = fx_buf_add(&shown, dir, (size_t)shown_len(dir));
		r = r ? r : fx_buf_addc(&shown, '/');
	} else {
		r = 0;
	}
	if (r || fx_escape(&shown, file, n) || !shown.data) {
		fx_buf_release(&shown);
		return -ENOMEM;
	}
	if (dirfd >= 0)
		fd = fx_safe_open(dirfd, file, FX_OPEN_BENEATH, &st);
	else
		fd = fx_safe_open(AT_FDCWD, file, 0, &st);
	if (fd < 0) {
		r = fd;
	} else {
		if (zst)
			r = unpack_fd(src, fd, size, &p, &len);
		else
			r = map_fd(src, fd, &st, size, &p, &len, &ext, &next);
		close(fd);
	}
	if (r == -ENOMEM) {
		fx_buf_release(&shown);
		return r;
	}
	if (r) {
		warn(src, "cannot read '%s': %s; 0x%012llx-0x%012llx is a "
		     "hole", shown.data,
		     zst && r == -EBADMSG ? "not a zstd frame" :
		     r == -EFBIG	  ? "too large to map here" :
					    fx_safe_open_why(r),
		     (unsigned long long)start, (unsigned long long)end);
		fx_buf_release(&shown);
		return add_region(src, pid, start, end, -1, NULL, 0);
	}
	flen = zst ? len : (uint64_t)st.st_size;
	if (flen < size)
		warn(src, "'%s': %llu bytes short of its region "
		     "0x%012llx-0x%012llx: the rest is a hole", shown.data,
		     (unsigned long long)(size - flen),
		     (unsigned long long)start, (unsigned long long)end);
	else if (flen > size && zst)
		warn(src, "'%s': more bytes than its region "
		     "0x%012llx-0x%012llx: only the region's bytes are read",
		     shown.data, (unsigned long long)start,
		     (unsigned long long)end);
	else if (flen > size)
		warn(src, "'%s': %llu bytes longer than its region "
		     "0x%012llx-0x%012llx: only the region's bytes are read",
		     shown.data, (unsigned long long)(flen - size),
		     (unsigned long long)start, (unsigned long long)end);
	fx_buf_release(&shown);
	if (len > size)
		len = size;
	return add_mapped(src, pid, start, end, p, len, ext, next);
}

int fx_source_add_records(struct fx_source *src, int fd, const char *dir)
{
	struct stat st;
	int dirfd, r;

	if (!dir)
		return add_records_at(src, fd, -1, NULL);
	dirfd = fx_safe_open(AT_FDCWD, dir, FX_OPEN_DIR, &st);
	if (dirfd >= 0 && !S_ISDIR(st.st_mode)) {
		close(dirfd);
		dirfd = -ENOTDIR;
	}
	if (dirfd < 0) {
		fx_err_set(&src->err, 0, "cannot open '%s': %s", dir,
			   fx_safe_open_why(dirfd));
		return dirfd;
	}
	r = add_records_at(src, fd, dirfd, dir);
	close(dirfd);
	return r;
}

static int add_records_at(struct fx_source *src, int fd, int dirfd,
			  const char *dir)
{
	struct fx_reader rd;
	struct fx_buf file;
	struct fx_region_colidx c;
	uint64_t start, end, pid, st;
	int r, ret = 0, cst = -1;

	r = fx_reader_init(&rd, fd, fx_region_cols, fx_region_ncols);
	if (r)
		return r;
	fx_buf_init(&file);
	fx_region_colidx(&c, NULL);
	while ((r = fx_reader_next(&rd)) != 0) {
		if (r == -EBADMSG) {
			src->err = rd.err;
			ret = r;
			if (rd.err.line == 0)
				break;
			continue;
		}
		if (r < 0) {
			ret = r;
			break;
		}
		if (rd.hdr_changed) {
			fx_region_colidx(&c, &rd);
			cst = fx_reader_col(&rd, "starttime");
			if (c.start < 0 || c.end < 0) {
				fx_err_set(&src->err, rd.lineno,
					   "no start and end columns: not "
					   "region records");
				ret = -EINVAL;
				break;
			}
		}
		if (fx_parse_u64(rd.f[c.start], &start, 0) ||
		    fx_parse_u64(rd.f[c.end], &end, 0) || end < start) {
			fx_err_set(&src->err, rd.lineno, "bad start or end");
			ret = -EBADMSG;
			continue;
		}
		if (c.pid < 0 || fx_parse_u64(rd.f[c.pid], &pid, 0) ||
		    pid > 0x7fffffff)
			pid = (uint64_t)-1;
		if (cst < 0 || fx_parse_u64(rd.f[cst], &st, 0))
			st = 0;
		src->st_next = st;
		/* memmap --rollup's totals: the whole address space as one
		 * region. Refused, as dump-region does (select.c). */
		if (fx_reader_rollup(&rd, pid, &src->err)) {
			ret = -EINVAL;
			break;
		}
		if (end == start)
			continue;
		if (src->skip_code && c.perms >= 0 &&
		    fx_code_like(rd.f[c.perms],
				 c.inode >= 0 ? rd.f[c.inode] : "-")) {
			note(src, "0x%012llx-0x%012llx skipped (%s %s: code or "
			     "a read-only file; --with-code scans it)",
			     (unsigned long long)start,
			     (unsigned long long)end, rd.f[c.perms],
			     c.inode >= 0 ? rd.f[c.inode] : "-");
			continue;
		}
		if (c.file >= 0 && strcmp(rd.f[c.file], "-") != 0) {
			fx_buf_reset(&file);
			r = fx_unescape(&file, rd.f[c.file],
					strlen(rd.f[c.file]));
			if (!r)
				r = add_file_record(src, dirfd, dir, (long)pid,
						    start, end, file.data);
		} else if (dir) {
			note(src, "0x%012llx-0x%012llx: not in the dump",
			     (unsigned long long)start,
			     (unsigned long long)end);
			r = 0;
		} else if (pid == (uint64_t)-1) {
			fx_err_set(&src->err, rd.lineno,
				   "a record without pid or file");
			ret = -EBADMSG;
			r = 0;
		} else {
			r = add_req(src, (long)pid, start, end);
		}
		if (r) {
			ret = r;
			break;
		}
	}
	src->st_next = 0;
	fx_buf_release(&file);
	fx_reader_release(&rd);
	return ret;
}

/* ---- live memory ---- */

static int proc_index(struct fx_source *src, long pid)
{
	size_t i;

	for (i = 0; i < src->nprocs; i++)
		if (src->procs[i].pid == pid)
			return (int)i;
	return -1;
}

static int resolve_req(struct fx_source *src, const struct fx_src_req *q,
		       int pi, const struct fx_maps *m)
{
	uint64_t at = q->start, s, e;
	const char *why;
	size_t i;
	int r;

	for (i = fx_region_after(m, q->start); i < m->n; i++) {
		const struct fx_region *v = &m->r[i];

		if (v->start >= q->end)
			break;
		s = v->start > q->start ? v->start : q->start;
		e = v->end < q->end ? v->end : q->end;
		if (s > at)
			note(src, "pid %ld: 0x%012llx-0x%012llx no longer "
			     "mapped", q->pid, (unsigned long long)at,
			     (unsigned long long)s);
		at = e;
		why = fx_dump_skip_reason(v, src->include_dd);
		if (why) {
			note(src, "pid %ld: 0x%012llx-0x%012llx skipped (%s)",
			     q->pid, (unsigned long long)s,
			     (unsigned long long)e, why);
			continue;
		}
		src->st_next = src->procs[pi].p.starttime;
		r = add_region(src, q->pid, s, e, pi, NULL, 0);
		src->st_next = 0;
		if (r)
			return r;
	}
	if (at < q->end)
		note(src, "pid %ld: 0x%012llx-0x%012llx no longer mapped",
		     q->pid, (unsigned long long)at,
		     (unsigned long long)q->end);
	return 0;
}

int fx_source_resolve(struct fx_source *src)
{
	struct fx_maps *maps;
	struct fx_err err;
	struct fx_buf b;
	size_t i, np = 0;
	int r = 0, pi;

	if (!src->nreq)
		return 0;
	src->procs = calloc(src->nreq, sizeof(*src->procs));
	maps = calloc(src->nreq, sizeof(*maps));
	if (!src->procs || !maps) {
		free(maps);
		return -ENOMEM;
	}
	fx_buf_init(&b);
	for (i = 0; i < src->nreq && !r; i++) {
		struct fx_src_proc *sp;
		long pid = src->req[i].pid;

		if (proc_index(src, pid) >= 0)
			continue;
		sp = &src->procs[np];
		sp->pid = (int)pid;
		fx_maps_init(&maps[np]);
		src->nprocs = ++np;
		/* Pinned to the records' start time: a pid reused by
		 * another process since is not read as theirs. */
		r = fx_proc_open_pinned(&sp->p, (int)pid,
					src->req[i].starttime);
		if (r == -ESTALE) {
			warn(src, "cannot read pid %ld: not the process of the "
			     "records (it did not start at %llu: that process "
			     "exited; its pid was reused)", pid,
			     src->req[i].starttime);
			sp->gone = 1;
			r = 0;
			continue;
		}
		if (r == 0) {
			sp->opened = 1;
			r = fx_proc_read_map(&sp->p, "smaps", &b,
					     FX_SMAPS_READ_SIZE, NULL);
		}
		if (r == 0 && b.len == 0)
			r = -ESRCH;
		if (r == 0 &&
		    fx_maps_parse(&maps[np - 1], b.data, b.len, &err) == -ENOMEM)
			r = -ENOMEM;
		if (r == -ENOMEM)
			break;
		if (r) {
			warn(src, "cannot read pid %ld: %s%s", pid,
			     r == -ESRCH ? "no such process (or no memory map)"
					 : strerror(-r),
			     r == -EACCES || r == -EPERM ?
				     " (run as the process owner or root)" :
				     "");
			sp->gone = 1;
			if (sp->opened)
				fx_proc_release(&sp->p);
			sp->opened = 0;
			r = 0;
		}
	}
	for (i = 0; i < src->nreq && !r; i++) {
		pi = proc_index(src, src->req[i].pid);
		if (!src->procs[pi].gone)
			r = resolve_req(src, &src->req[i], pi, &maps[pi]);
	}
	for (i = 0; i < np; i++)
		fx_maps_release(&maps[i]);
	free(maps);
	fx_buf_release(&b);
	return r;
}

/* ---- reading, one reader per thread ---- */

struct reader {
	struct fx_source *src;
	int proc;		/* process ls is open for, or -1 */
	struct fx_livesrc ls;
	char *buf;
	size_t cap;
	struct fx_page_run runs[NRUNS];
	struct fx_mem_seg seg[NSEG];
	uint64_t bytes, holes;	/* inside the windows owned */
	uint64_t lo, hi;	/* the window owned, for the counts */
};

static void reader_close(struct reader *rd)
{
	if (rd->proc >= 0)
		fx_livesrc_release(&rd->ls);
	rd->proc = -1;
}

static uint64_t clip(const struct reader *rd, uint64_t a, uint64_t b)
{
	if (a < rd->lo)
		a = rd->lo;
	if (b > rd->hi)
		b = rd->hi;
	return b > a ? b - a : 0;
}

/* Feed the scanner the segments seg[0..n) that were read whole. */
static int feed_segs(struct reader *rd, struct fx_scanner *sc, size_t n)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = fx_scanner_feed(sc, rd->seg[i].addr, rd->seg[i].buf,
				    rd->seg[i].len);
		if (r)
			return r;
		rd->bytes += clip(rd, rd->seg[i].addr,
				  rd->seg[i].addr + rd->seg[i].len);
	}
	return 0;
}

/* Read n segments and feed them; a page that cannot be read is a hole.
 * 0, -ESRCH (the process is gone) or the scanner's error. */
static int read_segs(struct reader *rd, struct fx_scanner *sc, size_t n)
{
	size_t got, k, ps = fx_page_size(), skip;
	struct fx_mem_seg *sg = rd->seg;
	int why, r;

	while (n) {
		got = fx_livesrc_readv(&rd->ls, sg, n, &why);
		for (k = 0; k < n && got >= sg[k].len; k++)
			got -= sg[k].len;
		/* sg[0..k) read whole; sg[k] read for got bytes. */
		memmove(rd->seg, sg, k * sizeof(*sg));
		r = feed_segs(rd, sc, k);
		if (r)
			return r;
		if (k == n)
			return 0;
		sg += k;
		n -= k;
		if (got) {
			rd->seg[0] = sg[0];
			rd->seg[0].len = got;
			if ((r = feed_segs(rd, sc, 1)))
				return r;
		}
		if (why == -ESRCH)
			return -ESRCH;
		/* Skip the page that failed: unmapped or changed under us. */
		skip = ps - (sg[0].addr + got) % ps;
		if (skip > sg[0].len - got)
			skip = sg[0].len - got;
		rd->holes += clip(rd, sg[0].addr + got,
				  sg[0].addr + got + skip);
		sg[0].addr += got + skip;
		sg[0].buf = (char *)sg[0].buf + got + skip;
		sg[0].len -= got + skip;
		if (sg[0].len == 0) {
			sg++;
			n--;
		}
	}
	return 0;
}

static int read_live(struct reader *rd, const struct fx_src_region *reg,
		     uint64_t lo, uint64_t hi, struct fx_scanner *sc)
{
	struct fx_src_proc *sp = &rd->src->procs[reg->live];
	uint64_t ps = fx_page_size(), plo = lo & ~(ps - 1);
	uint64_t phi = (hi + ps - 1) & ~(ps - 1), next = plo, a, b;
	uint64_t covered = lo;
	size_t nseg = 0, i;
	long nr;
	int r;

	if (sp->gone) {
		rd->holes += clip(rd, lo, hi);
		return 0;
	}
	if (rd->proc != reg->live) {
		reader_close(rd);
		r = fx_livesrc_open(&rd->ls, &sp->p, NULL, 1);
		if (r) {
			sp->gone = 1;
			rd->holes += clip(rd, lo, hi);
			return r == -ESRCH ? -ESRCH : 0;
		}
		rd->proc = reg->live;
	}
	if (rd->cap < hi - lo) {
		free(rd->buf);
		rd->buf = malloc(hi - lo);
		rd->cap = rd->buf ? hi - lo : 0;
		if (!rd->buf)
			return -ENOMEM;
	}
	while (next < phi) {
		nr = fx_livesrc_runs(&rd->ls, next, phi, rd->runs, NRUNS,
				     &next);
		if (nr < 0)
			return nr == -ESRCH ? -ESRCH : 0;
		for (i = 0; i < (size_t)nr; i++) {
			if (!(rd->runs[i].flags & FX_RUN_PRESENT))
				continue;
			a = rd->runs[i].start > lo ? rd->runs[i].start : lo;
			b = rd->runs[i].end < hi ? rd->runs[i].end : hi;
			if (a >= b)
				continue;
			rd->holes += clip(rd, covered, a);
			covered = b;
			rd->seg[nseg].addr = a;
			rd->seg[nseg].len = b - a;
			rd->seg[nseg].buf = rd->buf + (a - lo);
			if (++nseg == NSEG) {
				if ((r = read_segs(rd, sc, nseg)))
					return r;
				nseg = 0;
			}
		}
		if (nr == 0)
			break;
	}
	rd->holes += clip(rd, covered, hi);
	return nseg ? read_segs(rd, sc, nseg) : 0;
}

/* Feed [lo, hi) of reg to sc. 0, -ESRCH, or the scanner's error. */
static int read_range(struct reader *rd, const struct fx_src_region *reg,
		      uint64_t lo, uint64_t hi, struct fx_scanner *sc)
{
	uint64_t have = reg->start + reg->maplen, e;
	int r;

	if (reg->live >= 0)
		return read_live(rd, reg, lo, hi, sc);
	if (reg->ext) {
		/* A sparse file: its data extents only, holes in between. */
		uint64_t a, b, fed = 0;
		size_t i;

		for (i = 0; i < reg->next; i++) {
			a = reg->start + reg->ext[2 * i];
			b = a + reg->ext[2 * i + 1];
			if (b > have)
				b = have;
			if (a < lo)
				a = lo;
			if (b > hi)
				b = hi;
			if (b <= a)
				continue;
			r = fx_scanner_feed(sc, a, reg->map + (a - reg->start),
					    b - a);
			if (r)
				return r;
			rd->bytes += clip(rd, a, b);
			fed += clip(rd, a, b);
		}
		rd->holes += clip(rd, lo, hi) - fed;
		return 0;
	}
	if (lo < have) {
		e = hi < have ? hi : have;
		r = fx_scanner_feed(sc, lo, reg->map + (lo - reg->start),
				    e - lo);
		if (r)
			return r;
		rd->bytes += clip(rd, lo, e);
		lo = e;
	}
	rd->holes += clip(rd, lo, hi);
	return 0;
}

/* ---- the threaded scan ---- */

/* Where one hit is in a slot's buffer, to put the hits in order. */
struct hitpos {
	uint64_t addr;
	unsigned int enc;
	size_t off, len;
};

struct slot {
	int state;		/* 0 free, 1 running, 2 done */
	size_t region;
	struct fx_buf hits;	/* serialized or rendered hits */
	struct hitpos *pos;	/* one per hit */
	size_t npos, cappos;
	int unsorted;		/* hits came out of address order */
	struct fx_buf tmp;
};

/* A hit as kept in a slot, followed by its text, before and after. */
struct shit {
	uint64_t addr, region_start, len;
	unsigned int enc, pattern;
	uint64_t tlen, blen, alen;
};

struct runner {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fx_source *src;
	const struct fx_scan_conf *conf;
	uint64_t pre;
	int topmode;
	const struct fx_scan_out *out;
	/* the job generator */
	size_t g_region;
	uint64_t g_off;
	int g_done;
	uint64_t next_seq, done_seq;
	struct slot slot[NSLOT];
	int stop, err;
	uint64_t bytes, holes;
};

struct worker {
	struct runner *rn;
	pthread_t th;
	struct fx_scanner *sc;
	struct fx_top *top;
	struct reader rd;
	struct fx_buf *out;	/* the slot being filled */
	struct slot *slot;
	size_t region;		/* of the job being run */
	int err;
};

/* The end of the bytes a file region has (its holes after it). */
static uint64_t data_end(const struct fx_src_region *r)
{
	uint64_t e = r->start + r->maplen;

	if (r->ext && r->next &&
	    r->ext[2 * r->next - 2] + r->ext[2 * r->next - 1] < r->maplen)
		e = r->start + r->ext[2 * r->next - 2] +
		    r->ext[2 * r->next - 1];
	return e;
}

/* The next job; 0 when there is none. Called with mu held. */
static int next_job(struct runner *rn, size_t *region, uint64_t *lo,
		    uint64_t *hi)
{
	const struct fx_src_region *r;

	while (!rn->g_done) {
		if (rn->g_region >= rn->src->n) {
			rn->g_done = 1;
			break;
		}
		r = &rn->src->r[rn->g_region];
		if (rn->g_off < r->start)
			rn->g_off = r->start;
		/* A file region has nothing past its bytes: the rest is one
		 * hole, not a job per window (a hostile index may claim
		 * 2^63 bytes for a file of one). */
		if (r->live < 0 && rn->g_off < r->end &&
		    rn->g_off >= data_end(r)) {
			rn->holes += r->end - rn->g_off;
			rn->g_off = r->end;
		}
		if (rn->g_off >= r->end) {
			rn->g_region++;
			rn->g_off = 0;
			continue;
		}
		*region = rn->g_region;
		*lo = rn->g_off;
		if (rn->pre == UINT64_MAX || r->end - rn->g_off <= FX_JOB)
			*hi = r->end;
		else
			*hi = rn->g_off + FX_JOB;
		rn->g_off = *hi;
		return 1;
	}
	return 0;
}

static int collect_one(struct worker *w, const struct fx_hit *h)
{
	struct shit s;

	if (w->rn->out) {
		struct fx_hit hp = *h;

		hp.pid = w->rn->src->r[w->region].pid;
		hp.starttime = w->rn->src->r[w->region].starttime;
		return w->rn->out->render(w->rn->out->arg, &hp, w->out);
	}
	s.addr = h->addr;
	s.region_start = h->region_start;
	s.len = h->len;
	s.enc = h->enc;
	s.pattern = h->pattern;
	s.tlen = h->text_len;
	s.blen = h->before_len;
	s.alen = h->after_len;
	if (fx_buf_add(w->out, &s, sizeof(s)) ||
	    fx_buf_add(w->out, h->text, h->text_len) ||
	    fx_buf_add(w->out, h->before, h->before_len) ||
	    fx_buf_add(w->out, h->after, h->after_len))
		return -ENOMEM;
	return 0;
}

/* Keep a hit in the slot, noting where it is. */
static int collect(void *arg, const struct fx_hit *h)
{
	struct worker *w = arg;
	struct slot *sl = w->slot;
	struct hitpos *p;
	size_t off = w->out->len;
	int r;

	if (w->top)
		return fx_top_add(w->top, h);
	r = collect_one(w, h);
	if (r)
		return r;
	if (FX_GROW(sl->pos, sl->npos, sl->cappos, 256))
		return -ENOMEM;
	p = &sl->pos[sl->npos];
	if (sl->npos && (p[-1].addr > h->addr ||
			 (p[-1].addr == h->addr && p[-1].enc > h->enc)))
		sl->unsorted = 1;
	p->addr = h->addr;
	p->enc = h->enc;
	p->off = off;
	p->len = w->out->len - off;
	sl->npos++;
	return 0;
}

static int pos_cmp(const void *a, const void *b)
{
	const struct hitpos *x = a, *y = b;
	int c = fx_cmp_u64(x->addr, y->addr);

	c = c ? c : fx_cmp_u64(x->enc, y->enc);
	return c ? c : fx_cmp_u64(x->off, y->off);
}

/* Put the hits of a slot in address order (then enc). */
static int sort_slot(struct slot *sl)
{
	struct fx_buf t;
	size_t i;

	if (!sl->unsorted)
		return 0;
	qsort(sl->pos, sl->npos, sizeof(*sl->pos), pos_cmp);
	fx_buf_reset(&sl->tmp);
	if (fx_buf_reserve(&sl->tmp, sl->hits.len))
		return -ENOMEM;
	for (i = 0; i < sl->npos; i++)
		fx_buf_add(&sl->tmp, sl->hits.data + sl->pos[i].off,
			   sl->pos[i].len);
	t = sl->hits;
	sl->hits = sl->tmp;
	sl->tmp = t;
	return 0;
}

static int run_job(struct worker *w, size_t region, uint64_t lo, uint64_t hi)
{
	struct runner *rn = w->rn;
	const struct fx_src_region *reg = &rn->src->r[region];
	uint64_t from = reg->start, x, y, stop;
	int r;

	if (rn->pre != UINT64_MAX && lo - reg->start > rn->pre)
		from = lo - rn->pre;
	w->rd.lo = lo;
	w->rd.hi = hi;
	fx_scanner_begin(w->sc, reg->start, reg->end, lo, hi, collect, w);
	/* Past a file region's bytes there is nothing to feed. */
	stop = reg->live < 0 ? data_end(reg) : reg->end;
	for (x = from; x < stop;) {
		y = stop - x > FX_JOB ? x + FX_JOB : stop;
		r = read_range(&w->rd, reg, x, y, w->sc);
		if (r == -ESRCH) {
			rn->src->procs[reg->live].gone = 1;
			w->rd.holes += w->rd.hi > y ? w->rd.hi - y : 0;
			break;
		}
		if (r)
			return r;
		x = y;
		if (!fx_scanner_more(w->sc, x))
			break;
	}
	if (x < reg->end && reg->live < 0)
		w->rd.holes += clip(&w->rd, x, reg->end);
	return fx_scanner_end(w->sc);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct runner *rn = w->rn;
	uint64_t seq, lo, hi;
	size_t region;
	struct slot *sl;
	int r;

	pthread_mutex_lock(&rn->mu);
	while (!rn->stop) {
		if (!rn->topmode && rn->next_seq >= rn->done_seq + NSLOT) {
			pthread_cond_wait(&rn->cv, &rn->mu);
			continue;
		}
		if (!next_job(rn, &region, &lo, &hi))
			break;
		seq = rn->next_seq++;
		sl = &rn->slot[seq % NSLOT];
		sl->state = 1;
		sl->region = region;
		fx_buf_reset(&sl->hits);
		sl->npos = 0;
		sl->unsorted = 0;
		w->out = &sl->hits;
		w->slot = sl;
		w->region = region;
		pthread_mutex_unlock(&rn->mu);
		w->rd.bytes = 0;
		w->rd.holes = 0;
		r = run_job(w, region, lo, hi);
		if (!r && !w->top)
			r = sort_slot(sl);
		pthread_mutex_lock(&rn->mu);
		rn->bytes += w->rd.bytes;
		rn->holes += w->rd.holes;
		sl->state = 2;
		if (r && !rn->err) {
			rn->err = r;
			rn->stop = 1;
		}
		pthread_cond_broadcast(&rn->cv);
	}
	pthread_cond_broadcast(&rn->cv);
	pthread_mutex_unlock(&rn->mu);
	return NULL;
}

/* Hand the hits of a finished slot to fn. */
static int deliver(struct runner *rn, struct slot *sl, fx_hit_fn fn,
		   void *arg)
{
	const char *p = sl->hits.data, *end;
	struct fx_hit h;
	struct shit s;
	int r;

	if (!sl->hits.len)
		return 0;	/* data may still be NULL */
	end = p + sl->hits.len;
	memset(&h, 0, sizeof(h));
	h.pid = rn->src->r[sl->region].pid;
	h.starttime = rn->src->r[sl->region].starttime;
	while (p < end) {
		memcpy(&s, p, sizeof(s));
		p += sizeof(s);
		h.addr = s.addr;
		h.region_start = s.region_start;
		h.len = s.len;
		h.enc = s.enc;
		h.pattern = s.pattern;
		h.text = p;
		h.text_len = s.tlen;
		h.before = p + s.tlen;
		h.before_len = s.blen;
		h.after = h.before + s.blen;
		h.after_len = s.alen;
		p = h.after + s.alen;
		r = fn(arg, &h);
		if (r)
			return r;
	}
	return 0;
}

int fx_source_scan(struct fx_source *src, const struct fx_scan_conf *conf,
		   int nthreads, fx_hit_fn fn, void *arg,
		   const struct fx_scan_out *out, struct fx_top *top,
		   struct fx_scan_stats *st)
{
	struct runner rn;
	struct worker *w;
	uint64_t t0 = fx_now_ns();
	int i, started = 0, r = 0;
	struct slot *sl;

	if (nthreads < 1)
		nthreads = 1;
	memset(&rn, 0, sizeof(rn));
	pthread_mutex_init(&rn.mu, NULL);
	pthread_cond_init(&rn.cv, NULL);
	rn.src = src;
	rn.conf = conf;
	rn.topmode = top != NULL;
	rn.out = top ? NULL : out;
	w = calloc((size_t)nthreads, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (i = 0; i < nthreads; i++) {
		w[i].rn = &rn;
		w[i].rd.src = src;
		w[i].rd.proc = -1;
		w[i].sc = fx_scanner_new(conf);
		if (!w[i].sc) {
			r = -errno;
			goto out;
		}
		if (top && !(w[i].top = fx_top_new())) {
			r = -ENOMEM;
			goto out;
		}
	}
	rn.pre = fx_scanner_pre(w[0].sc);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&w[i].th, NULL, work, &w[i]))
			break;
		started++;
	}
	if (!started) {
		r = -EAGAIN;
		goto out;
	}
	if (!top) {
		pthread_mutex_lock(&rn.mu);
		for (;;) {
			sl = &rn.slot[rn.done_seq % NSLOT];
			if (rn.done_seq < rn.next_seq && sl->state == 2) {
				pthread_mutex_unlock(&rn.mu);
				if (rn.err)
					r = 0;
				else if (out)
					r = sl->hits.len ?
						    out->write(out->arg,
							       sl->hits.data,
							       sl->hits.len) :
						    0;
				else
					r = deliver(&rn, sl, fn, arg);
				pthread_mutex_lock(&rn.mu);
				sl->state = 0;
				rn.done_seq++;
				if (r) {
					rn.stop = 1;
					break;
				}
				pthread_cond_broadcast(&rn.cv);
				continue;
			}
			if ((rn.g_done || rn.stop) &&
			    rn.done_seq == rn.next_seq)
				break;
			if (rn.stop && rn.err)
				break;
			pthread_cond_wait(&rn.cv, &rn.mu);
		}
		pthread_cond_broadcast(&rn.cv);
		pthread_mutex_unlock(&rn.mu);
	}
	for (i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	if (!r)
		r = rn.err;
	for (i = 0; i < nthreads && top && !r; i++)
		r = fx_top_merge(top, w[i].top);
out:
	for (i = 0; i < nthreads; i++) {
		fx_scanner_free(w[i].sc);
		fx_top_free(w[i].top);
		reader_close(&w[i].rd);
		free(w[i].rd.buf);
	}
	for (i = 0; i < NSLOT; i++) {
		fx_buf_release(&rn.slot[i].hits);
		fx_buf_release(&rn.slot[i].tmp);
		free(rn.slot[i].pos);
	}
	free(w);
	pthread_mutex_destroy(&rn.mu);
	pthread_cond_destroy(&rn.cv);
	for (size_t k = 0; k < src->nprocs; k++)
		if (src->procs[k].gone && src->procs[k].opened) {
			warn(src, "pid %d exited during the scan: the rest of "
			     "its memory is a hole", src->procs[k].pid);
			src->procs[k].opened = 0;
			fx_proc_release(&src->procs[k].p);
		}
	if (st) {
		st->bytes = rn.bytes;
		st->holes = rn.holes;
		st->regions = src->n;
		st->ns = fx_now_ns() - t0;
	}
	return r;
}

int fx_code_like(const char *perms, const char *inode)
{
	if (strlen(perms) < 3)
		return 0;
	/* Executable: machine code (a library's text, JIT code). */
	if (perms[2] == 'x')
		return 1;
	/* A file mapped without write: an ELF's read-only segment (its
	 * tables and constants), the same bytes as in the file. */
	return perms[1] != 'w' && strcmp(inode, "-") && strcmp(inode, "0");
}
