/*
 * core: an ELF core of a frozen process (layout in core.h).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/user.h>
#include <unistd.h>

#include "core.h"
#include "dump.h"
#include "dumpdir.h"
#include "freeze.h"
#include "internal.h"
#include "kerndat.h"
#include "maps.h"
#include "plan.h"
#include "proc.h"
#include "select.h"

/* Append one "CORE" note to b. */
static int note(struct fx_buf *b, uint32_t type, const void *desc,
		size_t len)
{
	static const char zero[8];
	uint32_t h[3] = { 5, (uint32_t)len, type };
	int r = 0;

	r |= fx_buf_add(b, h, sizeof(h));
	r |= fx_buf_add(b, "CORE\0\0\0", 8);	/* "CORE\0" padded to 4 */
	r |= fx_buf_add(b, desc, len);
	r |= fx_buf_add(b, zero, (4 - len % 4) % 4);
	return r ? -ENOMEM : 0;
}

static void fill_times(struct elf_prstatus *ps)
{
	memset(&ps->pr_utime, 0, sizeof(ps->pr_utime));
}

/* NT_PRSTATUS (and NT_FPREGSET) of thread t. */
static int thread_notes(struct fx_buf *b, const struct fx_frozen_thread *t,
			struct fx_proc *p, int fp_only, int no_fp)
{
	struct user_fpregs_struct fp;
	struct elf_prstatus ps;
	int r = 0;

	if (!fp_only) {
		memset(&ps, 0, sizeof(ps));
		/* Numbered as the process sees itself, as the kernel's own
		 * cores do: in a container, libthread_db finds those tids in
		 * memory, and gdb matches them with these (RELIABILITY T37). */
		ps.pr_pid = fx_proc_nstid(p, t->tid);
		ps.pr_ppid = 0;
		ps.pr_pgrp = fx_proc_nstid(p, p->pid);
		ps.pr_sid = 0;
		ps.pr_cursig = (short)t->inject;
		ps.pr_info.si_signo = t->inject;
		fill_times(&ps);
		/* elf_gregset_t is user_regs_struct's layout on x86_64. */
		if (ptrace(PTRACE_GETREGS, t->tid, 0, &ps.pr_reg) < 0)
			return -errno;
		ps.pr_fpvalid = 1;
		r = note(b, NT_PRSTATUS, &ps, sizeof(ps));
	}
	if (!r && !no_fp) {
		if (ptrace(PTRACE_GETFPREGS, t->tid, 0, &fp) < 0)
			return -errno;
		r = note(b, NT_FPREGSET, &fp, sizeof(fp));
	}
	return r;
}

static int prpsinfo(struct fx_buf *b, struct fx_proc *p)
{
	struct elf_prpsinfo pi;
	struct fx_buf t;
	unsigned long long st;
	char state = 'R';
	size_t i, n;
	int r;

	memset(&pi, 0, sizeof(pi));
	pi.pr_pid = fx_proc_nstid(p, p->pid);
	fx_buf_init(&t);
	if (!fx_proc_read(p, "stat", &t, 0, NULL))
		fx_stat_parse(t.data, t.len, &state, &st);
	pi.pr_sname = state;
	if (!fx_proc_read(p, "comm", &t, 0, NULL)) {
		n = t.len && t.data[t.len - 1] == '\n' ? t.len - 1 : t.len;
		memcpy(pi.pr_fname, t.data,
		       n < sizeof(pi.pr_fname) ? n : sizeof(pi.pr_fname) - 1);
	}
	if (!fx_proc_read(p, "cmdline", &t, 0, NULL)) {
		n = t.len < ELF_PRARGSZ - 1 ? t.len : ELF_PRARGSZ - 1;
		for (i = 0; i < n; i++)
			pi.pr_psargs[i] = t.data[i] ? t.data[i] : ' ';
		while (n && pi.pr_psargs[n - 1] == ' ')
			pi.pr_psargs[--n] = 0;
	}
	fx_buf_release(&t);
	r = note(b, NT_PRPSINFO, &pi, sizeof(pi));
	return r;
}

/* NT_FILE: count, page size, (start, end, offset in pages)..., names. */
static int file_note(struct fx_buf *b, const struct fx_dumpplan *pl)
{
	uint64_t hdr[2] = { 0, 4096 }, tri[3];
	struct fx_buf d, names;
	const struct fx_region *g;
	size_t k;
	int r = 0;

	fx_buf_init(&d);
	fx_buf_init(&names);
	r |= fx_buf_add(&d, hdr, sizeof(hdr));
	for (k = 0; k < pl->maps.n; k++) {
		g = &pl->maps.r[k];
		if (!g->inode || !g->name_len || g->name[0] != '/')
			continue;
		tri[0] = g->start;
		tri[1] = g->end;
		tri[2] = g->offset / 4096;
		r |= fx_buf_add(&d, tri, sizeof(tri));
		r |= fx_buf_add(&names, g->name, strlen(g->name) + 1);
		hdr[0]++;
	}
	if (!r) {
		memcpy(d.data, hdr, sizeof(hdr));
		r |= fx_buf_add(&d, names.data, names.len);
	}
	if (!r)
		r = note(b, NT_FILE, d.data, d.len);
	fx_buf_release(&d);
	fx_buf_release(&names);
	return r ? -ENOMEM : 0;
}

static int build_notes(struct fx_buf *b, struct fx_dumpplan *pl,
		       const struct fx_freeze *fz, size_t *nthreads)
{
	const struct fx_frozen_thread *lead = NULL;
	struct fx_buf auxv;
	size_t i;
	int r;

	*nthreads = 0;
	for (i = 0; i < fz->n; i++)
		if (fz->t[i].tid == pl->pid && !fz->t[i].gone)
			lead = &fz->t[i];
	if (!lead)	/* the leader exited: the first live thread leads */
		for (i = 0; i < fz->n && !lead; i++)
			if (!fz->t[i].gone && fz->t[i].tid)
				lead = &fz->t[i];
	if (!lead)
		return -ESRCH;
	r = thread_notes(b, lead, pl->p, 0, 1);
	if (!r)
		r = prpsinfo(b, pl->p);
	fx_buf_init(&auxv);
	if (!r && !fx_proc_read(pl->p, "auxv", &auxv, 0, NULL))
		r = note(b, NT_AUXV, auxv.data, auxv.len);
	fx_buf_release(&auxv);
	if (!r)
		r = file_note(b, pl);
	if (!r)
		r = thread_notes(b, lead, pl->p, 1, 0);
	*nthreads = 1;
	for (i = 0; i < fz->n && !r; i++) {
		if (&fz->t[i] == lead || fz->t[i].gone || !fz->t[i].tid)
			continue;
		r = thread_notes(b, &fz->t[i], pl->p, 0, 0);
		if (r == -ESRCH) {
			r = 0;	/* exited after the freeze took it: skip */
			continue;
		}
		(*nthreads)++;
	}
	return r;
}

/* The size of our own [vdso] mapping, from /proc/self/maps; 0 if none. */
static uint64_t our_vdso_size(void)
{
	struct fx_maps m;
	struct fx_err err;
	struct fx_buf b;
	uint64_t size = 0;
	size_t i;
	int fd;

	fx_buf_init(&b);
	fx_maps_init(&m);
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fx_buf_read_fd(&b, fd) &&
	    !fx_maps_parse(&m, b.data, b.len, &err))
		for (i = 0; i < m.n; i++)
			if (m.r[i].kind == FX_KIND_VDSO)
				size = m.r[i].end - m.r[i].start;
	if (fd >= 0)
		close(fd);
	fx_maps_release(&m);
	fx_buf_release(&b);
	return size;
}

/*
 * gdb reads the target's vDSO from the core to unwind through signal
 * frames; pages of it never touched are absent and were not read. The
 * kernel maps one vDSO image into every process of an ABI, so when ours
 * has the same size, its bytes are the target's: write them in. Only
 * pages that are holes in the core are written. Returns 0 or an errno.
 */
static int fill_vdso(int fd, const struct fx_dumpplan *pl,
		     const struct fx_planitem *it, uint64_t base)
{
	const char *ours = (const char *)getauxval(AT_SYSINFO_EHDR);
	const struct fx_region *g = NULL;
	size_t k, ps = fx_page_size();
	uint64_t a, page;
	int r = 0;

	for (k = fx_dumpplan_find(pl, it->sel->start);
	     k < pl->maps.n && pl->maps.r[k].start < it->sel->end; k++)
		if (pl->maps.r[k].kind == FX_KIND_VDSO)
			g = &pl->maps.r[k];
	if (!ours || !g || it->skip || g->start < it->sel->start ||
	    g->end > it->sel->end)
		return 0;
	if (our_vdso_size() != g->end - g->start)
		return 0;	/* not the same image */
	if (memcmp(ours, "\177ELF", 4))
		return 0;
	for (a = g->start; a < g->end && !r; a += ps) {
		page = base + (a - it->sel->start);
		/* SEEK_DATA finds the hole pages: only those are filled. */
		if (lseek(fd, (off_t)page, SEEK_DATA) == (off_t)page)
			continue;
		r = fx_pwrite_all(fd, ours + (a - g->start), ps, page);
	}
	return r;
}

/*
 * The holes of file mappings that fx_core_fill fills: runs of absent
 * pages, in address order, with where they are in the core.
 */
struct fill_run {
	uint64_t addr, len, off;
};

struct fx_core_fills {
	const struct fx_dumpplan *pl;
	uint64_t start, base;	/* the item being copied: its start, and
				 * its PT_LOAD's offset in the core */
	struct fill_run *v;
	size_t n, cap;
};

/* At most this many runs remembered (24 MiB); holes beyond stay holes. */
#define FILL_MAX_RUNS (1u << 20)
#define FILL_BUF (1u << 20)

/* May holes of g be filled from its file? */
static int fillable(const struct fx_dumpplan *pl, const struct fx_region *g)
{
	return fx_kerndat()->map_files && g->inode && g->name_len && g->name[0] == '/' &&
	       !fx_dump_skip_reason(g, pl->include_dd);
}

/* "map_files/START-END" of g into name (64 bytes). */
static void map_files_name(char *name, const struct fx_region *g)
{
	snprintf(name, 64, "map_files/%llx-%llx", (unsigned long long)g->start,
		 (unsigned long long)g->end);
}

/* Is st the file the map names for g (a regular file, same dev:ino)? */
static int same_file(const struct stat *st, const struct fx_region *g)
{
	return S_ISREG(st->st_mode) && st->st_ino == g->inode &&
	       major(st->st_dev) == g->dev_major &&
	       minor(st->st_dev) == g->dev_minor;
}

/*
 * Open the file mapped at g through map_files, when it is still the one
 * the map named: looked at first (stat opens nothing: a device file is
 * never opened), then checked again once open. An fd, or -1.
 */
static int open_mapped(struct fx_proc *p, const struct fx_region *g,
		       struct stat *st)
{
	char name[64];
	int fd;

	map_files_name(name, g);
	if (fstatat(p->dirfd, name, st, 0) < 0 || !same_file(st, g))
		return -1;
	fd = openat(p->dirfd, name,
		    O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, st) < 0 || !same_file(st, g))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void fx_core_plan(struct fx_dumpplan *pl)
{
	size_t i, k, ps = fx_page_size();
	const struct fx_region *g;
	uint64_t a, b, eof, span, absent, alloc;
	struct stat st;
	char name[64];

	pl->fill = 0;
	for (i = 0; i < pl->n; i++) {
		const struct fx_sel *s = pl->it[i].sel;

		if (pl->it[i].skip)
			continue;
		for (k = fx_dumpplan_find(pl, s->start);
		     k < pl->maps.n && pl->maps.r[k].start < s->end; k++) {
			g = &pl->maps.r[k];
			map_files_name(name, g);
			if (!fillable(pl, g) ||
			    fstatat(pl->p->dirfd, name, &st, 0) < 0 ||
			    !same_file(&st, g) ||
			    (uint64_t)st.st_size <= g->offset)
				continue;
			eof = g->start + ((uint64_t)st.st_size - g->offset +
					  ps - 1) / ps * ps;
			a = g->start > s->start ? g->start : s->start;
			b = g->end < s->end ? g->end : s->end;
			if (eof < b)
				b = eof;
			span = b > a ? b - a : 0;
			absent = g->end - g->start;
			absent -= g->v[FX_F_RSS] + g->v[FX_F_SWAP] < absent ?
					  g->v[FX_F_RSS] + g->v[FX_F_SWAP] :
					  absent;
			alloc = (uint64_t)st.st_blocks * 512;
			span = span < absent ? span : absent;
			pl->fill += span < alloc ? span : alloc;
		}
	}
}

int fx_core_fills(const struct fx_dumpplan *pl, uint64_t addr,
		  enum fx_hole why)
{
	size_t k = fx_dumpplan_find(pl, addr);

	/* Swapped, zero, unreadable...: not the file's bytes, or not known
	 * to be. */
	return why == FX_HOLE_ABSENT && k < pl->maps.n &&
	       pl->maps.r[k].start <= addr && fillable(pl, &pl->maps.r[k]);
}

/* The hole callback of the copy: remember absent pages of file mappings. */
static int note_hole(void *arg, uint64_t s, uint64_t e, enum fx_hole why)
{
	struct fx_core_fills *f = arg;
	struct fill_run *last = f->n ? &f->v[f->n - 1] : NULL;
	uint64_t off = f->base + (s - f->start);

	if (!fx_core_fills(f->pl, s, why))
		return 0;
	if (last && last->addr + last->len == s && last->off + last->len == off) {
		last->len += e - s;
		return 0;
	}
	if (f->n == FILL_MAX_RUNS)
		return 0;
	if (FX_GROW(f->v, f->n, f->cap, 64))
		return -ENOMEM;
	f->v[f->n++] = (struct fill_run){ s, e - s, off };
	return 0;
}

static void fills_free(struct fx_core_stats *st)
{
	if (st->fills)
		free(st->fills->v);
	free(st->fills);
	st->fills = NULL;
}

/* Is the page at p (n bytes) all zeros? */
static int zero_page(const char *p, size_t n)
{
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

/*
 * Fill run r of the core out from file mf, whose bytes at foff are the
 * run's first page and which is fsize bytes long: its data extents only
 * (SEEK_DATA), pages that are not all zeros only. 0 or a negative errno.
 */
static int fill_run(int out, int mf, const struct fill_run *r, uint64_t foff,
		    uint64_t fsize, char *buf, uint64_t *filled,
		    volatile sig_atomic_t *stop)
{
	uint64_t ps = fx_page_size(), pos = foff, end, d, h, k, n, w;
	ssize_t got;
	off_t x;
	int rr;

	end = foff + r->len < fsize ? foff + r->len : fsize;
	while (pos < end) {
		if (stop && *stop)
			return -EINTR;
		x = lseek(mf, (off_t)pos, SEEK_DATA);
		if (x < 0 && errno == ENXIO)
			return 0;	/* no data from here: zeros */
		d = x < 0 ? pos : (uint64_t)x;
		if (d >= end)
			return 0;
		d = d < pos ? pos : foff + (d - foff) / ps * ps;
		x = lseek(mf, (off_t)d, SEEK_HOLE);
		h = x < 0 || (uint64_t)x > end ? end : (uint64_t)x;
		h = foff + (h - foff + ps - 1) / ps * ps;
		h = h < end ? h : end;
		for (pos = d; pos < h; pos += (uint64_t)got) {
			n = h - pos < FILL_BUF ? h - pos : FILL_BUF;
			got = pread(mf, buf, n, (off_t)pos);
			if (got < 0 && errno == EINTR) {
				got = 0;
				continue;
			}
			if (got <= 0)
				return 0;	/* shrunk: the rest stays holes */
			for (k = 0; k < (uint64_t)got; k += w) {
				w = (uint64_t)got - k < ps ? (uint64_t)got - k :
							      ps;
				if (zero_page(buf + k, w))
					continue;
				rr = fx_pwrite_all(out, buf + k, w,
						   r->off + (pos + k - foff));
				if (rr)
					return rr;
				*filled += w;
			}
		}
	}
	return 0;
}

int fx_core_fill(int fd, const struct fx_dumpplan *pl, struct fx_core_stats *st,
		 volatile sig_atomic_t *stop)
{
	const struct fx_region *g, *open_g = NULL;
	struct fx_core_fills *f = st->fills;
	struct fill_run run;
	struct stat fs;
	char *buf = NULL;
	size_t i, k;
	int mf = -1, r = 0;

	if (f && f->n && !(buf = malloc(FILL_BUF)))
		r = -ENOMEM;
	for (i = 0; f && i < f->n && !r; i++) {
		run = f->v[i];
		k = fx_dumpplan_find(pl, run.addr);
		if (k == pl->maps.n || pl->maps.r[k].start > run.addr)
			continue;
		g = &pl->maps.r[k];
		if (run.addr + run.len > g->end)
			run.len = g->end - run.addr;
		if (g != open_g) {
			if (mf >= 0)
				close(mf);
			mf = open_mapped(pl->p, g, &fs);
			open_g = g;
		}
		if (mf >= 0)
			r = fill_run(fd, mf, &run,
				     g->offset + (run.addr - g->start),
				     (uint64_t)fs.st_size, buf, &st->filled,
				     stop);
	}
	if (mf >= 0)
		close(mf);
	free(buf);
	fills_free(st);
	return r;
}

static Elf64_Word pflags(const char *perms)
{
	return (perms[0] == 'r' ? PF_R : 0) | (perms[1] == 'w' ? PF_W : 0) |
	       (perms[2] == 'x' ? PF_X : 0);
}

int fx_core_regs(struct fx_core_regs *cn, struct fx_dumpplan *pl,
		  const struct fx_freeze *fz)
{
	int r;

	fx_buf_init(&cn->b);
	cn->nthreads = 0;
	r = build_notes(&cn->b, pl, fz, &cn->nthreads);
	if (r)
		fx_core_regs_release(cn);
	return r;
}

void fx_core_regs_release(struct fx_core_regs *cn)
{
	fx_buf_release(&cn->b);
	cn->nthreads = 0;
}

int fx_core_write(int fd, struct fx_dumpplan *pl, const struct fx_freeze *fz,
		  struct fx_dumper *d, struct fx_core_stats *st)
{
	struct fx_core_regs cn;
	int r;

	memset(st, 0, sizeof(*st));
	r = fx_core_regs(&cn, pl, fz);
	if (r)
		return r;
	r = fx_core_write_notes(fd, pl, &cn, d, NULL, st);
	fx_core_regs_release(&cn);
	return r;
}

int fx_core_write_notes(int fd, struct fx_dumpplan *pl,
			const struct fx_core_regs *cn, struct fx_dumper *d,
			struct fx_dumper *dl, struct fx_core_stats *st)
{
	size_t nph = pl->n + 1, i, ps = fx_page_size();
	uint64_t off, notes_off, *seg_off = NULL;
	const char *perms;
	const struct fx_buf *notes = &cn->b;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	Elf *e = NULL;
	int r = 0, xnum = nph >= PN_XNUM, pc;

	memset(st, 0, sizeof(*st));
	st->nthreads = cn->nthreads;
	seg_off = calloc(nph, sizeof(*seg_off));
	if (!seg_off) {
		r = -ENOMEM;
		goto out;
	}
	/* Lay out: headers, notes, then page-aligned segments. */
	notes_off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr) +
		    (xnum ? 2 * sizeof(Elf64_Shdr) : 0);
	off = (notes_off + notes->len + ps - 1) / ps * ps;
	for (i = 0; i < pl->n; i++) {
		seg_off[i] = off;
		if (!pl->it[i].skip)
			off += pl->it[i].sel->end - pl->it[i].sel->start;
	}
	st->size = off;

	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !gelf_newehdr(e, ELFCLASS64) || !gelf_getehdr(e, &eh)) {
		r = -EIO;
		goto out;
	}
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_shoff = xnum ? eh.e_phoff + nph * sizeof(Elf64_Phdr) : 0;
	/* PN_XNUM: libelf keeps the real count in section 0's sh_info, and
	 * wants a section table to exist before it takes the count. */
	if (xnum) {
		Elf_Scn *scn = elf_newscn(e);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh)) {
			r = -EIO;
			goto out;
		}
		/* An empty placeholder where nothing is written. */
		sh.sh_type = SHT_NULL;
		sh.sh_offset = notes_off;
		sh.sh_size = 0;
		sh.sh_addralign = 1;
		gelf_update_shdr(scn, &sh);
	}
	if (!gelf_update_ehdr(e, &eh) || !gelf_newphdr(e, nph)) {
		r = -EIO;
		goto out;
	}
	elf_flagelf(e, ELF_C_SET, ELF_F_LAYOUT);
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = notes_off;
	ph.p_filesz = notes->len;
	ph.p_align = 4;
	gelf_update_phdr(e, 0, &ph);
	pc = fx_selection_col(pl->sel, "perms");
	for (i = 0; i < pl->n; i++) {
		const struct fx_sel *s = pl->it[i].sel;

		perms = pc >= 0 ? s->f[pc] : "rw-p";
		memset(&ph, 0, sizeof(ph));
		ph.p_type = PT_LOAD;
		ph.p_flags = strlen(perms) >= 3 ? pflags(perms) : PF_R;
		ph.p_offset = seg_off[i];
		ph.p_vaddr = s->start;
		ph.p_memsz = s->end - s->start;
		ph.p_filesz = pl->it[i].skip ? 0 : ph.p_memsz;
		ph.p_align = ps;
		gelf_update_phdr(e, (int)i + 1, &ph);
	}
	if (elf_update(e, ELF_C_WRITE) < 0) {
		r = -EIO;
		goto out;
	}
	elf_end(e);
	e = NULL;
	r = fx_pwrite_all(fd, notes->data, notes->len, notes_off);
	st->fills = calloc(1, sizeof(*st->fills));
	if (!r && !st->fills)
		r = -ENOMEM;
	if (!r) {
		st->fills->pl = pl;
		pl->hole = note_hole;
		pl->hole_arg = st->fills;
	}
	for (i = 0; i < pl->n && !r; i++) {
		struct fx_planitem *it = &pl->it[i];

		st->fills->start = it->sel->start;
		st->fills->base = seg_off[i];
		r = fx_dump_res_init(&it->res);
		if (r)
			break;
		if (it->skip)
			it->res.holes = it->sel->end - it->sel->start;
		else
			r = fx_dumpplan_copy(pl, it,
					     dl && fx_dumpplan_from_live(pl, it) ?
						     dl : d,
					     fd, seg_off[i], NULL, NULL);
		if (!r)
			r = fill_vdso(fd, pl, it, seg_off[i]);
		fx_dump_res_finish(&it->res);
		it->state = r ? -1 : 1;
		st->captured += it->res.captured;
		st->holes += it->res.holes;
		st->nload++;
	}
	/* A last segment that ends in holes: the file still spans it. */
	if (!r && ftruncate(fd, (off_t)st->size) < 0)
		r = -errno;
out:
	if (e)
		elf_end(e);
	pl->hole = NULL;
	if (r)
		fills_free(st);
	free(seg_off);
	return r;
}

int fx_core_create(const char *path, const char **why)
{
	char base[256];
	struct stat st;
	int dfd, fd, r = 0;

	dfd = fx_dump_parent(path, base, sizeof(base), why);
	if (dfd < 0)
		return dfd;
	fd = openat(dfd, base,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		r = -errno;
	else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		 st.st_nlink != 1)
		r = -EEXIST;	/* not what we made: never written */
	if (r && fd >= 0)
		close(fd);
	close(dfd);
	return r ? r : fd;
}
