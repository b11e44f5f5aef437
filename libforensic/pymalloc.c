/*
 * pymalloc: CPython's obmalloc arenas and pools found by their pool
 * headers (see pymalloc.h). Learnt from CPython's Objects/obmalloc.c and
 * Include/internal/pycore_obmalloc.h; no code of them here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "maps.h"
#include "pymalloc.h"

#define HDR 48			/* POOL_OVERHEAD */
#define NCLASS 32		/* 512 / 16 */
#define SCAN_MAX (4u << 20)	/* data bytes searched for the cookie */

void fx_pymalloc_init(struct fx_pymalloc *pm)
{
	memset(pm, 0, sizeof(*pm));
	pm->budget = 1u << 24;
}

void fx_pymalloc_release(struct fx_pymalloc *pm)
{
	free(pm->arenas);
	free(pm->hist);
	fx_pymalloc_init(pm);
}

int fx_pymalloc_pool(const unsigned char *h, uint64_t addr,
		     unsigned pool_size, unsigned *size, unsigned *inuse,
		     unsigned *free)
{
	uint32_t count = fx_get32(h), szidx = fx_get32(h + 36);
	uint32_t next = fx_get32(h + 40), maxnext = fx_get32(h + 44);
	uint64_t fb = fx_get64(h + 8);
	unsigned sz, cap, carved;

	if (szidx >= NCLASS || (pool_size != 4096 && pool_size != 16384))
		return 0;
	sz = (szidx + 1) * 16;
	cap = (pool_size - HDR) / sz;
	if (maxnext != pool_size - sz || next < HDR + sz || next > pool_size ||
	    (next - HDR) % sz)
		return 0;
	carved = (next - HDR) / sz;
	if (count > carved || fx_get32(h + 32) >= (1u << 24))
		return 0;
	/* freeblock: NULL in a full pool (every block carved and in
	 * use), else a block of this pool. An empty pool (count 0) keeps
	 * whatever its last use left. */
	if (count && !fb && (count != cap || next <= maxnext))
		return 0;
	if (count && fb && (fb < addr + HDR || fb >= addr + pool_size ||
			    (fb - addr - HDR) % sz))
		return 0;
	*size = sz;
	*inuse = count;
	*free = cap - count;
	return 1;
}

static const char *base_name(const struct fx_region *r)
{
	const char *s = strrchr(r->name, '/');

	return s ? s + 1 : r->name;
}

/* Is r a python executable or libpython? Its version from the name. */
static int python_file(const struct fx_region *r, int *major, int *minor)
{
	const char *b = base_name(r), *v;
	char *e;
	long x, y;

	if (!r->inode)
		return 0;
	if (strncmp(b, "python", 6) == 0)
		v = b + 6;
	else if (strncmp(b, "libpython", 9) == 0)
		v = b + 9;
	else
		return 0;
	x = strtol(v, &e, 10);
	if (e != v && *e == '.' && x == 3) {
		v = e + 1;
		y = strtol(v, &e, 10);
		if (e != v && y >= 0 && y < 100) {
			*major = (int)x;
			*minor = (int)y;
		}
	}
	return 1;
}

/* _Py_DebugOffsets (3.13+): the cookie "xdebugpy" then PY_VERSION_HEX,
 * at the start of _PyRuntime in the python file's writable data. */
static void find_debug_offsets(struct fx_pymalloc *pm, const struct fx_maps *m,
			       struct fx_heap_src *src)
{
	unsigned char *buf;
	uint64_t len, v;
	size_t i;
	int maj = 0, min = 0;

	for (i = 0; i < m->n && !pm->debug_offsets; i++) {
		const struct fx_region *r = &m->r[i];
		unsigned char *p;

		if (r->perms[1] != 'w' || !python_file(r, &maj, &min) ||
		    r->end <= r->start)
			continue;
		len = r->end - r->start;
		len = len > SCAN_MAX ? SCAN_MAX : len;
		buf = malloc(len + 16);
		if (!buf)
			return;
		fx_heap_read_pages(src, r->start, buf, len);
		memset(buf + len, 0, 16);
		p = memmem(buf, len, "xdebugpy", 8);
		v = p && (uint64_t)(p - buf) + 16 <= len ? fx_get64(p + 8) : 0;
		if (v >> 24 == 3 && ((v >> 16) & 255) >= 13) {
			pm->debug_offsets = r->start + (uint64_t)(p - buf);
			pm->major = 3;
			pm->minor = (int)((v >> 16) & 255);
		}
		free(buf);
	}
}

/* Blocks in use and free per class, of one arena. */
struct acnt {
	uint64_t c[NCLASS][2];
};

/* One pool at a: fold it into the arenas and their counts (*ac, one
 * per arena, *accap of them allocated). */
static int add_pool(struct fx_pymalloc *pm, uint64_t a, unsigned psz,
		    const unsigned char *h, unsigned sz, unsigned in,
		    unsigned fr, struct acnt **ac, size_t *accap)
{
	uint32_t idx = fx_get32(h + 32);
	struct fx_pym_arena *cur = pm->narenas ? &pm->arenas[pm->narenas - 1]
					       : NULL;

	if (!cur || cur->index != idx ||
	    a + psz > cur->start + pm->arena_size) {
		if (FX_GROW(pm->arenas, pm->narenas, pm->acap, 16) ||
		    FX_GROW(*ac, pm->narenas, *accap, 16))
			return -ENOMEM;
		memset(&(*ac)[pm->narenas], 0, sizeof(**ac));
		cur = &pm->arenas[pm->narenas++];
		*cur = (struct fx_pym_arena){ a, a, idx, 0, 0, 0 };
	}
	cur->end = a + psz;
	cur->pools++;
	if (!in) {
		cur->empty++;
		return 0;
	}
	(*ac)[pm->narenas - 1].c[sz / 16 - 1][0] += in;
	(*ac)[pm->narenas - 1].c[sz / 16 - 1][1] += fr;
	return 0;
}

/* Does entry e of CPython's arenas table (struct arena_object: address,
 * pool_address, nfreepools (4), ntotalpools (4), freepools, nextarena,
 * prevarena: 48 bytes) describe arena x? */
static int entry_ok(const struct fx_pymalloc *pm, const unsigned char *e,
		    const struct fx_pym_arena *x)
{
	uint64_t addr = fx_get64(e), pa = fx_get64(e + 8);
	uint32_t nfree = fx_get32(e + 16), ntotal = fx_get32(e + 20);
	uint32_t most = pm->arena_size / pm->pool_size;

	return addr && addr % 4096 == 0 && addr <= x->start &&
	       x->end <= addr + pm->arena_size && pa >= addr &&
	       pa <= addr + pm->arena_size && nfree <= ntotal &&
	       (ntotal == most || ntotal + 1 == most);
}

/*
 * CPython's arenas table, pointed to from the python's data or bss (a
 * static in 3.11, _PyRuntime's obmalloc state since 3.12): the pointer
 * whose entries at the first and last arenas' indexes describe them.
 * Its address, or 0.
 */
static uint64_t find_table(const struct fx_pymalloc *pm,
			   const struct fx_maps *m, struct fx_heap_src *src)
{
	const struct fx_pym_arena *x = pm->arenas;
	const struct fx_pym_arena *y = &pm->arenas[pm->narenas - 1];
	unsigned char *buf, e[48];
	uint64_t len, o, w, found = 0;
	unsigned reads = 0;
	size_t i;
	int maj, min;

	for (i = 0; i < m->n && !found; i++) {
		const struct fx_region *r = &m->r[i], *f;

		/* The python's writable data, or the bss right after. */
		if (strcmp(r->perms, "rw-p") || r->end <= r->start)
			continue;
		if (r->inode)
			f = r;
		else if (i && m->r[i - 1].inode && m->r[i - 1].end == r->start)
			f = &m->r[i - 1];
		else
			continue;
		if (f->perms[1] != 'w' || !python_file(f, &maj, &min))
			continue;
		len = r->end - r->start;
		len = len > SCAN_MAX ? SCAN_MAX : len;
		buf = malloc(len);
		if (!buf)
			return 0;
		fx_heap_read_pages(src, r->start, buf, len);
		for (o = 0; o + 8 <= len && !found && reads < 65536; o += 8) {
			const struct fx_region *t;

			w = fx_get64(buf + o);
			if (!w || w % 8 || w > (1ull << 62))
				continue;
			t = fx_region_at(m, w + 48ull * x->index);
			if (!t || t->perms[1] != 'w' || t->inode)
				continue;
			reads++;
			if (src->read(src->ctx, w + 48ull * x->index, e, 48) ||
			    !entry_ok(pm, e, x) ||
			    src->read(src->ctx, w + 48ull * y->index, e, 48) ||
			    !entry_ok(pm, e, y))
				continue;
			found = w;
		}
		free(buf);
	}
	return found;
}

/* With CPython's table: each arena its exact span, or dropped (with its
 * pools) when the table does not describe it. The number dropped. */
static size_t check_arenas(struct fx_pymalloc *pm, struct fx_heap_src *src,
			   struct acnt *ac)
{
	unsigned char e[48];
	size_t i, k, dropped = 0;

	for (i = k = 0; i < pm->narenas; i++) {
		struct fx_pym_arena *x = &pm->arenas[i];

		if (src->read(src->ctx, pm->table + 48ull * x->index, e, 48) ||
		    !entry_ok(pm, e, x)) {
			dropped++;
			continue;
		}
		x->start = fx_get64(e);
		x->end = x->start + pm->arena_size;
		x->exact = 1;
		ac[k] = ac[i];
		pm->arenas[k++] = *x;
	}
	pm->narenas = k;
	return dropped;
}

int fx_pymalloc_walk(struct fx_pymalloc *pm, const struct fx_maps *m,
		     struct fx_heap_src *src)
{
	uint64_t cnt[NCLASS][2] = { { 0 } }, a, step;
	unsigned char h[HDR];
	unsigned psz[2], np = 0, k, sz, in, fr;
	size_t i, hcap = 0, accap = 0, dropped = 0;
	struct acnt *ac = NULL;
	int r = 0, dup = 0;
	char what[160], ver[24], tab[100];

	for (i = 0; i < m->n && !pm->found_python; i++)
		pm->found_python = python_file(&m->r[i], &pm->major,
					       &pm->minor);
	if (!pm->found_python || !src) {
		snprintf(pm->note, sizeof(pm->note), "no python mapped");
		return 0;
	}
	find_debug_offsets(pm, m, src);
	/* 3.10 made pools 16 KiB and arenas 1 MiB on 64-bit (the radix
	 * tree); before, 4 KiB and 256 KiB. Unknown: look for both. */
	if (!pm->major || pm->minor >= 10)
		psz[np++] = 16384;
	if (!pm->major || pm->minor < 10)
		psz[np++] = 4096;
	step = psz[np - 1];
	for (i = 0; i < m->n && !r; i++) {
		const struct fx_region *reg = &m->r[i];

		if (reg->inode || reg->kind != FX_KIND_ANON ||
		    strcmp(reg->perms, "rw-p") || reg->end <= reg->start ||
		    reg->start > UINT64_MAX - step)
			continue;
		for (a = (reg->start + step - 1) & ~(step - 1);
		     a + step <= reg->end && !r; a += step) {
			if (!pm->budget--)
				break;
			if (src->read(src->ctx, a, h, HDR))
				continue;
			for (k = 0; k < np; k++) {
				if (a % psz[k] || a + psz[k] > reg->end ||
				    !fx_pymalloc_pool(h, a, psz[k], &sz, &in,
						      &fr))
					continue;
				if (!pm->pool_size) {
					pm->pool_size = psz[k];
					pm->arena_size = psz[k] == 16384 ?
						1u << 20 : 1u << 18;
					np = 1;
					psz[0] = psz[k];
					step = psz[0];
				}
				r = add_pool(pm, a, psz[k], h, sz, in, fr, &ac,
					     &accap);
				break;
			}
		}
	}
	if (!r && pm->narenas) {
		pm->table = find_table(pm, m, src);
		if (pm->table)
			dropped = check_arenas(pm, src, ac);
	}
	for (i = 0; i < pm->narenas && !r; i++) {
		pm->pools += pm->arenas[i].pools;
		pm->empty_pools += pm->arenas[i].empty;
		for (k = 0; k < NCLASS; k++) {
			cnt[k][0] += ac[i].c[k][0];
			cnt[k][1] += ac[i].c[k][1];
		}
	}
	free(ac);
	for (k = 0; k < NCLASS && !r; k++) {
		if (!cnt[k][0] && !cnt[k][1])
			continue;
		if (FX_GROW(pm->hist, pm->nhist, hcap, NCLASS)) {
			r = -ENOMEM;
			break;
		}
		sz = (k + 1) * 16;
		pm->hist[pm->nhist++] = (struct fx_chunk_hist){
			0, sz, 0, cnt[k][0], cnt[k][1], cnt[k][0] * sz,
			cnt[k][1] * sz };
	}
	for (i = 0; i < pm->narenas && !pm->table; i++) {
		struct fx_pym_arena *x = &pm->arenas[i];
		uint64_t reach = x->start + pm->arena_size - pm->pool_size;

		if (i + 1 < pm->narenas && reach > pm->arenas[i + 1].start)
			reach = pm->arenas[i + 1].start;
		x->end = reach > x->end ? reach : x->end;
	}
	for (i = 1; i < pm->narenas; i++)
		for (k = 0; k < i && k < 4096; k++)
			dup += pm->arenas[k].index == pm->arenas[i].index;
	if (pm->debug_offsets)
		snprintf(what, sizeof(what), "its _Py_DebugOffsets at 0x%llx",
			 (unsigned long long)pm->debug_offsets);
	else
		snprintf(what, sizeof(what), "no _Py_DebugOffsets before 3.13: "
			 "the runtime, threads and usedpools cannot be named");
	if (pm->major)
		snprintf(ver, sizeof(ver), "%d.%d", pm->major, pm->minor);
	else
		snprintf(ver, sizeof(ver), "(version not known)");
	if (pm->table)
		snprintf(tab, sizeof(tab), ", checked against its arenas "
			 "table at 0x%llx%s", (unsigned long long)pm->table,
			 dropped ? " (pools outside it dropped)" : "");
	else
		snprintf(tab, sizeof(tab), "%s", pm->narenas ? ", its arenas "
			 "table not found" : "");
	snprintf(pm->note, sizeof(pm->note), "CPython %s; %zu pymalloc "
		 "arenas, %llu pools (%llu empty)%s%s; %.110s", ver,
		 pm->narenas, (unsigned long long)pm->pools,
		 (unsigned long long)pm->empty_pools,
		 dup ? ", arena indexes repeated" : "", tab, what);
	return r;
}
