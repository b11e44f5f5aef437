/*
 * mallocng: musl's malloc walked from outside (see mallocng.h for the
 * layout read). Learnt from musl's src/malloc/mallocng (meta.h,
 * malloc.c); no code of it here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "maps.h"
#include "mallocng.h"

#define CTX_SIZE 928
#define AREA 4096
#define AREA_HDR 24
#define META_SIZE 40
#define AREA_SLOTS ((AREA - AREA_HDR) / META_SIZE)	/* 101 */
#define UNIT 16
#define SCAN_MAX (4u << 20)	/* bytes scanned per candidate region */
#define MAX_BAD 64

/* musl's size_classes[]: slot strides in units of 16 bytes. */
static const uint16_t size_classes[48] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15,
	18, 20, 25, 31, 36, 42, 50, 63, 72, 84, 102, 127,
	146, 170, 204, 255, 292, 340, 409, 511, 584, 682, 818, 1023,
	1169, 1364, 1637, 2047, 2340, 2730, 3276, 4095, 4680, 5460, 6552, 8191,
};

/* One group as walked. */
struct grp {
	uint64_t mem, outer;	/* outer: the group it is nested in, or 0 */
	uint64_t stride;
	uint32_t inuse, free, holds;	/* holds: nested groups in its slots */
};

void fx_mallocng_init(struct fx_mallocng *mg)
{
	memset(mg, 0, sizeof(*mg));
	mg->budget = 1u << 22;
}

void fx_mallocng_release(struct fx_mallocng *mg)
{
	free(mg->hist);
	free(mg->spans);
	free(mg->bad);
	fx_mallocng_init(mg);
}

const char *fx_mallocng_type_name(uint32_t type)
{
	return type == 1 ? "mallocng-group" : "-";
}

static int add_bad(struct fx_mallocng *mg, uint64_t addr, const char *why)
{
	if (mg->nbad >= MAX_BAD)
		return 0;
	if (FX_GROW(mg->bad, mg->nbad, mg->bcap, 8))
		return -ENOMEM;
	mg->bad[mg->nbad++] = (struct fx_heap_bad){ addr, 0, why };
	return 0;
}

static int add_span(struct fx_mallocng *mg, uint64_t start, uint64_t end,
		    int meta)
{
	if (FX_GROW(mg->spans, mg->nspans, mg->scap, 16))
		return -ENOMEM;
	mg->spans[mg->nspans++] = (struct fx_mng_span){ start, end, meta };
	return 0;
}

/* Does the context candidate at c (CTX_SIZE bytes) validate? 1 with the
 * secret checked against its first and last meta area, else 0. Its
 * reads count in *reads. */
static int ctx_ok(const unsigned char *c, struct fx_heap_src *src,
		  unsigned *reads)
{
	uint64_t secret = fx_get64(c), head = fx_get64(c + 56);
	uint64_t tail = fx_get64(c + 64), check;

	/* avail_meta, the next meta to hand out, is in the last area. */
	if (!secret || fx_get32(c + 8) != 1 || !head || !tail ||
	    (head | tail) % AREA || fx_get64(c + 32) > AREA_SLOTS ||
	    fx_get64(c + 48) >= 48 || (fx_get64(c + 24) & ~4095ull) != tail)
		return 0;
	++*reads;
	if (src->read(src->ctx, head, &check, 8) || check != secret)
		return 0;
	if (src->read(src->ctx, tail, &check, 8) || check != secret)
		return 0;
	return 1;
}

/* Is region i a candidate to hold the context: writable data of an ELF
 * file, or the anonymous bss right after it? */
static int candidate(const struct fx_maps *m, size_t i)
{
	const struct fx_region *r = &m->r[i], *p = i ? &m->r[i - 1] : NULL;

	if (r->perms[0] != 'r' || r->perms[1] != 'w')
		return 0;
	if (r->inode && r->kind == FX_KIND_FILE)
		return 1;
	return !r->inode && r->kind == FX_KIND_ANON && p && p->inode &&
	       p->end == r->start && p->perms[1] == 'w';
}

/* Scan the candidates for the context: its address and bytes in c. */
static uint64_t find_ctx(const struct fx_maps *m, struct fx_heap_src *src,
			 unsigned char *c)
{
	unsigned char *buf;
	uint64_t len, o, found = 0, most = 0;
	unsigned reads = 0;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (candidate(m, i) && m->r[i].end - m->r[i].start > most)
			most = m->r[i].end - m->r[i].start;
	most = most < SCAN_MAX ? most : SCAN_MAX;
	buf = most ? malloc(most) : NULL;
	if (!buf)
		return 0;
	for (i = 0; i < m->n && !found; i++) {
		const struct fx_region *r = &m->r[i];

		if (!candidate(m, i))
			continue;
		len = r->end - r->start;
		if (len > SCAN_MAX)
			len = SCAN_MAX;
		fx_heap_read_pages(src, r->start, buf, len);
		/* Hostile data may look like many contexts: a bounded
		 * number of them is checked. */
		for (o = 0; o + CTX_SIZE <= len && !found && reads < 4096;
		     o += 8) {
			if (ctx_ok(buf + o, src, &reads)) {
				memcpy(c, buf + o, CTX_SIZE);
				found = r->start + o;
			}
		}
	}
	free(buf);
	return found;
}

/* Check one meta (at addr, bytes b) and its group; add the group to
 * *g. 0, or -ENOMEM. */
static int walk_meta(struct fx_mallocng *mg, struct fx_heap_src *src,
		     uint64_t addr, const unsigned char *b, struct grp **g,
		     size_t *ng, size_t *gcap)
{
	uint64_t mem = fx_get64(b + 16), w = fx_get64(b + 32), maplen = w >> 12;
	uint32_t avail = fx_get32(b + 24), freed = fx_get32(b + 28), all;
	unsigned last = w & 31, sc = (w >> 6) & 63, n = last + 1;
	unsigned char w24[24], *hdr = w24 + 8, *pre = w24;
	uint64_t stride, off, outer = 0;
	struct grp *x;

	all = (uint32_t)((2ull << last) - 1);
	if (sc >= 48 && sc != 63)
		return add_bad(mg, addr, "meta sizeclass out of range");
	if (sc == 63 && (last || !maplen))
		return add_bad(mg, addr, "mmapped meta with more than a slot");
	if ((avail | freed) & ~all)
		return add_bad(mg, addr, "meta masks name slots past last_idx");
	if (avail & freed)
		return add_bad(mg, addr, "meta slot both available and freed");
	if (mem % UNIT || mem < AREA)
		return add_bad(mg, addr, "meta group address misaligned");
	if (maplen > (1ull << 34))
		return add_bad(mg, addr, "meta maplen too large");
	stride = !last && maplen ? maplen * AREA - UNIT :
				   (uint64_t)UNIT * size_classes[sc & 47];
	if (maplen && (mem % AREA || UNIT + stride * n > maplen * AREA))
		return add_bad(mg, addr, "meta slots past its mapping");
	/* The group's header, and for a group that may be nested the 8
	 * bytes before it, in one read. */
	memset(pre, 0, 8);
	if ((maplen || src->read(src->ctx, mem - 8, w24, 24)) &&
	    src->read(src->ctx, mem, hdr, 16))
		return add_bad(mg, mem, "group unreadable");
	if (fx_get64(hdr) != addr)
		return add_bad(mg, mem, "group does not point back to meta");
	if ((hdr[8] & 31) > last)
		return add_bad(mg, mem, "group active_idx past last_idx");
	/* Nested in a slot of a bigger group: the slot's header before
	 * mem holds reserved 6 and the offset back to that group's
	 * storage, 16 bits, or 32 bits at -8 when byte -4 is set. */
	if (!maplen && pre[5] >> 5 == 6) {
		off = pre[4] ? fx_get32(pre) : (uint64_t)(pre[6] | pre[7] << 8);
		if (mem > UNIT * off + UNIT)
			outer = mem - UNIT * off - UNIT;
	}
	if (FX_GROW(*g, *ng, *gcap, 256))
		return -ENOMEM;
	x = &(*g)[(*ng)++];
	x->mem = mem;
	x->outer = outer;
	x->stride = stride;
	x->free = (uint32_t)__builtin_popcount(avail | freed);
	x->inuse = n - x->free;
	x->holds = 0;
	mg->groups++;
	if (maplen)
		return add_span(mg, mem, mem + maplen * AREA, 0);
	return 0;
}

/* A meta in use, as read from its area. */
struct pend {
	uint64_t addr;
	unsigned char b[META_SIZE];
};

static int cmp_pend(const void *a, const void *b)
{
	uint64_t x = fx_get64(((const struct pend *)a)->b + 16);
	uint64_t y = fx_get64(((const struct pend *)b)->b + 16);

	return (x > y) - (x < y);
}

static int cmp_grp(const void *a, const void *b)
{
	const struct grp *x = a, *y = b;

	return (x->mem > y->mem) - (x->mem < y->mem);
}

static int cmp_hist(const void *a, const void *b)
{
	const struct fx_chunk_hist *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return (x->type > y->type) - (x->type < y->type);
}

static int cmp_span(const void *a, const void *b)
{
	const struct fx_mng_span *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* The histogram from the groups: a slot holding a nested group is not
 * a user allocation (type 1). */
static int build_hist(struct fx_mallocng *mg, struct grp *g, size_t ng)
{
	struct grp key, *o;
	size_t i, k;

	if (ng)
		qsort(g, ng, sizeof(*g), cmp_grp);
	for (i = 0; i < ng; i++) {
		if (!g[i].outer)
			continue;
		key.mem = g[i].outer;
		o = bsearch(&key, g, ng, sizeof(*g), cmp_grp);
		if (o && o->inuse > o->holds) {
			o->holds++;
			mg->nested++;
		}
	}
	for (i = 0; i < ng; i++) {
		for (k = 0; k < 2; k++) {
			uint64_t in = k ? g[i].holds : g[i].inuse - g[i].holds;
			uint64_t fr = k ? 0 : g[i].free;

			if (!in && !fr)
				continue;
			if (FX_GROW(mg->hist, mg->nhist, mg->hcap, 64))
				return -ENOMEM;
			mg->hist[mg->nhist++] = (struct fx_chunk_hist){
				0, g[i].stride, (uint32_t)k, in, fr,
				in * g[i].stride, fr * g[i].stride };
		}
	}
	if (mg->nhist)
		qsort(mg->hist, mg->nhist, sizeof(*mg->hist), cmp_hist);
	for (i = k = 0; i < mg->nhist; i++) {
		struct fx_chunk_hist *e = &mg->hist[i];
		struct fx_chunk_hist *d = k ? &mg->hist[k - 1] : NULL;

		if (d && d->size == e->size && d->type == e->type) {
			d->inuse += e->inuse;
			d->free += e->free;
			d->inuse_bytes += e->inuse_bytes;
			d->free_bytes += e->free_bytes;
		} else {
			mg->hist[k++] = *e;
		}
	}
	mg->nhist = k;
	return 0;
}

int fx_mallocng_walk(struct fx_mallocng *mg, const struct fx_maps *m,
		     struct fx_heap_src *src)
{
	unsigned char c[CTX_SIZE] = { 0 }, *page;
	uint64_t area, tail, *seen, mask = 1;
	struct grp *g = NULL;
	struct pend *pd = NULL;
	size_t ng = 0, gcap = 0, s, np = 0, pcap = 0;
	int r = 0;

	mg->ctx = src ? find_ctx(m, src, c) : 0;
	if (!mg->ctx) {
		snprintf(mg->note, sizeof(mg->note), "no musl mallocng "
			 "context found (not musl 1.2.1+, or no malloc yet)");
		return 0;
	}
	/* The areas seen, a hash set: a hostile list that loops back is
	 * said, and no area is counted twice. */
	while (mask < 2 * (mg->budget / AREA_SLOTS + 2))
		mask <<= 1;
	seen = calloc(mask, sizeof(*seen));
	page = malloc(AREA);
	if (!page || !seen) {
		free(page);
		free(seen);
		return -ENOMEM;
	}
	mask--;
	mg->secret = fx_get64(c);
	area = fx_get64(c + 56);
	tail = fx_get64(c + 64);
	while (area && !r) {
		uint64_t h = (area >> 12) * 0x9e3779b97f4a7c15ULL;

		for (h &= mask; seen[h] && seen[h] != area; h = (h + 1) & mask)
			;
		if (seen[h] == area) {
			r = add_bad(mg, area, "meta area list loops");
			break;
		}
		if (mg->areas++ * AREA_SLOTS >= mg->budget) {
			r = add_bad(mg, area, "meta area list too long");
			break;
		}
		if (area % AREA || src->read(src->ctx, area, page, AREA)) {
			r = add_bad(mg, area, "meta area unreadable");
			break;
		}
		seen[h] = area;
		if (fx_get64(page) != mg->secret) {
			r = add_bad(mg, area, "meta area check does not match "
				    "the context's secret");
			break;
		}
		if (fx_get32(page + 16) != AREA_SLOTS) {
			r = add_bad(mg, area, "meta area nslots not 101");
			break;
		}
		r = add_span(mg, area, area + AREA, 1);
		for (s = 0; s < AREA_SLOTS && !r; s++) {
			size_t o = AREA_HDR + s * META_SIZE;

			if (!fx_get64(page + o + 16))
				continue;	/* a meta not in use */
			mg->metas++;
			r = FX_GROW(pd, np, pcap, 256);
			if (r)
				break;
			pd[np].addr = area + o;
			memcpy(pd[np++].b, page + o, META_SIZE);
		}
		if (area == tail)
			break;
		area = fx_get64(page + 8);
	}
	free(page);
	free(seen);
	/* The groups in address order: the reads move forward. */
	if (np)
		qsort(pd, np, sizeof(*pd), cmp_pend);
	for (s = 0; s < np && !r; s++)
		r = walk_meta(mg, src, pd[s].addr, pd[s].b, &g, &ng, &gcap);
	free(pd);
	if (!r)
		r = build_hist(mg, g, ng);
	free(g);
	if (mg->nspans)
		qsort(mg->spans, mg->nspans, sizeof(*mg->spans), cmp_span);
	snprintf(mg->note, sizeof(mg->note), "musl mallocng, context at "
		 "0x%llx: %llu meta areas, %llu groups (%llu nested)",
		 (unsigned long long)mg->ctx, (unsigned long long)mg->areas,
		 (unsigned long long)mg->groups,
		 (unsigned long long)mg->nested);
	return r;
}
