/*
 * heap: finding and walking glibc malloc arenas (layout in heap.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "internal.h"
#include "maps.h"

#define PREV_INUSE 1ULL
#define IS_MMAPPED 2ULL
#define NON_MAIN_ARENA 4ULL
#define SIZE_BITS 7ULL
#define MINSIZE 32ULL
#define ALIGN_MASK 15ULL
#define NBINS 128
#define MAX_ARENAS 1024
#define TCACHE_BINS 64

int fx_glibc_layout(struct fx_glibc *g, int major, int minor)
{
	if (major != 2 || minor < 26 || minor > 39)
		return -ENOTSUP;
	memset(g, 0, sizeof(*g));
	g->major = major;
	g->minor = minor;
	/* pagesize joined heap_info in 2.35 (huge page arenas). */
	g->info_size = minor >= 35 ? 48 : 32;
	/* have_fastchunks (2.27+) fits in the padding before fastbinsY. */
	g->off_fastbins = 16;
	g->nfastbins = 10;
	g->off_top = g->off_fastbins + 8 * g->nfastbins;
	g->off_bins = g->off_top + 16;
	g->off_next = g->off_bins + 8 * (NBINS * 2 - 2) + 16;
	g->off_system_mem = g->off_next + 24;
	g->arena_size = g->off_system_mem + 16;
	/* counts became uint16_t in 2.30. */
	g->tcache_count_size = minor >= 30 ? 2 : 1;
	g->tcache_size = (g->tcache_count_size * TCACHE_BINS +
			  8 * TCACHE_BINS + 8 + ALIGN_MASK) & ~ALIGN_MASK;
	g->safe_linking = minor >= 32;
	g->heap_max = 64ULL << 20;
	return 0;
}

static int parse_ver(const char *p, const char *e, int *major, int *minor)
{
	int a = 0, b = 0, nd = 0;

	while (p < e && *p >= '0' && *p <= '9' && nd < 3)
		a = a * 10 + (*p++ - '0'), nd++;
	if (!nd || p >= e || *p++ != '.')
		return -1;
	nd = 0;
	while (p < e && *p >= '0' && *p <= '9' && nd < 3)
		b = b * 10 + (*p++ - '0'), nd++;
	if (!nd)
		return -1;
	*major = a;
	*minor = b;
	return 0;
}

int fx_glibc_version(const char *buf, size_t len, int *major, int *minor)
{
	static const char banner[] = "release version ";
	static const char vname[] = "GLIBC_";
	const char *p, *e = buf + len;
	int a, b, best = -1;

	p = memmem(buf, len, banner, sizeof(banner) - 1);
	if (p && parse_ver(p + sizeof(banner) - 1, e, major, minor) == 0)
		return 0;
	for (p = buf; p < e;) {
		p = memmem(p, (size_t)(e - p), vname, sizeof(vname) - 1);
		if (!p)
			break;
		p += sizeof(vname) - 1;
		if (parse_ver(p, e, &a, &b) == 0 && a * 1000 + b > best) {
			best = a * 1000 + b;
			*major = a;
			*minor = b;
		}
	}
	return best < 0 ? -ENOENT : 0;
}

/* ---- a set (or map) of 64-bit keys, open addressing ---- */

struct u64map {
	uint64_t *k;		/* 0 = empty slot (0 is never a key) */
	uint64_t *v;
	size_t n, cap;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void map_release(struct u64map *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* The slot of key k (found or empty). */
static size_t map_slot(const struct u64map *m, uint64_t k)
{
	size_t i = mix(k) & (m->cap - 1);

	while (m->k[i] && m->k[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int map_grow(struct u64map *m)
{
	struct u64map nm = { 0 };
	size_t i, s;

	nm.cap = m->cap ? m->cap * 2 : 64;
	nm.k = calloc(nm.cap, sizeof(*nm.k));
	nm.v = calloc(nm.cap, sizeof(*nm.v));
	if (!nm.k || !nm.v) {
		map_release(&nm);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->k[i])
			continue;
		s = map_slot(&nm, m->k[i]);
		nm.k[s] = m->k[i];
		nm.v[s] = m->v[i];
		nm.n++;
	}
	map_release(m);
	*m = nm;
	return 0;
}

/* Insert k -> v; 1 when k was new, 0 when present (v kept), -ENOMEM. */
static int map_put(struct u64map *m, uint64_t k, uint64_t v)
{
	size_t s;

	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return -ENOMEM;
	s = map_slot(m, k);
	if (m->k[s])
		return 0;
	m->k[s] = k;
	m->v[s] = v;
	m->n++;
	return 1;
}

static uint64_t *map_get(const struct u64map *m, uint64_t k)
{
	size_t s;

	if (!m->cap)
		return NULL;
	s = map_slot(m, k);
	return m->k[s] ? &m->v[s] : NULL;
}

/* ---- private state of a scan ---- */

struct priv {
	struct u64map hist;	/* key -> index in hs->hist */
	struct u64map members;	/* free chunk in a tcache or fastbin list */
	uint64_t *tcaches;	/* candidate tcache_perthread_struct chunks */
	size_t ntc, tccap;
};

static struct priv *priv_of(struct fx_heapscan *hs)
{
	if (!hs->priv)
		hs->priv = calloc(1, sizeof(struct priv));
	return hs->priv;
}

void fx_heapscan_init(struct fx_heapscan *hs, const struct fx_glibc *g)
{
	memset(hs, 0, sizeof(*hs));
	hs->g = *g;
	hs->budget = 1 << 22;
}

void fx_heapscan_release(struct fx_heapscan *hs)
{
	struct priv *p = hs->priv;

	if (p) {
		map_release(&p->hist);
		map_release(&p->members);
		free(p->tcaches);
		free(p);
	}
	free(hs->arenas);
	free(hs->heaps);
	free(hs->bad);
	free(hs->hist);
	memset(hs, 0, sizeof(*hs));
}

static int add_bad(struct fx_heapscan *hs, uint64_t addr, int arena,
		   const char *why)
{
	struct fx_heap_bad *nb;
	size_t i;

	for (i = 0; i < hs->nbad; i++)
		if (hs->bad[i].addr == addr && hs->bad[i].why == why)
			return 0;
	nb = realloc(hs->bad, (hs->nbad + 1) * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	hs->bad = nb;
	nb[hs->nbad].addr = addr;
	nb[hs->nbad].arena = arena;
	nb[hs->nbad].why = why;
	hs->nbad++;
	return 0;
}

static int rd64(struct fx_heap_src *s, uint64_t addr, uint64_t *v)
{
	if (addr + 8 < addr)
		return -EFAULT;
	return s->read(s->ctx, addr, v, 8);
}

/* ---- arenas ---- */

/*
 * Read the arena at addr and check its signature: every bin either empty
 * (pointing to itself) or holding two 16-aligned chunk pointers, and a
 * 16-aligned top. 0, -EFAULT (unreadable), -EBADMSG (not an arena).
 */
static int arena_read(const struct fx_glibc *g, struct fx_heap_src *s,
		      uint64_t addr, struct fx_arena *a)
{
	uint64_t st[2200 / 8 + 8];
	uint64_t self, fd, bk;
	unsigned i, empty = 0;
	int r;

	if (g->arena_size > sizeof(st) || addr % 8 ||
	    addr + g->arena_size < addr)
		return -EBADMSG;
	r = s->read(s->ctx, addr, st, g->arena_size);
	if (r)
		return r;
	for (i = 1; i < NBINS; i++) {
		fd = st[(g->off_bins + (i - 1) * 16) / 8];
		bk = st[(g->off_bins + (i - 1) * 16 + 8) / 8];
		self = addr + g->off_bins + (i - 1) * 16 - 16;
		if (fd == self && bk == self) {
			empty++;
			continue;
		}
		if (!fd || !bk || fd == self || bk == self || (fd & ALIGN_MASK) ||
		    (bk & ALIGN_MASK))
			return -EBADMSG;
	}
	memset(a, 0, sizeof(*a));
	a->addr = addr;
	a->top = st[g->off_top / 8];
	a->next = st[g->off_next / 8];
	a->system_mem = st[g->off_system_mem / 8];
	for (i = 0; i < g->nfastbins && i < 10; i++)
		a->fastbins[i] = st[(g->off_fastbins + 8 * i) / 8];
	/* An arena always has a top chunk once malloc_init_state ran, and
	 * some bin empty (127 full bins is not a heap, it is garbage). */
	if (!a->top || (a->top & ALIGN_MASK) || empty == 0)
		return -EBADMSG;
	if (rd64(s, a->top + 8, &a->top_size) == 0)
		a->top_size &= ~SIZE_BITS;
	return 0;
}

static int arena_index(const struct fx_heapscan *hs, uint64_t addr)
{
	size_t i;

	for (i = 0; i < hs->narenas; i++)
		if (hs->arenas[i].addr == addr)
			return (int)i;
	return -1;
}

static int add_arena(struct fx_heapscan *hs, const struct fx_arena *a)
{
	struct fx_arena *na;

	na = realloc(hs->arenas, (hs->narenas + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	hs->arenas = na;
	na[hs->narenas++] = *a;
	return (int)hs->narenas - 1;
}

static int add_heap(struct fx_heapscan *hs, const struct fx_heap *h)
{
	struct fx_heap *nh;
	size_t i;

	nh = realloc(hs->heaps, (hs->nheaps + 1) * sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	hs->heaps = nh;
	/* Keep them sorted by start (regions come sorted: cheap). */
	for (i = hs->nheaps; i > 0 && nh[i - 1].start > h->start; i--)
		nh[i] = nh[i - 1];
	nh[i] = *h;
	hs->nheaps++;
	return 0;
}

long fx_range_search(const void *arr, size_t n, size_t sz, size_t off,
		     uint64_t addr)
{
	const char *base;
	size_t lo = 0, hi = n, mid;
	uint64_t se[2];

	if (!n)
		return -1;	/* arr may be NULL: no offset from it */
	base = (const char *)arr + off;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		memcpy(se, base + mid * sz, sizeof(se));
		if (addr < se[0])
			hi = mid;
		else if (addr >= se[1])
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

size_t fx_range_after(const void *arr, size_t n, size_t sz, size_t off,
		      uint64_t addr)
{
	const char *ends;
	size_t lo = 0, hi = n, mid;
	uint64_t e;

	if (!n)
		return 0;	/* arr may be NULL: no offset from it */
	ends = (const char *)arr + off + sizeof(e);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		memcpy(&e, ends + mid * sz, sizeof(e));
		if (e <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long fx_range_find(const void *arr, size_t n, size_t sz, size_t off,
		   uint64_t addr)
{
	const char *p;
	uint64_t se[2];
	size_t i;

	if (!n)
		return -1;	/* arr may be NULL: no offset from it */
	p = (const char *)arr + off;
	for (i = 0; i < n; i++, p += sz) {
		memcpy(se, p, sizeof(se));
		if (addr >= se[0] && addr < se[1])
			return (long)i;
	}
	return -1;
}

FX_RANGE_FIELDS(struct fx_heap, start, end);
FX_RANGE_FIELDS(struct fx_region, start, end);

int fx_heapscan_heap_at(const struct fx_heapscan *hs, uint64_t addr)
{
	return (int)fx_range_search(hs->heaps, hs->nheaps,
				    sizeof(*hs->heaps),
				    offsetof(struct fx_heap, start), addr);
}

static int is_anon_rw(const struct fx_region *r)
{
	return r->inode == 0 && strncmp(r->perms, "rw", 2) == 0 &&
	       (r->kind == FX_KIND_ANON);
}

const struct fx_region *fx_region_at(const struct fx_maps *m, uint64_t addr)
{
	long i = fx_range_search(m->r, m->n, sizeof(*m->r),
				 offsetof(struct fx_region, start), addr);

	return i < 0 ? NULL : &m->r[i];
}

/*
 * Follow the arena list from hs->arenas[from] and add every member not
 * yet known. A member outside any heap is the main arena. Stops at the
 * first repeat; a list that does not come back to its start is corrupt.
 */
static int follow_list(struct fx_heapscan *hs, size_t from,
		       const struct fx_maps *m, struct fx_heap_src *s)
{
	uint64_t start = hs->arenas[from].addr, prev = start;
	uint64_t cur = hs->arenas[from].next;
	struct fx_arena a;
	unsigned steps = 0;
	int idx, r;

	while (cur != start) {
		if (++steps > MAX_ARENAS)
			return add_bad(hs, prev, arena_index(hs, prev),
				       "arena list does not come back");
		idx = arena_index(hs, cur);
		if (idx >= 0) {
			if (hs->arenas[idx].next == cur)
				return add_bad(hs, cur, idx, "arena next "
					       "points to itself");
			prev = cur;
			cur = hs->arenas[idx].next;
			continue;
		}
		if (!fx_region_at(m, cur))
			return add_bad(hs, prev, arena_index(hs, prev),
				       "arena next outside any region");
		r = arena_read(&hs->g, s, cur, &a);
		if (r)
			return add_bad(hs, prev, arena_index(hs, prev),
				       "arena next is not an arena");
		/* main_arena lives in libc's data: a file mapping. */
		a.is_main = fx_region_at(m, cur)->inode != 0;
		idx = add_arena(hs, &a);
		if (idx < 0)
			return idx;
		prev = cur;
		cur = a.next;
	}
	return 0;
}

/* Non-main heaps: heap_info at each 64 MiB-aligned anonymous region. */
static int find_heaps(struct fx_heapscan *hs, const struct fx_maps *m,
		      struct fx_heap_src *s)
{
	const struct fx_glibc *g = &hs->g;
	uint64_t hi[4];
	struct fx_heap h;
	struct fx_arena a;
	size_t i;
	int idx, r;

	for (i = 0; i < m->n; i++) {
		const struct fx_region *reg = &m->r[i];

		if (!is_anon_rw(reg) || reg->start % g->heap_max)
			continue;
		if (s->read(s->ctx, reg->start, hi, sizeof(hi)))
			continue;
		/* ar_ptr, prev, size, mprotect_size */
		if (hi[2] < 4096 || hi[2] > g->heap_max || hi[3] > g->heap_max ||
		    hi[2] > reg->end - reg->start)
			continue;
		if (hi[1] && (hi[1] % g->heap_max))
			continue;
		memset(&h, 0, sizeof(h));
		h.start = reg->start;
		h.end = reg->end;
		h.size = hi[2];
		h.reserve_end = reg->end;
		if (i + 1 < m->n && m->r[i + 1].start == reg->end &&
		    strcmp(m->r[i + 1].perms, "---p") == 0 &&
		    m->r[i + 1].end <= reg->start + g->heap_max)
			h.reserve_end = m->r[i + 1].end;
		if (hi[0] == reg->start + g->info_size) {
			/* The first heap of its arena. */
			r = arena_read(g, s, hi[0], &a);
			if (r)
				continue;
			idx = arena_index(hs, a.addr);
			if (idx < 0)
				idx = add_arena(hs, &a);
			if (idx < 0)
				return idx;
			h.seq = 1;
			h.first = ((hi[0] + g->arena_size + 16 + ALIGN_MASK) &
				   ~ALIGN_MASK) - 16;
		} else {
			h.first = reg->start + g->info_size;
			idx = -1;	/* settled once the list is known */
			h.seq = 2;
		}
		h.arena = idx;
		h.ar_ptr = hi[0];
		r = add_heap(hs, &h);
		if (r)
			return r;
	}
	return 0;
}

/* Settle the arena of later heaps (their ar_ptr may be any arena). */
static int settle_heaps(struct fx_heapscan *hs, const struct fx_maps *m,
			struct fx_heap_src *s)
{
	size_t i, j;
	int idx;

	for (i = 0; i < hs->nheaps; i++) {
		struct fx_heap *h = &hs->heaps[i];

		if (h->arena >= 0)
			continue;
		idx = arena_index(hs, h->ar_ptr);
		if (idx < 0) {
			if (add_bad(hs, h->start, -1, "heap_info ar_ptr is not "
				    "a known arena"))
				return -ENOMEM;
			/* Drop the heap: it cannot be walked. */
			memmove(h, h + 1, (hs->nheaps - i - 1) * sizeof(*h));
			hs->nheaps--;
			i--;
			continue;
		}
		h->arena = idx;
	}
	for (i = 0; i < hs->nheaps; i++)
		for (j = 0; j < hs->narenas; j++)
			if (hs->heaps[i].arena == (int)j)
				hs->arenas[j].nheaps++;
	(void)m;
	(void)s;
	return 0;
}

/* The main arena by its signature in the writable data of libc. */
static int find_main_by_scan(struct fx_heapscan *hs, const struct fx_maps *m,
			     struct fx_heap_src *s, const char *hint)
{
	const struct fx_region *heap = NULL;
	uint64_t *buf = NULL, a, lo, hi;
	struct fx_arena ar;
	size_t i, k, n, cap = 0;
	int r, in_lib = 0;

	for (i = 0; i < m->n; i++)
		if (m->r[i].kind == FX_KIND_HEAP)
			heap = &m->r[i];
	for (i = 0; i < m->n; i++) {
		const struct fx_region *reg = &m->r[i];

		/* libc's rw segment, and the anonymous bss right after. */
		if (reg->inode && reg->name_len &&
		    strstr(reg->name, hint ? hint : "libc"))
			in_lib = 1;
		else if (reg->inode)
			in_lib = 0;
		if (!in_lib || strncmp(reg->perms, "rw", 2))
			continue;
		n = (size_t)((reg->end - reg->start) / 8);
		if (n > (4u << 20) / 8)
			continue;
		if (n > cap) {
			uint64_t *nb = realloc(buf, n * 8);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap = n;
		}
		/* Page by page: a page not present reads as a hole. */
		for (k = 0; k < n; k += 512)
			if (s->read(s->ctx, reg->start + k * 8, buf + k,
				    (n - k < 512 ? n - k : 512) * 8))
				memset(buf + k, 0,
				       (n - k < 512 ? n - k : 512) * 8);
		for (k = 0; k + hs->g.arena_size / 8 <= n; k++) {
			a = reg->start + k * 8;
			if (buf[k + hs->g.off_next / 8] != a &&
			    arena_index(hs, buf[k + hs->g.off_next / 8]) < 0)
				continue;
			lo = buf[k + hs->g.off_top / 8];
			if (heap && (lo < heap->start || lo >= heap->end))
				continue;
			r = arena_read(&hs->g, s, a, &ar);
			if (r)
				continue;
			ar.is_main = 1;
			hi = (uint64_t)add_arena(hs, &ar);
			free(buf);
			return (int)hi < 0 ? (int)hi : 0;
		}
	}
	free(buf);
	return 0;
}

/* The index of the main arena (the last marked so), or -1. */
static int main_arena(const struct fx_heapscan *hs)
{
	size_t i;
	int k = -1;

	for (i = 0; i < hs->narenas; i++)
		if (hs->arenas[i].is_main)
			k = (int)i;
	return k;
}

int fx_heapscan_find(struct fx_heapscan *hs, const struct fx_maps *m,
		     struct fx_heap_src *s, const char *libc_hint)
{
	const struct fx_region *heap = NULL;
	struct fx_arena tmp;
	struct fx_heap h;
	size_t i, n;
	int r, main_idx;

	r = find_heaps(hs, m, s);
	if (r)
		return r;
	n = hs->narenas;
	for (i = 0; i < n; i++) {
		r = follow_list(hs, i, m, s);
		if (r)
			return r;
	}
	main_idx = main_arena(hs);
	if (main_idx < 0) {
		r = find_main_by_scan(hs, m, s, libc_hint);
		if (r)
			return r;
		main_idx = main_arena(hs);
	}
	/* One arena alone may point to itself; one of several may not. */
	for (i = 0; hs->narenas > 1 && i < hs->narenas; i++)
		if (hs->arenas[i].next == hs->arenas[i].addr &&
		    add_bad(hs, hs->arenas[i].addr, (int)i,
			    "arena next points to itself"))
			return -ENOMEM;
	/* Main arena first: swap indexes in the heaps too. */
	if (main_idx > 0) {
		tmp = hs->arenas[0];
		hs->arenas[0] = hs->arenas[main_idx];
		hs->arenas[main_idx] = tmp;
		for (i = 0; i < hs->nheaps; i++) {
			if (hs->heaps[i].arena == 0)
				hs->heaps[i].arena = main_idx;
			else if (hs->heaps[i].arena == main_idx)
				hs->heaps[i].arena = 0;
		}
		for (i = 0; i < hs->nbad; i++) {
			if (hs->bad[i].arena == 0)
				hs->bad[i].arena = main_idx;
			else if (hs->bad[i].arena == main_idx)
				hs->bad[i].arena = 0;
		}
		main_idx = 0;
	}
	r = settle_heaps(hs, m, s);
	if (r)
		return r;
	for (i = 0; i < m->n; i++)
		if (m->r[i].kind == FX_KIND_HEAP)
			heap = &m->r[i];
	if (main_idx < 0) {
		/* A [heap] is glibc's main arena's: not finding that arena
		 * is never an empty heap. Its top outside the [heap] read
		 * means the heap grew after the map was read (a live
		 * process that allocates all the time): say so, so that
		 * the caller looks again, or reports it. */
		if (heap && add_bad(hs, heap->start, -1,
				    "main arena not found (its heap changed "
				    "while it was read, or libc's data is not "
				    "in the capture)"))
			return -ENOMEM;
		return 0;
	}
	if (heap && hs->arenas[0].top >= heap->start &&
	    hs->arenas[0].top < heap->end) {
		memset(&h, 0, sizeof(h));
		h.start = heap->start;
		h.end = heap->end;
		h.reserve_end = heap->end;
		h.size = heap->end - heap->start;
		/* The first chunk's user data is 16-aligned. */
		h.first = ((heap->start + 16 + ALIGN_MASK) & ~ALIGN_MASK) - 16;
		h.arena = 0;
		h.seq = 1;
		hs->arenas[0].nheaps++;
		r = add_heap(hs, &h);
	} else if (heap) {
		r = add_bad(hs, hs->arenas[0].top, 0,
			    "main arena top outside [heap]");
	}
	return r;
}

/* ---- the chunk walk ---- */

static int hist_add(struct fx_heapscan *hs, int arena, uint64_t size,
		    uint32_t type, int is_free, int64_t delta)
{
	struct priv *p = priv_of(hs);
	struct fx_chunk_hist *e, *nh;
	uint64_t key, *v;
	int r;

	if (!p)
		return -ENOMEM;
	/* size < 2^40 and arena < 2^10 here; type < 2^14 is folded in. */
	key = (size << 24) ^ ((uint64_t)arena << 14) ^ type ^ (1ULL << 63);
	v = map_get(&p->hist, key);
	if (v && (hs->hist[*v].size != size || hs->hist[*v].arena != arena ||
		  hs->hist[*v].type != type))
		v = NULL;	/* folding collision: rare, linear fallback */
	if (!v) {
		size_t i;

		for (i = 0; i < hs->nhist; i++)
			if (hs->hist[i].size == size &&
			    hs->hist[i].arena == arena &&
			    hs->hist[i].type == type)
				break;
		if (i == hs->nhist) {
			nh = realloc(hs->hist, (hs->nhist + 1) * sizeof(*nh));
			if (!nh)
				return -ENOMEM;
			hs->hist = nh;
			memset(&nh[i], 0, sizeof(*nh));
			nh[i].arena = arena;
			nh[i].size = size;
			nh[i].type = type;
			hs->nhist++;
		}
		r = map_put(&p->hist, key, i);
		if (r < 0)
			return r;
		e = &hs->hist[i];
	} else {
		e = &hs->hist[*v];
	}
	if (is_free) {
		e->free += delta;
		e->free_bytes += delta * (int64_t)size;
	} else {
		e->inuse += delta;
		e->inuse_bytes += delta * (int64_t)size;
	}
	return 0;
}

/* Does the in-use bucket (arena, size, type) hold at least one chunk? */
static int hist_has(const struct fx_heapscan *hs, int arena, uint64_t size,
		    uint32_t type)
{
	size_t i;

	for (i = 0; i < hs->nhist; i++)
		if (hs->hist[i].size == size && hs->hist[i].arena == arena &&
		    hs->hist[i].type == type)
			return hs->hist[i].inuse > 0;
	return 0;
}

static int in_any_heap(const struct fx_heapscan *hs, uint64_t addr)
{
	return fx_heapscan_heap_at(hs, addr) >= 0;
}

static uint64_t reveal(const struct fx_glibc *g, uint64_t pos, uint64_t v)
{
	return g->safe_linking ? (pos >> 12) ^ v : v;
}

/*
 * Walk one singly linked free list (tcache: entries point at user data;
 * fastbin: at chunks) and add its members. max is the count the list
 * claims (tcache) or the budget. Returns 0 or -ENOMEM; corruption is
 * recorded and ends the list.
 */
static int walk_list(struct fx_heapscan *hs, struct fx_heap_src *s,
		     uint64_t first, int is_tcache, uint64_t want_size,
		     uint64_t max, int arena, uint64_t head)
{
	struct priv *p = priv_of(hs);
	uint64_t e = first, chunk, sz, raw, steps = 0, prev = head;
	int r;

	if (!p)
		return -ENOMEM;
	/* A bad link is reported at the chunk (or list head) holding it. */
	while (e) {
		chunk = is_tcache ? e - 16 : e;
		if (steps++ >= max)
			return add_bad(hs, prev, arena, is_tcache ?
				       "tcache list longer than its count" :
				       "fastbin list over the step budget");
		if ((e & ALIGN_MASK) || !in_any_heap(hs, chunk))
			return add_bad(hs, prev, arena, "free list pointer "
				       "outside every heap");
		if (rd64(s, chunk + 8, &sz))
			return add_bad(hs, prev, arena, "free list chunk "
				       "unreadable");
		if ((sz & ~SIZE_BITS) != want_size)
			return add_bad(hs, prev, arena, "free list chunk of "
				       "the wrong size");
		/* Fastbin members are found before the walk, which counts
		 * them free (bit 62); tcache members after it. */
		r = map_put(&p->members, chunk,
			    want_size | (is_tcache ? 0 : 1ULL << 62));
		if (r < 0)
			return r;
		if (r == 0)
			return add_bad(hs, prev, arena, "free list loops");
		if (rd64(s, chunk + 16, &raw))
			return add_bad(hs, chunk, arena, "free list chunk "
				       "unreadable");
		prev = chunk;
		e = reveal(&hs->g, chunk + 16, raw);
	}
	if (is_tcache && steps < max)
		return add_bad(hs, head, arena,
			       "tcache list shorter than its count");
	return 0;
}

/* Is the in-use chunk at c a tcache_perthread_struct? Walk it if so. */
static int try_tcache(struct fx_heapscan *hs, struct fx_heap_src *s,
		      uint64_t c, int arena)
{
	const struct fx_glibc *g = &hs->g;
	unsigned char b[1024];
	uint64_t ent[TCACHE_BINS], cnt[TCACHE_BINS], sz;
	unsigned i, used = 0;
	int r;

	if (s->read(s->ctx, c + 16, b, TCACHE_BINS * (g->tcache_count_size + 8)))
		return 0;
	for (i = 0; i < TCACHE_BINS; i++) {
		if (g->tcache_count_size == 2)
			cnt[i] = (uint64_t)b[2 * i] | (uint64_t)b[2 * i + 1] << 8;
		else
			cnt[i] = b[i];
		memcpy(&ent[i], b + TCACHE_BINS * g->tcache_count_size + 8 * i,
		       8);
		if (!cnt[i] != !ent[i])
			return 0;
		if (!ent[i])
			continue;
		if ((ent[i] & ALIGN_MASK) || !in_any_heap(hs, ent[i] - 16))
			return 0;
		if (rd64(s, ent[i] - 8, &sz) ||
		    (sz & ~SIZE_BITS) != MINSIZE + 16 * i)
			return 0;
		used++;
	}
	for (i = 0; used && i < TCACHE_BINS; i++) {
		if (!ent[i])
			continue;
		r = walk_list(hs, s, ent[i], 1, MINSIZE + 16 * i, cnt[i], arena,
			      c);
		if (r)
			return r;
	}
	return 0;
}

/* Walk the chunks of heap hi; adds to the histogram. */
static int walk_heap(struct fx_heapscan *hs, struct fx_heap_src *s, size_t hi,
		     fx_type_fn type_fn, void *type_ctx)
{
	struct fx_heap *h = &hs->heaps[hi];
	struct fx_arena *a = &hs->arenas[h->arena];
	struct priv *p = priv_of(hs);
	uint64_t c = h->first, end = h->start + h->size, hdr[2], nhdr[2];
	uint64_t size, word, steps = 0, max;
	int r, is_free;

	if (!p)
		return -ENOMEM;
	if (end > h->end || end <= h->first)
		end = h->end;
	max = (end - c) / 16 + 2;
	h->walked = c;
	if (s->read(s->ctx, c, hdr, 16))
		return add_bad(hs, c, h->arena, "heap unreadable");
	while (c < end) {
		if (++steps > max)
			return add_bad(hs, c, h->arena, "chunk walk over budget");
		size = hdr[1] & ~SIZE_BITS;
		if (c == a->top) {
			if (size < MINSIZE || c + size > end || c + size < c)
				return add_bad(hs, c, h->arena, "top chunk "
					       "size beyond the heap");
			hs->chunks++;
			return hist_add(hs, h->arena, size, 0, 1, 1);
		}
		/* A fencepost: the end of an old heap (or of a stretch of the
		 * main heap before a foreign sbrk). */
		if (size == 16 && c + 16 <= end) {
			if (c + 16 == end || (s->read(s->ctx, c + 16, nhdr, 16) ==
					      0 && (nhdr[1] & ~SIZE_BITS) == 0))
				return 0;
		}
		if (size < MINSIZE || (size & ALIGN_MASK) ||
		    (hdr[1] & IS_MMAPPED))
			return add_bad(hs, c, h->arena, "chunk size absurd");
		if (c + size > end || c + size < c)
			return add_bad(hs, c, h->arena, "chunk size beyond "
				       "the heap");
		if (c + size == end) {
			nhdr[1] = PREV_INUSE;	/* nothing follows */
		} else if (s->read(s->ctx, c + size, nhdr, 16)) {
			return add_bad(hs, c + size, h->arena, "chunk "
				       "header unreadable");
		}
		is_free = !(nhdr[1] & PREV_INUSE);
		if (is_free && ((nhdr[1] & ~SIZE_BITS) < 16 ||
				(nhdr[1] & ALIGN_MASK & ~SIZE_BITS) ||
				(nhdr[1] & ~SIZE_BITS) > end - c - size))
			return add_bad(hs, c + size, h->arena, "chunk size "
				       "absurd");
		if (is_free && nhdr[0] != size)
			return add_bad(hs, c + size, h->arena, "prev_size "
				       "does not match a free chunk");
		word = 0;
		if (!is_free && map_get(&p->members, c))
			is_free = 1;
		if (!is_free && type_fn && s->read(s->ctx, c + 16, &word, 8))
			word = 0;
		r = hist_add(hs, h->arena, size, !is_free && word ?
			     type_fn(type_ctx, word) : 0, is_free, 1);
		if (r)
			return r;
		if (!is_free && size == hs->g.tcache_size) {
			struct priv *pp = p;

			if (pp->ntc == pp->tccap) {
				size_t nc = pp->tccap ? pp->tccap * 2 : 16;
				uint64_t *nt = realloc(pp->tcaches,
						       nc * sizeof(*nt));

				if (!nt)
					return -ENOMEM;
				pp->tcaches = nt;
				pp->tccap = nc;
			}
			pp->tcaches[pp->ntc++] = c;
		}
		hs->chunks++;
		c += size;
		h->walked = c;
		hdr[0] = nhdr[0];
		hdr[1] = nhdr[1];
	}
	return 0;
}

int fx_heapscan_chunks(struct fx_heapscan *hs, struct fx_heap_src *s,
		       fx_type_fn type_fn, void *type_ctx)
{
	struct priv *p = priv_of(hs);
	uint64_t sz, word = 0;
	size_t i, j, nmemb_before;
	int r, hidx;

	if (!p)
		return -ENOMEM;
	/* Fastbins first (in the arena struct, known before the walk). */
	for (i = 0; i < hs->narenas; i++)
		for (j = 0; j < hs->g.nfastbins; j++) {
			if (!hs->arenas[i].fastbins[j])
				continue;
			r = walk_list(hs, s, hs->arenas[i].fastbins[j], 0,
				      MINSIZE + 16 * j, hs->budget, (int)i,
				      hs->arenas[i].addr);
			if (r)
				return r;
		}
	for (i = 0; i < hs->nheaps; i++) {
		r = walk_heap(hs, s, i, type_fn, type_ctx);
		if (r)
			return r;
	}
	/* tcache structs are found by the walk: their members were counted
	 * in use; move them to free. */
	nmemb_before = p->members.n;
	for (i = 0; i < p->ntc; i++) {
		hidx = fx_heapscan_heap_at(hs, p->tcaches[i]);
		r = try_tcache(hs, s, p->tcaches[i],
			       hidx < 0 ? -1 : hs->heaps[hidx].arena);
		if (r)
			return r;
	}
	if (p->members.n == nmemb_before)
		return 0;
	/* Members added after the walk are tcache ones: move them. Their
	 * first word is a (mangled) list pointer, which the walk typed
	 * through type_fn; type it again the same way. */
	for (i = 0; i < p->members.cap; i++) {
		uint64_t c = p->members.k[i];
		uint32_t t = 0;

		if (!c || p->members.v[i] & (1ULL << 62))
			continue;
		hidx = fx_heapscan_heap_at(hs, c);
		/* Only what the walk counted (it may have stopped early). */
		if (hidx < 0 || c >= hs->heaps[hidx].walked)
			continue;
		if (type_fn && rd64(s, c + 16, &word) == 0 && word)
			t = type_fn(type_ctx, word);
		sz = p->members.v[i];
		/* Move it only from a bucket that holds it: on a corrupt
		 * heap the walk may have counted it with another size or
		 * type, and a count must never go below zero (found by
		 * fuzz_heap: an in-use count wrapped to 2^64 - 1). */
		if (!hist_has(hs, hs->heaps[hidx].arena, sz, t))
			continue;
		r = hist_add(hs, hs->heaps[hidx].arena, sz, t, 0, -1);
		if (!r)
			r = hist_add(hs, hs->heaps[hidx].arena, sz, 0, 1, 1);
		if (r)
			return r;
	}
	return 0;
}

long fx_mmap_chunks(struct fx_heap_src *s, uint64_t start, uint64_t end,
		    uint64_t *bytes)
{
	uint64_t c = start, hdr[2], size;
	long n = 0;

	*bytes = 0;
	while (c < end && n < 1 << 20) {
		if (s->read(s->ctx, c, hdr, 16))
			break;
		size = hdr[1] & ~SIZE_BITS;
		/* prev_size holds the alignment slack, 0 for page-aligned
		 * mmaps; IS_MMAPPED set; a page multiple. */
		if (!(hdr[1] & IS_MMAPPED) || hdr[0] || size < 4096 ||
		    size % 4096 || c + size > end || c + size < c)
			break;
		*bytes += size;
		c += size;
		n++;
	}
	return n;
}

size_t fx_heap_read_pages(struct fx_heap_src *src, uint64_t addr, void *buf,
			  size_t len)
{
	unsigned char *b = buf;
	size_t off, n, got = 0;

	for (off = 0; off < len; off += n) {
		n = len - off < 4096 ? len - off : 4096;
		if (src->read(src->ctx, addr + off, b + off, n))
			memset(b + off, 0, n);
		else
			got++;
	}
	return got;
}
