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
#include <sys/user.h>
#include <unistd.h>

#include "core.h"
#include "dump.h"
#include "freeze.h"
#include "internal.h"
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
 * A page of a file mapping that is not present is not zeros: it is the
 * file's content (the target would fault it in from the page cache). gdb
 * trusts a core's bytes over the file's, so holes of file-backed ranges
 * are filled from the very file mapped, through /proc/PID/map_files
 * (root only; without it they stay holes). The file is read, not the
 * target: its RSS is untouched. Returns 0 or a negative errno.
 */
static int fill_files(int fd, const struct fx_dumpplan *pl,
		      const struct fx_planitem *it, uint64_t base, char *page)
{
	size_t k, ps = fx_page_size();
	const struct fx_region *g;
	uint64_t a, b, at;
	char name[64];
	ssize_t n;
	int mf, r = 0;

	for (k = fx_dumpplan_find(pl, it->sel->start);
	     k < pl->maps.n && pl->maps.r[k].start < it->sel->end && !r;
	     k++) {
		g = &pl->maps.r[k];
		if (!g->inode || g->name_len == 0 || g->name[0] != '/' ||
		    fx_dump_skip_reason(g, pl->include_dd))
			continue;
		snprintf(name, sizeof(name), "map_files/%llx-%llx",
			 (unsigned long long)g->start,
			 (unsigned long long)g->end);
		mf = openat(pl->p->dirfd, name, O_RDONLY | O_CLOEXEC);
		if (mf < 0)
			continue;
		a = g->start > it->sel->start ? g->start : it->sel->start;
		b = g->end < it->sel->end ? g->end : it->sel->end;
		for (; a < b && !r; a += ps) {
			at = base + (a - it->sel->start);
			if (lseek(fd, (off_t)at, SEEK_DATA) == (off_t)at)
				continue;	/* captured from memory */
			n = pread(mf, page, ps,
				  (off_t)(g->offset + (a - g->start)));
			if (n <= 0)
				break;	/* past the file's end: stays zero */
			r = fx_pwrite_all(fd, page, (size_t)n, at);
		}
		close(mf);
	}
	return r;
}

static Elf64_Word pflags(const char *perms)
{
	return (perms[0] == 'r' ? PF_R : 0) | (perms[1] == 'w' ? PF_W : 0) |
	       (perms[2] == 'x' ? PF_X : 0);
}

int fx_core_write(int fd, struct fx_dumpplan *pl, const struct fx_freeze *fz,
		  struct fx_dumper *d, struct fx_core_stats *st)
{
	size_t nph = pl->n + 1, i, ps = fx_page_size();
	uint64_t off, notes_off, *seg_off = NULL;
	const char *perms;
	struct fx_buf notes;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	Elf *e = NULL;
	int r, xnum = nph >= PN_XNUM, pc;

	memset(st, 0, sizeof(*st));
	fx_buf_init(&notes);
	r = build_notes(&notes, pl, fz, &st->nthreads);
	if (r)
		goto out;
	seg_off = calloc(nph, sizeof(*seg_off));
	if (!seg_off) {
		r = -ENOMEM;
		goto out;
	}
	/* Lay out: headers, notes, then page-aligned segments. */
	notes_off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr) +
		    (xnum ? 2 * sizeof(Elf64_Shdr) : 0);
	off = (notes_off + notes.len + ps - 1) / ps * ps;
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
	ph.p_filesz = notes.len;
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
	r = fx_pwrite_all(fd, notes.data, notes.len, notes_off);
	for (i = 0; i < pl->n && !r; i++) {
		struct fx_planitem *it = &pl->it[i];

		r = fx_dump_res_init(&it->res);
		if (r)
			break;
		if (it->skip)
			it->res.holes = it->sel->end - it->sel->start;
		else
			r = fx_dumpplan_copy(pl, it, d, fd, seg_off[i], NULL,
					     NULL);
		if (!r)
			r = fill_vdso(fd, pl, it, seg_off[i]);
		if (!r && !it->skip)
			r = fill_files(fd, pl, it, seg_off[i], d->buf);
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
	free(seg_off);
	fx_buf_release(&notes);
	return r;
}
