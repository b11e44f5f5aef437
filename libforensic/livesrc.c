/*
 * livesrc: the one reader of a live process's memory (see livesrc.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "internal.h"
#include "livesrc.h"
#include "maps.h"

/*
 * A window is SMALL_PAGES pages where reads jump about (pointers chased
 * through a JVM's structures), where a big window would read 512 KiB for
 * every few bytes wanted; when a read lands just past a window (a heap
 * walk moving forward), the window that follows is twice as big, up to
 * WIN_PAGES pages.
 */
#define WIN_PAGES 128
#define SMALL_PAGES 4
/*
 * A read of DIRECT_PAGES pages or more (a heap walker's big window) goes
 * straight into the caller's buffer, its pages' presence asked of
 * pagemap for it alone: no second copy through the window. At most
 * DIRECT_MAX pages per read.
 */
#define DIRECT_PAGES 16
#define DIRECT_MAX 1024

int fx_livesrc_open(struct fx_livesrc *l, struct fx_proc *p,
		    const struct fx_maps *m, int use_scan)
{
	int r;

	memset(l, 0, sizeof(*l));
	l->pm.fd = -1;
	l->m = m;
	r = fx_mem_open(&l->mem, p);
	if (!r)
		r = fx_pagemap_init(&l->pm, p, use_scan);
	if (r)
		fx_livesrc_release(l);
	return r;
}

void fx_livesrc_release(struct fx_livesrc *l)
{
	size_t i;

	/* A zeroed struct holds fd 0, which is not ours: only what the
	 * open set up is closed (mem.pid says it ran). */
	if (l->mem.pid) {
		fx_mem_release(&l->mem);
		fx_pagemap_release(&l->pm);
	}
	/* The windows held the target's bytes: do not leave them about. */
	for (i = 0; i < FX_LIVE_NWIN; i++) {
		if (l->w[i].buf)
			explicit_bzero(l->w[i].buf, l->w[i].hw * fx_page_size());
		free(l->w[i].buf);
		free(l->w[i].ent);
		free(l->w[i].ok);
	}
	memset(l, 0, sizeof(*l));
	l->mem.memfd = -1;
	l->pm.fd = -1;
}

void fx_livesrc_remap(struct fx_livesrc *l, const struct fx_maps *m)
{
	size_t i;

	l->m = m;
	for (i = 0; i < FX_LIVE_NWIN; i++)
		l->w[i].used = 0;
}

long fx_livesrc_runs(struct fx_livesrc *l, uint64_t start, uint64_t end,
		     struct fx_page_run *runs, size_t max, uint64_t *next)
{
	size_t ps = fx_page_size();
	uint64_t cur = start;
	long n, i;

	n = fx_pagemap_runs(&l->pm, start, end, runs, max, next);
	if (n < 0) {
		if (n == -ESRCH)
			l->gone = 1;
		return n;
	}
	for (i = 0; i < n; i++) {
		l->pages_absent += (runs[i].start - cur) / ps;
		if (runs[i].flags & FX_RUN_SWAPPED)
			l->pages_swapped += (runs[i].end - runs[i].start) / ps;
		cur = runs[i].end;
	}
	if (*next > cur)
		l->pages_absent += (*next - cur) / ps;
	return n;
}

size_t fx_livesrc_readv(struct fx_livesrc *l, const struct fx_mem_seg *seg,
			size_t n, int *why)
{
	size_t ps = fx_page_size(), got, left, k, part;
	int pvr = l->mem.pvr, execd = 0;
	uint64_t e;
	long pm;

	*why = 0;
	if (l->gone) {
		*why = -ESRCH;
		return 0;
	}
	got = fx_mem_readv(&l->mem, seg, n, why);
	/*
	 * The execve guard (livesrc.h). Only process_vm_readv needs it:
	 * /proc/PID/mem is bound to the mm it was opened on, as pagemap
	 * is, and reads nothing once that mm is gone. Any read error says
	 * nothing about the mm; reading nothing says it is gone (T12).
	 */
	if (got && pvr) {
		pm = fx_pagemap_read(l->pm.fd, seg[0].addr - seg[0].addr % ps,
				     1, &e);
		execd = pm == 0 || pm == -ESRCH;
	}
	/* Count what was read; after an execve, wipe it: another
	 * program's bytes are not even left in the caller's buffers. */
	for (k = 0, left = got; k < n && left; k++) {
		part = left < seg[k].len ? left : seg[k].len;
		if (execd)
			memset(seg[k].buf, 0, part);
		else
			l->pages_read += (seg[k].addr % ps + part + ps - 1) / ps;
		left -= part;
	}
	if (execd) {
		got = 0;
		*why = -ESRCH;
	}
	if (*why == -ESRCH)
		l->gone = 1;
	return got;
}

const char *fx_dump_skip_reason(const struct fx_region *r, int include_dd)
{
	static const char *const vvar[] = { "[vvar]", "[vvar_vclock]" };

	if (r->name && fx_in_list(r->name, vvar, FX_ARRAY_SIZE(vvar)))
		return "vvar";
	if (r->vmflags & FX_VM_IO)
		return "io";
	if (r->vmflags & FX_VM_PF)
		return "pfnmap";
	if (r->vmflags & (FX_VM_UM | FX_VM_UW | FX_VM_UI))
		return "uffd";
	if (r->name && !strncmp(r->name, "/secretmem", 10))
		return "secretmem";
	if (r->perms[0] != 'r')
		return r->kind == FX_KIND_GUARD ? "guard" : "no-read";
	if ((r->vmflags & FX_VM_DD) && !include_dd)
		return "dontdump";
	return NULL;
}

/* May the window read this region? (RELIABILITY.md D8; MADV_DONTDUMP
 * regions may: a walker needs them, a dump honours the flag.) */
static int region_readable(const struct fx_region *r)
{
	return !fx_dump_skip_reason(r, 1) && r->kind != FX_KIND_VVAR &&
	       r->kind != FX_KIND_VSYSCALL;
}

/* Load window w starting at win: pagemap first, then present pages. */
static int load_window(struct fx_livesrc *l, struct fx_livewin *w,
		       uint64_t win, size_t npages)
{
	size_t ps = fx_page_size(), i, j, nseg = 0;
	struct fx_mem_seg seg[WIN_PAGES];
	const struct fx_region *r;
	long n;
	int why;

	if (!w->ok) {
		/* All three or none: the next call tries again. */
		w->buf = malloc(WIN_PAGES * ps);
		w->ent = calloc(WIN_PAGES, sizeof(*w->ent));
		w->ok = calloc(WIN_PAGES, 1);
		if (!w->buf || !w->ent || !w->ok) {
			free(w->buf);
			free(w->ent);
			free(w->ok);
			w->buf = NULL;
			w->ent = NULL;
			w->ok = NULL;
			return -ENOMEM;
		}
	}
	w->used = 0;
	memset(w->ok, 0, WIN_PAGES);
	n = fx_pagemap_read(l->pm.fd, win, npages, w->ent);
	if (n < 0) {
		if (n == -ESRCH)
			l->gone = 1;
		return (int)n;
	}
	for (i = 0; i < (size_t)n; i++) {
		uint64_t a = win + i * ps;

		r = l->m ? fx_region_at(l->m, a) : NULL;
		if (!r || !region_readable(r) ||
		    !(w->ent[i] & FX_PM_PRESENT)) {
			/* Swapped out: its bytes are the process's own, in
			 * swap, not its file's (see fx_livesrc_read). */
			if (r && (w->ent[i] & FX_PM_SWAPPED)) {
				w->ok[i] = 2;
				l->pages_swapped++;
			} else if (r && !(w->ent[i] & FX_PM_PRESENT)) {
				l->pages_absent++;
			}
			continue;
		}
		/* A run of readable present pages: one segment. */
		for (j = i; j + 1 < (size_t)n; j++) {
			uint64_t b = win + (j + 1) * ps;

			if (!(w->ent[j + 1] & FX_PM_PRESENT) || b >= r->end)
				break;
		}
		seg[nseg].addr = a;
		seg[nseg].len = (j - i + 1) * ps;
		seg[nseg].buf = w->buf + i * ps;
		nseg++;
		memset(w->ok + i, 1, j - i + 1);
		i = j;
	}
	if (nseg) {
		size_t got = fx_livesrc_readv(l, seg, nseg, &why), k, done;

		/* Pages past what was read are not ok. */
		for (k = 0, done = 0; k < nseg; k++) {
			size_t first = (size_t)(seg[k].addr - win) / ps;
			size_t np = seg[k].len / ps, p;

			for (p = 0; p < np; p++)
				if (done + (p + 1) * ps > got)
					w->ok[first + p] = 0;
			done += seg[k].len;
		}
	}
	w->win = win;
	w->wpages = npages;
	if (npages > w->hw)
		w->hw = npages;
	w->used = ++l->tick;
	return 0;
}

/*
 * The first page of [first, end) (page aligned) that is not present, or
 * end: *bad, and *swapped when it is swapped out rather than absent. One
 * PAGEMAP_SCAN answers for a range of present pages where the entries
 * cost one each (fx_pagemap_runs). 0 or a negative errno.
 */
static int not_present(struct fx_livesrc *l, uint64_t first, uint64_t end,
		       uint64_t *bad, int *swapped)
{
	struct fx_page_run runs[8];
	uint64_t cur = first, next;
	long n, i;

	*swapped = 0;
	while (cur < end) {
		n = fx_pagemap_runs(&l->pm, cur, end, runs,
				    FX_ARRAY_SIZE(runs), &next);
		if (n < 0)
			return (int)n;
		for (i = 0; i < n; i++) {
			if (runs[i].start > cur)
				break;	/* absent before this run */
			if (runs[i].flags & FX_RUN_SWAPPED) {
				*swapped = 1;
				break;
			}
			cur = runs[i].end;	/* present (or the zero page) */
		}
		/* Looked at [.., next): pages after the last run are absent;
		 * go on only from where the scan stopped (its runs full). */
		if (i < n || cur != next)
			break;
	}
	*bad = cur < end ? cur : end;
	return 0;
}

/*
 * Read [addr, addr + len) (at most DIRECT_MAX pages) straight into out,
 * with fx_livesrc_read's contract: every page must be present, in a
 * readable region; the first that is not says why the read fails.
 */
static int read_direct(struct fx_livesrc *l, uint64_t addr,
		       unsigned char *out, size_t len)
{
	size_t ps = fx_page_size(), got;
	uint64_t first = addr - addr % ps, a, e, bad = 0, end = addr + len;
	uint64_t pend = end + (ps - end % ps) % ps;
	const struct fx_region *r;
	struct fx_mem_seg seg;
	int why, swapped, n;

	n = not_present(l, first, pend, &bad, &swapped);
	if (n < 0) {
		if (n == -ESRCH)
			l->gone = 1;
		return n == -ESRCH ? -ESRCH : -EFAULT;
	}
	/* The present pages before bad: each in a readable region. */
	for (a = first; a < bad; a = r->end) {
		r = l->m ? fx_region_at(l->m, a) : NULL;
		if (!r || !region_readable(r))
			return -EFAULT;
	}
	if (bad < pend) {
		if (!l->m || !fx_region_at(l->m, bad))
			return -EFAULT;
		if (swapped) {
			l->pages_swapped++;
			return -ENODATA;
		}
		l->pages_absent++;
		return -EFAULT;
	}
	/* All present: one read per region the range spans. */
	for (a = addr; a < end; a = e) {
		r = fx_region_at(l->m, a);
		e = r && r->end < end ? r->end : end;
		seg.addr = a;
		seg.len = (size_t)(e - a);
		seg.buf = out + (a - addr);
		got = fx_livesrc_readv(l, &seg, 1, &why);
		if (got < seg.len)
			return why == -ESRCH ? -ESRCH : -EFAULT;
	}
	return 0;
}

/*
 * The window holding addr (used), or the one addr lies just past (not
 * used: to be loaded again there, twice as big, wpages set), or NULL.
 */
static struct fx_livewin *find_window(struct fx_livesrc *l, uint64_t addr)
{
	size_t ps = fx_page_size(), i;
	struct fx_livewin *w;
	uint64_t end;

	for (i = 0; i < FX_LIVE_NWIN; i++) {
		w = &l->w[i];
		end = w->win + w->wpages * ps;
		if (w->used && addr >= w->win && addr < end)
			return w;
	}
	for (i = 0; i < FX_LIVE_NWIN; i++) {
		w = &l->w[i];
		end = w->win + w->wpages * ps;
		if (w->used && addr >= end && addr - end < WIN_PAGES * ps) {
			w->wpages = w->wpages * 2 < WIN_PAGES ? w->wpages * 2 :
								WIN_PAGES;
			w->used = 0;
			return w;
		}
	}
	return NULL;
}

/* The window read from longest ago (an empty one first). */
static struct fx_livewin *lru_window(struct fx_livesrc *l)
{
	struct fx_livewin *w = &l->w[0];
	size_t i;

	for (i = 1; i < FX_LIVE_NWIN; i++)
		if (l->w[i].used < w->used)
			w = &l->w[i];
	return w;
}

/* A piece of a large read, DIRECT_MAX pages at the most. */
static int direct_piece(void *ctx, uint64_t addr, unsigned char *out,
			size_t n)
{
	struct fx_livesrc *l = ctx;

	if (l->gone)
		return -ESRCH;
	return read_direct(l, addr, out, n);
}

int fx_livesrc_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fx_livesrc *l = ctx;
	size_t ps = fx_page_size(), wbytes, off, n, p, np;
	unsigned char *out = buf;
	struct fx_livewin *w;
	int r;

	if (addr + len < addr)
		return -EFAULT;
	if (len >= DIRECT_PAGES * ps && l->m)
		return fx_read_pieces(addr, buf, len, ps, DIRECT_MAX * ps,
				      direct_piece, l);
	while (len) {
		if (l->gone)
			return -ESRCH;
		w = find_window(l, addr);
		if (!w || !w->used) {
			np = w ? w->wpages : SMALL_PAGES;
			if (!w)
				w = lru_window(l);
			r = load_window(l, w, addr - addr % (np * ps), np);
			if (r)
				return r == -ESRCH ? r : -EFAULT;
		}
		w->used = ++l->tick;
		wbytes = w->wpages * ps;
		off = (size_t)(addr - w->win);
		n = wbytes - off < len ? wbytes - off : len;
		for (p = off / ps; p <= (off + n - 1) / ps; p++)
			if (w->ok[p] != 1)
				return w->ok[p] == 2 ? -ENODATA : -EFAULT;
		memcpy(out, w->buf + off, n);
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}
