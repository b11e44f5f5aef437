/*
 * jobjects: a HotSpot JVM's Java heap walked from outside into a class
 * histogram (see jobjects.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "freeze.h"
#include "internal.h"
#include "jobjects.h"
#include "kerndat.h"
#include "memsrc.h"
#include "maps.h"
#include "readahead.h"
#include "rec.h"
#include "schema.h"
#include "vmstructs.h"

#define MAX_KLASSES 4000000
#define MAX_CLDS 1000000
#define MAX_THREADS 200000
#define MAX_REGIONS (1u << 21)
#define WINDOW (1u << 20)
/* Spaces of this many bytes or more are counted in two threads. */
#define PAR_MIN (32u << 20)
#define PAGE 4096u
#define MAX_REFRESH 4096
#define KCACHE 1024
#define RA_MIN (4u * FX_RA_CHUNK)

void fx_jobjects_init(struct fx_jobjects *o)
{
	memset(o, 0, sizeof(*o));
}

void fx_jobjects_release(struct fx_jobjects *o)
{
	struct fx_jobj_hooks h = o->hooks;
	size_t i;

	for (i = 0; i < o->nc; i++)
		free(o->c[i].name);
	free(o->c);
	memset(o, 0, sizeof(*o));
	o->hooks = h;
}

/* A known class: its Klass address, layout helper, histogram entry. */
struct klass {
	uint64_t addr;
	int32_t lh;
	int mirror;		/* java.lang.Class: size from the object */
	long cls;		/* index in the names table */
};

/* A TLAB's unfilled part [top, hard_end). */
struct tlab {
	uint64_t top, hard_end;
};

/* A window of the heap's bytes, read in large pieces: the walker's own
 * buffer, or a chunk the read-ahead holds. */
struct window {
	uint64_t lo, hi;	/* [lo, hi); hi 0: none */
	const unsigned char *buf;
};

/* A space to walk, in the order walked; one: it holds one object. */
struct space {
	uint64_t bottom, top;
	int one;
};

struct walk {
	struct fx_jobjects *o;
	const struct fx_vmstructs *v;
	struct fx_heap_src *rs;		/* the JVM's structures */
	struct fx_heap_src *heap;	/* the objects */
	struct klass *k;
	size_t nk, capk;
	struct fx_strtab byaddr;	/* Klass address -> index in k */
	struct fx_strtab names;		/* class name -> histogram index */
	uint64_t *count, *bytes;	/* per name */
	size_t capn;
	struct tlab *t;
	size_t nt, capt, ti;
	uint64_t *jt;			/* the Java threads */
	size_t njt, capjt;
	uint64_t o_tlab_start, o_tlab_top, o_tlab_end, tlab_reserve;
	unsigned refreshes;		/* tlab_end_at calls, bounded */
	struct window win;
	unsigned char *own;		/* ownlen bytes */
	size_t ownlen, own_used;	/* own_used: ever read into: wiped */
	size_t *cursor;			/* a walk in two: the next space */
	int fast;			/* the fast path (no visitor) */
	uint64_t ckpt;			/* objects at the next checkpoint */
	struct space *sp;		/* the spaces to walk */
	size_t nsp, capsp, spi;		/* spi: the one walked */
	struct fx_readahead *ra;	/* reading sp ahead, or NULL */
	/* Classes met, by the class word of their objects (compressed or
	 * not): a direct-mapped cache in front of byaddr (each object looks
	 * its class up), with the size of its instances when the class
	 * alone says it and it is believed (0: an array, a mirror, a size
	 * not believed: object_size and the checks say), and its name. */
	struct {
		uint64_t word;
		struct klass *k;
		uint64_t isize;
		long cls;
		/* fast_one's: fword is word when isize says the size, or
		 * it is an array of this JVM (isize 0) whose elements'
		 * size is 1 << l2; else never a class word. */
		uint64_t fword;
		uint32_t l2;
	} kc[KCACHE];
	/* the layout */
	int ccp;			/* compressed class pointers */
	uint64_t kbase;
	int kshift;
	uint64_t align;			/* ObjectAlignmentInBytes */
	uint64_t ohdr;			/* mark and class pointer */
	uint64_t len_off, hdr;		/* array length offset, header */
	int32_t mirror_size_off;	/* java_lang_Class::_oop_size_offset */
	uint64_t heap_lo, heap_hi;	/* CollectedHeap::_reserved */
	int verr;			/* the visitor ended the walk */
	/* rs and heap for the visitor: read under the read-ahead's lock
	 * while it runs (the sources are not safe from two threads). */
	struct fx_heap_src vrs, vheap;
};

/* Every 4096 objects (w->ckpt the next count): should the walk end
 * (hooks.stop), and progress. 1 when it must end. */
static int checkpoint(struct walk *w)
{
	struct fx_jobjects *o = w->o;
	const struct fx_jobj_hooks *h = &o->hooks;

	if (o->objects < w->ckpt)
		return 0;
	w->ckpt = o->objects - o->objects % 4096 + 4096;
	if (h->stop && *h->stop)
		o->interrupted = 1;
	if (h->progress && !o->interrupted)
		h->progress(h->arg, o->objects, o->bytes);
	return o->interrupted;
}

/* A read of src, under the read-ahead's lock while it runs. */
static int locked_read(struct walk *w, struct fx_heap_src *src, uint64_t a,
		       void *buf, size_t len)
{
	int r;

	if (w->ra)
		fx_ra_lock(w->ra);
	r = src->read(src->ctx, a, buf, len);
	if (w->ra)
		fx_ra_unlock(w->ra);
	return r;
}

static int rd(struct walk *w, uint64_t a, void *buf, size_t len)
{
	return locked_read(w, w->rs, a, buf, len);
}

static int vrs_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	return rd(ctx, a, buf, len);
}

static int vheap_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	struct walk *w = ctx;

	return locked_read(w, w->heap, a, buf, len);
}

static int rdp(struct walk *w, uint64_t a, uint64_t *v)
{
	return rd(w, a, v, sizeof(*v));
}

static uint64_t off_of(struct walk *w, const char *type, const char *name,
		       int *bad)
{
	uint64_t o = 0;

	if (fx_vms_offset(w->v, type, name, &o))
		*bad = 1;
	return o;
}

/* The value of the pointer-sized static type::name: 0 or -ENOENT. */
static int static_ptr(struct walk *w, const char *type, const char *name,
		      uint64_t *v)
{
	uint64_t a;

	return fx_vms_static(w->v, type, name, &a) || rdp(w, a, v) ? -ENOENT :
								      0;
}

/* ---- the known classes ---- */

/* jmap's name of the class whose Symbol bytes are s (n of them). */
static void java_name(char *s, size_t n, int instance)
{
	size_t i;
	char *plus;

	for (i = 0; i < n; i++)
		if (s[i] == '/')
			s[i] = '.';
	/* A hidden class: "Foo$$Lambda$14+0x0000000800c01200". */
	plus = instance ? strrchr(s, '+') : NULL;
	if (plus && plus[1] == '0' && plus[2] == 'x')
		*plus = '/';
}

/* Add the class at k: 0, 1 when it was met before, or -ENOMEM. */
static int add_klass(struct walk *w, uint64_t k, uint64_t o_lh,
		     uint64_t o_name, uint64_t o_slen, uint64_t o_body)
{
	char name[1024];
	uint64_t sym;
	uint16_t slen;
	int32_t lh;
	long idx, ni;
	int created;
	struct klass *e;

	if (rd(w, k + o_lh, &lh, 4) || rdp(w, k + o_name, &sym) || !sym ||
	    rd(w, sym + o_slen, &slen, 2))
		return 0;
	if (slen >= sizeof(name))
		slen = sizeof(name) - 1;
	if (rd(w, sym + o_body, name, slen))
		return 0;
	name[slen] = '\0';
	if (strlen(name) != slen)
		return 0;
	java_name(name, slen, lh > 0);
	idx = fx_strtab_add(&w->byaddr, (const char *)&k, sizeof(k),
			    &created);
	if (idx < 0)
		return -ENOMEM;
	if (!created)
		return 1;	/* met before: the list loops */
	ni = fx_strtab_add(&w->names, name, strlen(name), &created);
	if (ni < 0 || FX_GROW(w->k, w->nk, w->capk, 1024))
		return -ENOMEM;
	if (created) {
		size_t cap = w->capn;

		if (FX_GROW(w->count, (size_t)ni, cap, 1024))
			return -ENOMEM;
		if (FX_GROW(w->bytes, (size_t)ni, w->capn, 1024))
			return -ENOMEM;
		w->count[ni] = w->bytes[ni] = 0;
	}
	e = &w->k[w->nk++];
	e->addr = k;
	e->lh = lh;
	e->cls = ni;
	e->mirror = lh > 0 && strcmp(name, "java.lang.Class") == 0;
	return 0;
}

/* Every class of every class loader (ClassLoaderDataGraph). */
static int find_klasses(struct walk *w)
{
	uint64_t cld, k, o_next, o_klasses, o_link, o_lh, o_name, o_slen;
	uint64_t o_body;
	uint64_t seen = 0;
	size_t steps = 0, power = 1, lam = 0;
	int bad = 0, r;

	o_next = off_of(w, "ClassLoaderData", "_next", &bad);
	o_klasses = off_of(w, "ClassLoaderData", "_klasses", &bad);
	o_link = off_of(w, "Klass", "_next_link", &bad);
	o_lh = off_of(w, "Klass", "_layout_helper", &bad);
	o_name = off_of(w, "Klass", "_name", &bad);
	o_slen = off_of(w, "Symbol", "_length", &bad);
	o_body = off_of(w, "Symbol", "_body", &bad);
	if (bad || static_ptr(w, "ClassLoaderDataGraph", "_head", &cld))
		return 1;
	/* Hostile lists may loop: a class met again ends its loader's
	 * list, and every step counts against one budget. */
	for (; cld && steps < MAX_CLDS + MAX_KLASSES; steps++) {
		if (rdp(w, cld + o_klasses, &k))
			break;
		while (k && w->nk < MAX_KLASSES &&
		       steps++ < MAX_CLDS + MAX_KLASSES) {
			r = add_klass(w, k, o_lh, o_name, o_slen, o_body);
			if (r < 0)
				return r;
			if (r || rdp(w, k + o_link, &k))
				break;
		}
		if (rdp(w, cld + o_next, &cld) || cld == seen)
			break;
		/* Brent: a loader list that loops comes back to seen. */
		if (++lam == power) {
			seen = cld;
			power *= 2;
			lam = 0;
		}
	}
	w->o->klasses = w->nk;
	return w->nk ? 0 : 1;
}

/* ---- TLABs ---- */

static int cmp_tlab(const void *a, const void *b)
{
	const struct tlab *x = a, *y = b;

	return x->top < y->top ? -1 : x->top > y->top;
}

static int find_tlabs(struct walk *w)
{
	uint64_t list, arr, jt, o_len, o_thr, o_tlab, o_start, o_top, o_end;
	uint64_t a, start, top, end, reserve;
	int32_t prefetch = 0;
	uint32_t n;
	size_t i;
	int bad = 0;

	o_len = off_of(w, "ThreadsList", "_length", &bad);
	o_thr = off_of(w, "ThreadsList", "_threads", &bad);
	o_tlab = off_of(w, "Thread", "_tlab", &bad);
	o_start = off_of(w, "ThreadLocalAllocBuffer", "_start", &bad);
	o_top = off_of(w, "ThreadLocalAllocBuffer", "_top", &bad);
	o_end = off_of(w, "ThreadLocalAllocBuffer", "_end", &bad);
	if (bad || fx_vms_static(w->v, "ThreadLocalAllocBuffer",
				 "_reserve_for_allocation_prefetch", &a) ||
	    rd(w, a, &prefetch, 4) || prefetch < 0 || prefetch > 4096 ||
	    static_ptr(w, "ThreadsSMRSupport", "_java_thread_list", &list) ||
	    !list || rd(w, list + o_len, &n, 4) || n > MAX_THREADS ||
	    rdp(w, list + o_thr, &arr))
		return 1;
	/* The hard end: _end plus the alignment reserve, room kept for the
	 * int[] that fills the TLAB when it is retired. */
	reserve = (uint64_t)prefetch * 8;
	if (reserve < w->hdr)
		reserve = w->hdr;
	reserve = (reserve + w->align - 1) & ~(w->align - 1);
	w->o_tlab_start = o_tlab + o_start;
	w->o_tlab_top = o_tlab + o_top;
	w->o_tlab_end = o_tlab + o_end;
	w->tlab_reserve = reserve;
	for (i = 0; i < n; i++) {
		if (rdp(w, arr + i * 8, &jt) || !jt)
			continue;
		if (FX_GROW(w->jt, w->njt, w->capjt, 64))
			return -ENOMEM;
		w->jt[w->njt++] = jt;
		if (rdp(w, jt + o_tlab + o_start, &start) ||
		    rdp(w, jt + o_tlab + o_top, &top) ||
		    rdp(w, jt + o_tlab + o_end, &end))
			continue;
		if (!start || top < start || end < top || end - start > (1ull << 40))
			continue;
		if (FX_GROW(w->t, w->nt, w->capt, 64))
			return -ENOMEM;
		w->t[w->nt].top = top;
		w->t[w->nt].hard_end = end + reserve;
		w->nt++;
	}
	if (w->nt)
		qsort(w->t, w->nt, sizeof(*w->t), cmp_tlab);
	return 0;
}

/*
 * A live JVM's threads allocate while the heap is read: the TLAB tops
 * read before the walk fall behind. Where the walk meets no object (a
 * class word still zero: an object is being set up, its class pointer is
 * stored last; or a page never touched) at a, a TLAB read afresh (not
 * through the cache) that holds a says that a is at or past its thread's
 * allocation frontier: the rest of that TLAB holds no object. Its hard
 * end, or 0 when no TLAB holds a.
 */
static uint64_t tlab_end_at(struct walk *w, uint64_t a)
{
	uint64_t start, top, end;
	size_t i;

	/* Each look reads every thread: a hostile heap full of zeros
	 * must not make that quadratic. */
	if (w->refreshes >= MAX_REFRESH)
		return 0;
	w->refreshes++;
	if (w->ra)
		fx_ra_lock(w->ra);
	for (i = 0; i < w->njt; i++) {
		if (w->heap->read(w->heap->ctx, w->jt[i] + w->o_tlab_start,
				  &start, 8) ||
		    w->heap->read(w->heap->ctx, w->jt[i] + w->o_tlab_top,
				  &top, 8) ||
		    w->heap->read(w->heap->ctx, w->jt[i] + w->o_tlab_end,
				  &end, 8))
			continue;
		if (start && start <= top && top <= end &&
		    a >= start && a < end + w->tlab_reserve)
			break;
	}
	if (w->ra)
		fx_ra_unlock(w->ra);
	return i < w->njt ? end + w->tlab_reserve : 0;
}

/* ---- walking a space ---- */

/*
 * n bytes at a (a + n <= lim) from the window: a pointer, or NULL with
 * *err set when they cannot be read.
 */
static const unsigned char *heap_read(struct walk *w, uint64_t a, size_t n,
				      uint64_t lim, int *err)
{
	uint64_t lo, len;
	int r;

	lo = a & ~(uint64_t)(PAGE - 1);
	len = lim - lo < w->ownlen ? lim - lo : w->ownlen;
	if (len > w->own_used)
		w->own_used = (size_t)len;
	r = w->heap->read(w->heap->ctx, lo, w->own, (size_t)len);
	if (r) {
		/* A page not present or not captured somewhere in the
		 * window: the pages this object's header is on only. */
		len = ((a + n + PAGE - 1) & ~(uint64_t)(PAGE - 1)) - lo;
		if (len > lim - lo)
			len = lim - lo;
		r = w->heap->read(w->heap->ctx, lo, w->own, (size_t)len);
		if (r) {
			*err = r;
			return NULL;
		}
	}
	w->win.lo = lo;
	w->win.hi = lo + len;
	w->win.buf = w->own;
	return w->own + (a - lo);
}

/* heap_bytes when the window does not hold them: from the read-ahead's
 * chunks, else read here. */
static const unsigned char *heap_fill(struct walk *w, uint64_t a, size_t n,
				      uint64_t lim, int *err)
{
	const unsigned char *p;
	uint64_t lo;
	size_t len;

	w->win.hi = 0;
	if (!w->ra)
		return heap_read(w, a, n, lim, err);
	p = fx_ra_get(w->ra, w->spi, a, n, &lo, &len);
	if (p) {
		w->win.lo = lo;
		w->win.hi = lo + len;
		w->win.buf = p;
		return p + (a - lo);
	}
	fx_ra_lock(w->ra);
	p = heap_read(w, a, n, lim, err);
	fx_ra_unlock(w->ra);
	return p;
}

static inline const unsigned char *heap_bytes(struct walk *w, uint64_t a,
					      size_t n, uint64_t lim, int *err)
{
	if (a >= w->win.lo && a + n <= w->win.hi)
		return w->win.buf + (a - w->win.lo);
	return heap_fill(w, a, n, lim, err);
}

/* The class cache's slot for a class word. */
static inline size_t kc_slot(uint64_t word)
{
	return (size_t)(word ^ (word >> 10) ^ (word >> 20)) % KCACHE;
}

/* The class pointer that an object's class word (not 0) stands for. */
static uint64_t class_ptr(const struct walk *w, uint64_t word)
{
	return w->ccp ? w->kbase + (word << w->kshift) : word;
}

/*
 * The known class whose objects have the class word `word` (not 0), or
 * NULL; *isize the size of its instances when the class alone says it
 * and it is believed (at least a header, aligned), else 0 (object_size
 * and the checks say); *cls its name's index.
 */
static inline struct klass *klass_at(struct walk *w, uint64_t word,
				     uint64_t *isize, long *cls)
{
	size_t h = kc_slot(word);
	uint64_t k, sz;
	struct klass *e;
	long i;

	if (w->kc[h].word == word && w->kc[h].k) {
		*isize = w->kc[h].isize;
		*cls = w->kc[h].cls;
		return w->kc[h].k;
	}
	k = class_ptr(w, word);
	i = fx_strtab_find(&w->byaddr, (const char *)&k, sizeof(k));
	if (i < 0)
		return NULL;
	e = &w->k[i];
	sz = e->lh > 0 && !e->mirror ? (uint64_t)e->lh & ~(uint64_t)1 : 0;
	if (sz < w->ohdr || (sz & (w->align - 1)))
		sz = 0;
	/* object_size's arrays, whose size the fast path computes alike */
	w->kc[h].fword = sz || (e->lh < 0 && (e->lh >> 30) >= -2 &&
				(uint64_t)((e->lh >> 16) & 0xff) == w->hdr &&
				(e->lh & 0x3f) <= 3) ?
				 word :
				 UINT64_MAX;
	w->kc[h].l2 = sz ? 0 : (uint32_t)(e->lh & 0x3f);
	w->kc[h].word = word;
	w->kc[h].k = e;
	w->kc[h].isize = *isize = sz;
	w->kc[h].cls = *cls = e->cls;
	return e;
}

static void stop(struct walk *w, uint64_t a, uint64_t top, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/* a after b in the places kept: by address, then what is left, then why
 * (two spaces of a hostile table may start at one address). */
static int bad_after(const struct fx_jobj_bad *a, const struct fx_jobj_bad *b)
{
	if (a->addr != b->addr)
		return a->addr > b->addr;
	if (a->left != b->left)
		return a->left > b->left;
	return strcmp(a->why, b->why) > 0;
}

/* b among o's places not walked: the FX_JOBJ_NBAD first in bad_after's
 * order are kept, in order (the same whatever order the threads and
 * streams of a walk met them in). o->nbad is the caller's. */
static void bad_keep(struct fx_jobjects *o, const struct fx_jobj_bad *b)
{
	size_t n = o->nbad < FX_JOBJ_NBAD ? (size_t)o->nbad : FX_JOBJ_NBAD;
	size_t i = n;

	while (i > 0 && bad_after(&o->bad[i - 1], b))
		i--;
	if (i == FX_JOBJ_NBAD)
		return;
	memmove(&o->bad[i + 1], &o->bad[i],
		((n < FX_JOBJ_NBAD ? n : FX_JOBJ_NBAD - 1) - i) * sizeof(*b));
	o->bad[i] = *b;
}

/* The walk of a space stops at a: [a, top) is not walked, and why. */
static void stop(struct walk *w, uint64_t a, uint64_t top, const char *fmt,
		 ...)
{
	struct fx_jobjects *o = w->o;
	struct fx_jobj_bad b;
	va_list ap;

	b.addr = a;
	b.left = top - a;
	va_start(ap, fmt);
	vsnprintf(b.why, sizeof(b.why), fmt, ap);
	va_end(ap);
	bad_keep(o, &b);
	o->nbad++;
	o->bad_bytes = fx_sat_add(o->bad_bytes, top - a);
}

static const char *err_name(int e)
{
	return e == -ENODATA ? "swapped out" :
	       e == -ESRCH   ? "the process is gone" :
			       "not readable";
}

/*
 * The size of the object at a whose header is h (hlen bytes readable),
 * of class k: 0 when not believed (why said).
 */
static uint64_t object_size(struct walk *w, uint64_t a, const struct klass *k,
			    uint64_t lim, int *err)
{
	const unsigned char *p;
	uint64_t size;
	int32_t len, lh = k->lh;

	if (lh > 0 && !k->mirror)
		return (uint64_t)lh & ~(uint64_t)1;
	if (lh > 0) {
		int32_t words;

		p = heap_bytes(w, a, (size_t)w->mirror_size_off + 4, lim, err);
		if (!p)
			return 0;
		memcpy(&words, p + w->mirror_size_off, 4);
		return words > 0 ? (uint64_t)words * 8 : 0;
	}
	if (lh >= 0 || (lh >> 30) < -2)
		return 0;
	p = heap_bytes(w, a, (size_t)w->len_off + 4, lim, err);
	if (!p)
		return 0;
	memcpy(&len, p + w->len_off, 4);
	/* Elements of 1 to 8 bytes, behind the header this JVM's arrays
	 * have: anything else is not an array of this JVM. */
	if (len < 0 || (uint64_t)((lh >> 16) & 0xff) != w->hdr ||
	    (lh & 0x3f) > 3)
		return 0;
	size = w->hdr + ((uint64_t)len << (lh & 0x3f));
	return (size + w->align - 1) & ~(w->align - 1);
}

/*
 * Are the bytes [a, top) all zero? Space handed out at the space's end
 * whose object (or TLAB) is still being set up: its top bumped, nothing
 * written yet, and no thread's TLAB fields saying so yet; a freeze may
 * catch a thread there. No object is in it.
 */
static int zero_tail(struct walk *w, uint64_t a, uint64_t top)
{
	const unsigned char *p;
	uint64_t n;
	size_t i;
	int err = 0;

	for (; a < top; a += n) {
		n = PAGE - (a & (PAGE - 1));
		if (n > top - a)
			n = top - a;
		p = heap_bytes(w, a, (size_t)n, top, &err);
		if (!p)
			return 0;
		for (i = 0; i < n; i++)
			if (p[i])
				return 0;
	}
	return 1;
}

/* The visitor's look at an object: not 0 ends the walk (w->verr). */
static int visit(struct walk *w, uint64_t a, uint64_t size, uint64_t top,
		 const struct klass *k)
{
	const struct fx_jobj_visit *vi = w->o->hooks.visit;
	struct fx_jobj_obj ob = { a, size, top, k - w->k, k->cls, k->lh,
				  k->mirror };

	if (vi->object)
		w->verr = vi->object(vi->arg, (struct fx_jobj_walk *)w, &ob);
	return w->verr;
}

/* What one step of a space's walk did. */
enum { STEP_OBJECT, STEP_SKIP, STEP_END };

/* The top of TLAB w->ti, or UINT64_MAX past the last. */
static uint64_t tlab_top(const struct walk *w)
{
	return w->ti < w->nt ? w->t[w->ti].top : UINT64_MAX;
}

/* The first TLAB whose top is at or past a (they are sorted) into w->ti:
 * its top, or UINT64_MAX. */
static uint64_t tlab_seek(struct walk *w, uint64_t a)
{
	size_t lo = 0, hi = w->nt, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->t[mid].top < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	w->ti = lo;
	return tlab_top(w);
}

/* The walk of [bottom, top) begins: 0, or 1 when it is not walked (a
 * space outside the heap says why). */
static int space_begin(struct walk *w, uint64_t bottom, uint64_t top)
{
	struct fx_jobjects *o = w->o;

	if (top <= bottom || o->interrupted || w->verr)
		return 1;
	if (bottom % w->align || top % 8 || bottom < w->heap_lo ||
	    top > w->heap_hi) {
		stop(w, bottom, top, "space 0x%llx-0x%llx outside the heap",
		     (unsigned long long)bottom, (unsigned long long)top);
		return 1;
	}
	o->spaces++;
	o->space_bytes += top - bottom;
	return 0;
}

/*
 * One step of the walk of a space that ends at top, at *ap (< top): the
 * object there counted, or the unfilled part of a TLAB skipped, *ap past
 * it; STEP_END when the space's walk ends there (why said, or the
 * visitor's end). *tnext: the top of the TLAB w->ti, the next one at or
 * past *ap (tlab_seek).
 */
static inline int walk_step(struct walk *w, uint64_t *ap, uint64_t top,
			    uint64_t *tnext)
{
	struct fx_jobjects *o = w->o;
	const unsigned char *p;
	struct klass *k;
	const uint64_t ohdr = w->ohdr;
	uint64_t a = *ap, word, size, isize, e;
	uint32_t nk;
	long cls;
	int err = 0;

	/* The unfilled part of a thread's TLAB: no object yet. */
	if (a >= *tnext) {
		while (w->ti < w->nt && w->t[w->ti].top < a)
			w->ti++;
		*tnext = tlab_top(w);
	}
	if (a == *tnext) {
		e = w->t[w->ti].hard_end;

		o->tlabs++;
		o->tlab_bytes += (e < top ? e : top) - a;
		w->ti++;
		*tnext = tlab_top(w);
		*ap = e;
		return STEP_SKIP;
	}
	if (top - a < ohdr) {
		stop(w, a, top, "%llu bytes left at the space's end, "
		     "less than a header", (unsigned long long)(top - a));
		return STEP_END;
	}
	p = heap_bytes(w, a, (size_t)ohdr, top, &err);
	word = 0;
	if (p && w->ccp) {
		memcpy(&nk, p + 8, 4);
		word = nk;
	} else if (p) {
		memcpy(&word, p + 8, 8);
	}
	if (!word) {
		if ((p || err == -EFAULT) && (e = tlab_end_at(w, a))) {
			o->tlabs++;
			o->tlab_bytes += (e < top ? e : top) - a;
			*ap = e;
			return STEP_SKIP;
		}
		if (p && zero_tail(w, a, top)) {
			o->unfinished++;
			o->unfinished_bytes += top - a;
			return STEP_END;
		}
		if (!p) {
			stop(w, a, top, "header %s", err_name(err));
			return STEP_END;
		}
		stop(w, a, top, "class pointer 0x0: not a known class");
		return STEP_END;
	}
	k = klass_at(w, word, &isize, &cls);
	if (!k) {
		stop(w, a, top, "class pointer 0x%llx: not a known class",
		     (unsigned long long)class_ptr(w, word));
		return STEP_END;
	}
	size = isize;
	if (!isize) {
		size = object_size(w, a, k, top, &err);
		if (!size && err) {
			stop(w, a, top, "header %s", err_name(err));
			return STEP_END;
		}
	}
	/* isize was believed once, for its class. */
	if (size > top - a ||
	    (!isize && (size < ohdr || (size & (w->align - 1))))) {
		stop(w, a, top, "size %llu of a %s: not believed",
		     (unsigned long long)size, w->names.e[cls].key);
		return STEP_END;
	}
	w->count[cls]++;
	w->bytes[cls] += size;
	o->objects++;
	o->bytes += size;
	if (o->hooks.visit && visit(w, a, size, top, k))
		return STEP_END;
	*ap = a + size;
	return STEP_OBJECT;
}

/* What the fast path reads besides the heap, in registers. */
struct fast {
	const struct walk *w;	/* its class cache */
	uint64_t *count, *bytes;
	uint64_t am;		/* alignment - 1 */
};

static struct fast fast_of(const struct walk *w)
{
	struct fast f = { w, w->count, w->bytes, w->align - 1 };

	return f;
}

/* Where the fast path in win ends from a: tnext, or past the last
 * header win holds whole (need bytes); 0 when win does not hold a. */
static uint64_t fast_lim(const struct window *win, uint64_t a,
			 uint64_t tnext, uint64_t need)
{
	uint64_t lim;

	if (!win->hi || a < win->lo || win->hi - a < need)
		return 0;
	lim = win->hi - need + 1;
	return lim < tnext ? lim : tnext;
}

/*
 * The object at a (< top, its header at p, need bytes readable): its size
 * when its class was met (kc) and says its size, or it is an array of
 * this JVM: counted; else 0 (walk_step's).
 */
static inline __attribute__((always_inline)) uint64_t
fast_one(const struct fast *f, uint64_t a, uint64_t top,
	 const unsigned char *p, const int ccp)
{
	const uint64_t len_off = ccp ? 12 : 16, hdr = ccp ? 16 : 24;
	uint64_t word, size;
	uint32_t nk, len;
	size_t h;

	if (ccp) {
		memcpy(&nk, p + 8, 4);
		word = nk;
	} else {
		memcpy(&word, p + 8, 8);
	}
	h = kc_slot(word);
	if (f->w->kc[h].fword != word)
		return 0;
	size = f->w->kc[h].isize;
	if (!size) {
		/* An array: object_size's. A negative length is not
		 * believed there. */
		memcpy(&len, p + len_off, 4);
		if (len >> 31)
			return 0;
		size = (hdr + ((uint64_t)len << f->w->kc[h].l2) + f->am) &
		       ~f->am;
	}
	if (size > top - a)
		return 0;
	f->count[f->w->kc[h].cls]++;
	f->bytes[f->w->kc[h].cls] += size;
	return size;
}

/*
 * The fast path: the objects counted in a short loop that keeps to
 * registers, as long as their headers are in the window, before the next
 * TLAB, of a class met before whose size its class or its array length
 * says (at most FAST_MAX: the caller's checkpoint runs between). What it
 * leaves is one walk_step. MEMFORENSIC_FALLBACK=walk_fast turns it off
 * (the tests compare).
 */
#define FAST_MAX 4096

/* The objects of one space from a in w's window: where the fast path
 * stopped. */
static inline __attribute__((always_inline)) uint64_t
fast_alone_(struct walk *w, uint64_t a, uint64_t top, uint64_t tnext,
	    const int ccp)
{
	const struct fast f = fast_of(w);
	const uint64_t lim = fast_lim(&w->win, a, tnext, ccp ? 16 : 20);
	const uintptr_t b = (uintptr_t)w->win.buf - (uintptr_t)w->win.lo;
	uint64_t n = 0, nb = 0, z;

	while (a < lim && n < FAST_MAX &&
	       (z = fast_one(&f, a, top, (const unsigned char *)(b + a),
			     ccp))) {
		a += z;
		nb += z;
		n++;
	}
	w->o->objects += n;
	w->o->bytes += nb;
	return a;
}

static uint64_t fast_alone(struct walk *w, uint64_t a, uint64_t top,
			   uint64_t tnext)
{
	return w->ccp ? fast_alone_(w, a, top, tnext, 1) :
			fast_alone_(w, a, top, tnext, 0);
}

/* walk_space from a on (tnext: tlab_seek's). */
static void walk_space_from(struct walk *w, uint64_t a, uint64_t top,
			    uint64_t tnext)
{
	while (a < top) {
		if (w->fast) {
			a = fast_alone(w, a, top, tnext);
			if (a >= top || checkpoint(w))
				return;
		}
		if (walk_step(w, &a, top, &tnext) == STEP_END ||
		    checkpoint(w))
			return;
	}
}

/*
 * Walk the objects of [bottom, top); only_one: the space holds one
 * object (a humongous one) that may not run past top.
 */
static void walk_space(struct walk *w, uint64_t bottom, uint64_t top,
		       int only_one)
{
	uint64_t a = bottom, tnext;

	if (space_begin(w, bottom, top))
		return;
	tnext = tlab_seek(w, bottom);
	if (only_one)
		walk_step(w, &a, top, &tnext);
	else
		walk_space_from(w, a, top, tnext);
}

/* ---- the collectors' spaces ---- */

/* A space to walk (after the collector's structures are read). 0 or
 * -ENOMEM. */
static int plan_space(struct walk *w, uint64_t bottom, uint64_t top, int one)
{
	if (FX_GROW(w->sp, w->nsp, w->capsp, 64))
		return -ENOMEM;
	w->sp[w->nsp].bottom = bottom;
	w->sp[w->nsp].top = top;
	w->sp[w->nsp].one = one;
	w->nsp++;
	return 0;
}

/* The spaces [from, to) walked in this walk's thread. */
/* The next space for this thread of a walk in two (nsp: none left). */
static size_t space_take(struct walk *w)
{
	size_t i = __atomic_fetch_add(w->cursor, 1, __ATOMIC_RELAXED);

	return i < w->nsp ? i : w->nsp;
}

/* This thread's spaces one at a time in walk_space: from the shared
 * cursor in a walk in two, else all of them in turn. */
static void walk_range(struct walk *w)
{
	size_t i, next = 0;

	while (!w->o->interrupted && !w->verr &&
	       (i = w->cursor ? space_take(w) : next++) < w->nsp) {
		w->spi = i;
		walk_space(w, w->sp[i].bottom, w->sp[i].top, w->sp[i].one);
	}
}

/*
 * Spaces walked side by side. Each object's size says where the next one
 * is, so that one space's walk is a chain of loads, object after object
 * (the header, its class, the size). In a walk in two threads, each
 * thread takes up to NSTREAM spaces at once and fast_streams counts an
 * object of each in turn: their chains overlap (the fast path's loop
 * went from 100 to 44 Mcycles for ObjLeak's 6 M objects with two, 42
 * with four). Each space is a stream with its own window of SWINDOW
 * bytes, read by the thread itself (the two threads' reads are the work
 * of both CPUs: no read-ahead thread). What fast_streams leaves is one
 * walk_step in the stream's state, the step walk_space would have taken
 * at the same object: the figures are walk_range's.
 */
#define SWINDOW (256u << 10)
#define NSTREAM 4

struct stream {
	uint64_t a, top, tnext;
	size_t ti, spi;
	struct window win;
	unsigned char *own;
	size_t ownlen, own_used;
};

/* The walk's window state, swapped with a stream's: a walk_step in the
 * stream between two swaps. */
static void stream_swap(struct walk *w, struct stream *s)
{
	struct stream t = *s;

	s->ti = w->ti;
	s->spi = w->spi;
	s->win = w->win;
	s->own = w->own;
	s->ownlen = w->ownlen;
	s->own_used = w->own_used;
	w->ti = t.ti;
	w->spi = t.spi;
	w->win = t.win;
	w->own = t.own;
	w->ownlen = t.ownlen;
	w->own_used = t.own_used;
}

/* One walk_step in stream s: 1 when its space's walk ended. */
static int stream_step(struct walk *w, struct stream *s)
{
	int r;

	stream_swap(w, s);
	r = walk_step(w, &s->a, s->top, &s->tnext);
	stream_swap(w, s);
	return r == STEP_END || s->a >= s->top ||
	       (r == STEP_OBJECT && checkpoint(w));
}

/*
 * ns spaces at once (streams s[0..ns)): an object of each in turn, while
 * all are on the fast path. Which stream stopped it (a walk_step to
 * take, or its space's end), ns at FAST_MAX.
 */
static inline __attribute__((always_inline)) int
fast_streams_(struct walk *w, struct stream *s, const int ns, const int ccp)
{
	const struct fast f = fast_of(w);
	uint64_t a[NSTREAM], top[NSTREAM], lim[NSTREAM], n = 0, nb = 0, z;
	uintptr_t b[NSTREAM];
	int k, r = ns;

	for (k = 0; k < ns; k++) {
		a[k] = s[k].a;
		top[k] = s[k].top;
		lim[k] = fast_lim(&s[k].win, a[k], s[k].tnext, ccp ? 16 : 20);
		b[k] = (uintptr_t)s[k].win.buf - (uintptr_t)s[k].win.lo;
	}
	while (r == ns && n < FAST_MAX) {
#pragma GCC unroll 4
		for (k = 0; k < ns; k++) {
			z = a[k] < lim[k] ?
				fast_one(&f, a[k], top[k],
					 (const unsigned char *)(b[k] + a[k]),
					 ccp) :
				0;
			if (!z) {
				r = k;
				break;
			}
			a[k] += z;
			nb += z;
			n++;
		}
	}
	for (k = 0; k < ns; k++)
		s[k].a = a[k];
	w->o->objects += n;
	w->o->bytes += nb;
	return r;
}

/* fast_streams_ for the streams there are, and the JVM's headers. */
static int fast_streams(struct walk *w, struct stream *s, int ns)
{
	if (w->ccp)
		return ns == 2 ? fast_streams_(w, s, 2, 1) :
		       ns == 3 ? fast_streams_(w, s, 3, 1) :
				 fast_streams_(w, s, NSTREAM, 1);
	return ns == 2 ? fast_streams_(w, s, 2, 0) :
	       ns == 3 ? fast_streams_(w, s, 3, 0) :
			 fast_streams_(w, s, NSTREAM, 0);
}

/*
 * This thread's spaces of a walk in two, taken from the shared cursor,
 * NSTREAM at a time (a space of one object alone in walk_space; the last
 * one alone in walk_space_from). Without memory for the streams' windows,
 * one at a time in walk_space.
 */
static void walk_streams(struct walk *w)
{
	struct fx_jobjects *o = w->o;
	struct stream s[NSTREAM], t;
	size_t i;
	int n = 0, j;

	memset(s, 0, sizeof(s));
	for (j = 0; j < NSTREAM; j++) {
		s[j].own = malloc(SWINDOW);
		s[j].ownlen = SWINDOW;
		if (!s[j].own) {
			while (j--)
				free(s[j].own);
			walk_range(w);
			return;
		}
	}
	for (;;) {
		/* Idle streams take the next spaces. */
		while (n < NSTREAM && !o->interrupted &&
		       (i = space_take(w)) < w->nsp) {
			if (w->sp[i].one) {
				/* One object: its header, in the walk's
				 * own window. */
				w->spi = i;
				walk_space(w, w->sp[i].bottom, w->sp[i].top, 1);
				continue;
			}
			if (space_begin(w, w->sp[i].bottom, w->sp[i].top))
				continue;
			s[n].a = w->sp[i].bottom;
			s[n].top = w->sp[i].top;
			s[n].spi = i;
			s[n].win.hi = 0;
			s[n].tnext = tlab_seek(w, s[n].a);
			s[n].ti = w->ti;
			n++;
		}
		if (!n || o->interrupted)
			break;
		if (n == 1) {
			/* The last space: alone. */
			stream_swap(w, &s[0]);
			walk_space_from(w, s[0].a, s[0].top, s[0].tnext);
			stream_swap(w, &s[0]);
			n = 0;
			continue;
		}
		j = w->fast ? fast_streams(w, s, n) : 0;
		if (j == n) {
			if (checkpoint(w))
				break;
			continue;
		}
		if (s[j].a < s[j].top && !stream_step(w, &s[j]))
			continue;
		/* Its space is done: the last stream takes its place (the
		 * buffers go along). */
		t = s[j];
		s[j] = s[n - 1];
		s[n - 1] = t;
		n--;
	}
	for (j = 0; j < NSTREAM; j++) {
		explicit_bzero(s[j].own, s[j].own_used);
		free(s[j].own);
	}
}

/* This thread's spaces: from the shared cursor in a walk in two, else
 * all of them in turn. */
static void walk_part(struct walk *w)
{
	if (w->cursor)
		walk_streams(w);
	else
		walk_range(w);
}

/*
 * A walk in two threads: the second counts through the second reader
 * (hooks.heap2) in a walk of its own: its counts, its windows; the
 * classes, names and TLABs are shared, only read. Each thread takes the
 * next spaces from a shared cursor as it needs them (so that neither
 * waits for the other at the end, whatever the spaces hold). The
 * second's figures are added to the first's when it is done.
 */
struct half {
	struct walk w;
	struct fx_jobjects o;
	pthread_t th;
};

static void *half_main(void *arg)
{
	struct half *h = arg;

	walk_part(&h->w);
	return NULL;
}

/* h's figures added to w's (the places not parsed: bad_keep's order). */
static void half_join(struct walk *w, struct half *h)
{
	struct fx_jobjects *o = w->o, *ho = &h->o;
	size_t i;

	for (i = 0; i < w->names.n; i++) {
		w->count[i] += h->w.count[i];
		w->bytes[i] += h->w.bytes[i];
	}
	o->objects += ho->objects;
	o->bytes += ho->bytes;
	o->spaces += ho->spaces;
	o->space_bytes += ho->space_bytes;
	o->tlabs += ho->tlabs;
	o->tlab_bytes += ho->tlab_bytes;
	o->unfinished += ho->unfinished;
	o->unfinished_bytes += ho->unfinished_bytes;
	for (i = 0; i < ho->nbad && i < FX_JOBJ_NBAD; i++) {
		bad_keep(o, &ho->bad[i]);
		o->nbad++;
	}
	o->nbad += ho->nbad - i;
	o->bad_bytes = fx_sat_add(o->bad_bytes, ho->bad_bytes);
	o->interrupted |= ho->interrupted;
}

/*
 * Is the walk made in two threads? Not with a visitor or without a second
 * reader, nor for a heap of less than PAR_MIN bytes to read (total).
 * MEMFORENSIC_WALK_THREADS=1 keeps it in one thread, =2 splits even a
 * small heap (tests compare the two).
 */
static int walk_in_two(const struct walk *w, uint64_t total)
{
	const char *env = getenv("MEMFORENSIC_WALK_THREADS");

	return !w->o->hooks.visit && w->o->hooks.heap2 && w->nsp >= 2 &&
	       !(env && strcmp(env, "1") == 0) &&
	       (total >= PAR_MIN || (env && strcmp(env, "2") == 0));
}

/* w's own window freed: it held the target's bytes, wiped first. */
static void own_free(struct walk *w)
{
	if (w->own)
		explicit_bzero(w->own, w->own_used);
	free(w->own);
	w->own = NULL;
}

static void half_free(struct half *h)
{
	fx_ra_free(h->w.ra);
	free(h->w.count);
	free(h->w.bytes);
	own_free(&h->w);
}

/* Start h, the second thread of w's walk: 0, or -errno (not started). */
static int half_start(struct walk *w, struct half *h)
{
	int e;

	memset(h, 0, sizeof(*h));
	h->w = *w;
	h->w.o = &h->o;
	h->o.hooks.stop = w->o->hooks.stop;
	h->w.heap = w->o->hooks.heap2;
	h->w.win.hi = 0;
	h->w.own_used = 0;
	h->w.count = calloc(w->capn ? w->capn : 1, sizeof(*w->count));
	h->w.bytes = calloc(w->capn ? w->capn : 1, sizeof(*w->bytes));
	h->w.own = malloc(WINDOW);
	if (!h->w.count || !h->w.bytes || !h->w.own) {
		e = -ENOMEM;
		goto fail;
	}
	e = fx_thread_start_apart(&h->th, half_main, h);
	if (!e)
		return 0;
fail:
	half_free(h);
	return e;
}

/*
 * Walk the spaces planned. A big heap without a visitor is counted in two
 * threads, each with its own reader (the second's hooks.heap2), each
 * walking up to NSTREAM spaces at once (walk_streams). Else one thread
 * walks them in turn, their bytes read ahead by a thread when there are
 * enough of them: the bytes of every space the walk will look at (only
 * the head of a space that holds one object). 0 or -ENOMEM.
 */
static int walk_plan(struct walk *w)
{
	struct fx_ra_range *r;
	uint64_t total = 0, b, t;
	struct half *h = NULL;
	size_t i, cursor = 0;

	r = calloc(w->nsp + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < w->nsp; i++) {
		b = w->sp[i].bottom;
		t = w->sp[i].top;
		if (b >= t || b < w->heap_lo || t > w->heap_hi)
			continue;	/* walk_space says why */
		if (w->sp[i].one && t - b > 2 * PAGE)
			t = b + 2 * PAGE;
		r[i].lo = b;
		r[i].hi = t;
		total += t - b;
	}
	w->fast = !w->o->hooks.visit && !w->o->hooks.slow &&
		  !(fx_kerndat()->forced & FX_FB_WALK_FAST);
	if (walk_in_two(w, total)) {
		w->cursor = &cursor;
		h = malloc(sizeof(*h));
		if (!h || half_start(w, h)) {
			free(h);
			h = NULL;
			w->cursor = NULL;
		}
	}
	/* A few chunks are read sooner than a thread starts. */
	if (!h && total >= RA_MIN)
		w->ra = fx_ra_new(w->heap, r, w->nsp);
	free(r);
	walk_part(w);
	if (h) {
		pthread_join(h->th, NULL);
		half_join(w, h);
		half_free(h);
		free(h);
	}
	fx_ra_free(w->ra);
	w->ra = NULL;
	w->cursor = NULL;
	w->win.hi = 0;
	return 0;
}

/* G1's region table, read 256 entries at a time; a region's fields, in
 * one read when they lie close together (offsets from vmStructs). */
struct g1tab {
	uint64_t base, len, first, n;
	uint64_t p[256];
	uint64_t o_tag, o_bottom, o_top, o_end, lo, span;
};

/* Region i's address (0: none): 0, or 1 when it cannot be read. */
static int g1_ptr(struct walk *w, struct g1tab *t, uint64_t i, uint64_t *hr)
{
	if (i < t->first || i >= t->first + t->n) {
		t->first = i;
		t->n = t->len - i < 256 ? t->len - i : 256;
		if (rd(w, t->base + i * 8, t->p, t->n * 8)) {
			t->n = 0;
			return rdp(w, t->base + i * 8, hr);
		}
	}
	*hr = t->p[i - t->first];
	return 0;
}

/* The fields of the region at hr: 0, or 1 when they cannot be read. */
static int g1_fields(struct walk *w, const struct g1tab *t, uint64_t hr,
		     uint32_t *tag, uint64_t *bottom, uint64_t *top,
		     uint64_t *end)
{
	unsigned char b[256];

	if (t->span <= sizeof(b) && !rd(w, hr + t->lo, b, t->span)) {
		memcpy(tag, b + (t->o_tag - t->lo), 4);
		memcpy(bottom, b + (t->o_bottom - t->lo), 8);
		memcpy(top, b + (t->o_top - t->lo), 8);
		memcpy(end, b + (t->o_end - t->lo), 8);
		return 0;
	}
	return rd(w, hr + t->o_tag, tag, 4) ||
	       rdp(w, hr + t->o_bottom, bottom) ||
	       rdp(w, hr + t->o_top, top) || rdp(w, hr + t->o_end, end);
}

static int walk_g1(struct walk *w, uint64_t ch)
{
	uint64_t o_hrm, o_regions, o_base, o_len, o_type, o_tag;
	uint64_t hr, next, bottom, top, end, i, j, grain, nb, nt, ne, hi;
	int64_t free_tag = 0, starts = 12, cont = 13;
	struct g1tab *t;
	uint32_t tag, ntag;
	int bad = 0, r = 0;

	o_hrm = off_of(w, "G1CollectedHeap", "_hrm", &bad);
	o_regions = off_of(w, "HeapRegionManager", "_regions", &bad);
	o_base = off_of(w, "G1HeapRegionTable", "_base", &bad);
	o_len = off_of(w, "G1HeapRegionTable", "_length", &bad);
	o_type = off_of(w, "HeapRegion", "_type", &bad);
	o_tag = off_of(w, "HeapRegionType", "_tag", &bad);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->o_tag = o_type + o_tag;
	t->o_bottom = off_of(w, "HeapRegion", "_bottom", &bad);
	t->o_top = off_of(w, "HeapRegion", "_top", &bad);
	t->o_end = off_of(w, "HeapRegion", "_end", &bad);
	if (fx_vms_const(w->v, "HeapRegionType::FreeTag", &free_tag) ||
	    fx_vms_const(w->v, "HeapRegionType::StartsHumongousTag",
			 &starts) ||
	    fx_vms_const(w->v, "HeapRegionType::ContinuesHumongousTag", &cont))
		bad = 1;
	if (bad || static_ptr(w, "HeapRegion", "GrainBytes", &grain) ||
	    rdp(w, ch + o_hrm + o_regions + o_base, &t->base) ||
	    rdp(w, ch + o_hrm + o_regions + o_len, &t->len) ||
	    t->len > MAX_REGIONS) {
		free(t);
		return 1;
	}
	/* [lo, lo + span): the fields, when they are offsets a struct can
	 * have (hostile tables: else one read each). */
	t->lo = t->o_tag;
	hi = t->o_tag + 4;
	for (i = 0; i < 3; i++) {
		uint64_t o = i == 0 ? t->o_bottom : i == 1 ? t->o_top : t->o_end;

		t->lo = o < t->lo ? o : t->lo;
		hi = o + 8 > hi ? o + 8 : hi;
	}
	t->span = t->o_tag < 4096 && t->o_bottom < 4096 && t->o_top < 4096 &&
			  t->o_end < 4096 ?
			  hi - t->lo :
			  UINT64_MAX;
	for (i = 0; i < t->len; i++) {
		if (g1_ptr(w, t, i, &hr) || !hr)
			continue;
		if (g1_fields(w, t, hr, &tag, &bottom, &top, &end)) {
			stop(w, 0, 0, "G1 region %llu unreadable",
			     (unsigned long long)i);
			continue;
		}
		if (tag == (uint32_t)free_tag || tag == (uint32_t)cont)
			continue;
		if (top > end || end - bottom > grain) {
			stop(w, bottom, bottom, "G1 region %llu: top 0x%llx "
			     "past its end 0x%llx", (unsigned long long)i,
			     (unsigned long long)top, (unsigned long long)end);
			continue;
		}
		if (tag != (uint32_t)starts) {
			if ((r = plan_space(w, bottom, top, 0)))
				break;
			continue;
		}
		/* A humongous object: its region, then the continues-
		 * humongous regions after it. */
		for (j = i + 1; j < t->len; j++) {
			if (g1_ptr(w, t, j, &next) || !next ||
			    g1_fields(w, t, next, &ntag, &nb, &nt, &ne) ||
			    ntag != (uint32_t)cont)
				break;
			top = nt;
		}
		if ((r = plan_space(w, bottom, top, 1)))
			break;
	}
	free(t);
	return r;
}

/* [bottom, top) of the space at sp: 0 or 1 (unreadable). */
static int space_bounds(struct walk *w, uint64_t sp, uint64_t o_bottom,
			uint64_t o_top, uint64_t *bottom, uint64_t *top)
{
	return !sp || rdp(w, sp + o_bottom, bottom) || rdp(w, sp + o_top, top);
}

static int walk_spaces(struct walk *w, const uint64_t *sp, size_t n,
		       uint64_t o_bottom, uint64_t o_top)
{
	uint64_t bottom, top;
	size_t i;

	for (i = 0; i < n; i++)
		if (space_bounds(w, sp[i], o_bottom, o_top, &bottom, &top))
			return 1;
	for (i = 0; i < n; i++) {
		space_bounds(w, sp[i], o_bottom, o_top, &bottom, &top);
		if (plan_space(w, bottom, top, 0))
			return -ENOMEM;
	}
	return 0;
}

static int walk_parallel(struct walk *w)
{
	uint64_t young, old, sp[4];
	int bad = 0;
	uint64_t o_obj, o_eden, o_from, o_to, o_bottom, o_top;

	o_obj = off_of(w, "PSOldGen", "_object_space", &bad);
	o_eden = off_of(w, "PSYoungGen", "_eden_space", &bad);
	o_from = off_of(w, "PSYoungGen", "_from_space", &bad);
	o_to = off_of(w, "PSYoungGen", "_to_space", &bad);
	o_bottom = off_of(w, "MutableSpace", "_bottom", &bad);
	o_top = off_of(w, "MutableSpace", "_top", &bad);
	if (bad || static_ptr(w, "ParallelScavengeHeap", "_young_gen", &young) ||
	    static_ptr(w, "ParallelScavengeHeap", "_old_gen", &old) ||
	    !young || !old || rdp(w, old + o_obj, &sp[0]) ||
	    rdp(w, young + o_eden, &sp[1]) || rdp(w, young + o_from, &sp[2]) ||
	    rdp(w, young + o_to, &sp[3]))
		return 1;
	return walk_spaces(w, sp, 4, o_bottom, o_top);
}

static int walk_serial(struct walk *w, uint64_t ch)
{
	uint64_t young, old, sp[4];
	int bad = 0;
	uint64_t o_young, o_old, o_the, o_eden, o_from, o_to, o_bottom, o_top;

	o_young = off_of(w, "GenCollectedHeap", "_young_gen", &bad);
	o_old = off_of(w, "GenCollectedHeap", "_old_gen", &bad);
	o_the = off_of(w, "TenuredGeneration", "_the_space", &bad);
	o_eden = off_of(w, "DefNewGeneration", "_eden_space", &bad);
	o_from = off_of(w, "DefNewGeneration", "_from_space", &bad);
	o_to = off_of(w, "DefNewGeneration", "_to_space", &bad);
	o_bottom = off_of(w, "Space", "_bottom", &bad);
	o_top = off_of(w, "ContiguousSpace", "_top", &bad);
	if (bad || rdp(w, ch + o_young, &young) || rdp(w, ch + o_old, &old) ||
	    !young || !old || rdp(w, old + o_the, &sp[0]) ||
	    rdp(w, young + o_eden, &sp[1]) || rdp(w, young + o_from, &sp[2]) ||
	    rdp(w, young + o_to, &sp[3]))
		return 1;
	return walk_spaces(w, sp, 4, o_bottom, o_top);
}

/* ---- the walk ---- */

enum { F_CCP, F_ALIGN, F_N };

/* The layout of headers: 0, or 1 with o->note saying what is missing. */
static int layout(struct walk *w, const struct fx_vms_flag *fl)
{
	uint64_t a;
	int32_t shift, off;

	w->ccp = fl[F_CCP].found && fl[F_CCP].value;
	w->align = fl[F_ALIGN].found ? fl[F_ALIGN].value : 8;
	if (w->align < 8 || w->align > 256 || (w->align & (w->align - 1))) {
		snprintf(w->o->note, sizeof(w->o->note),
			 "ObjectAlignmentInBytes %llu makes no sense",
			 (unsigned long long)w->align);
		return 1;
	}
	/* An array: mark, class pointer, length (4 bytes), elements from
	 * the next 8-byte boundary (JDK 17). */
	w->ohdr = w->ccp ? 12 : 16;
	w->len_off = w->ccp ? 12 : 16;
	w->hdr = w->ccp ? 16 : 24;
	if (w->ccp &&
	    (static_ptr(w, "CompressedKlassPointers", "_narrow_klass._base",
			&w->kbase) ||
	     fx_vms_static(w->v, "CompressedKlassPointers",
			   "_narrow_klass._shift", &a) ||
	     rd(w, a, &shift, 4) || shift < 0 || shift > 8)) {
		snprintf(w->o->note, sizeof(w->o->note), "the JVM's compressed "
			 "class pointer base and shift cannot be read");
		return 1;
	}
	w->kshift = w->ccp ? shift : 0;
	if (fx_vms_static(w->v, "java_lang_Class", "_oop_size_offset", &a) ||
	    rd(w, a, &off, 4) || off < 8 || off > 4096) {
		snprintf(w->o->note, sizeof(w->o->note), "java.lang.Class's "
			 "size field cannot be found");
		return 1;
	}
	w->mirror_size_off = off;
	return 0;
}

static int heap_bounds(struct walk *w, uint64_t *ch)
{
	uint64_t o, os, ow, words;
	int bad = 0;

	o = off_of(w, "CollectedHeap", "_reserved", &bad);
	os = off_of(w, "MemRegion", "_start", &bad);
	ow = off_of(w, "MemRegion", "_word_size", &bad);
	if (bad || static_ptr(w, "Universe", "_collectedHeap", ch) || !*ch ||
	    rdp(w, *ch + o + os, &w->heap_lo) ||
	    rdp(w, *ch + o + ow, &words) || words > (1ull << 47))
		return 1;
	w->heap_hi = w->heap_lo + words * 8;
	return 0;
}

static int cmp_class(const void *a, const void *b)
{
	const struct fx_jobj_class *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The histogram, most bytes first, into o. */
static int publish(struct walk *w)
{
	struct fx_jobjects *o = w->o;
	size_t i, n = 0;

	for (i = 0; i < w->names.n; i++)
		n += w->count[i] != 0;
	o->c = calloc(n + 1, sizeof(*o->c));
	if (!o->c)
		return -ENOMEM;
	for (i = 0; i < w->names.n; i++) {
		if (!w->count[i])
			continue;
		o->c[o->nc].name = strdup(w->names.e[i].key);
		if (!o->c[o->nc].name)
			return -ENOMEM;
		o->c[o->nc].count = w->count[i];
		o->c[o->nc].bytes = w->bytes[i];
		o->nc++;
	}
	qsort(o->c, o->nc, sizeof(*o->c), cmp_class);
	return 0;
}

/* The visitor's begin and pass (jobjects.h): their results. */
static int visit_begin(struct walk *w)
{
	const struct fx_jobj_visit *vi = w->o->hooks.visit;

	return vi && vi->begin ? vi->begin(vi->arg, (struct fx_jobj_walk *)w) :
				 0;
}

static int visit_pass(struct walk *w)
{
	const struct fx_jobj_visit *vi = w->o->hooks.visit;

	if (w->verr)
		return w->verr < 0 ? w->verr : -EIO;
	if (!vi || !vi->pass || w->o->interrupted)
		return 0;
	return vi->pass(vi->arg, (struct fx_jobj_walk *)w);
}

/* The spaces of this pass, planned afresh by the collector's
 * structures: 0, 1 (they cannot be read) or -ENOMEM. */
static int plan_spaces(struct walk *w, uint64_t ch)
{
	w->nsp = 0;
	return strcmp(w->o->gc, "G1") == 0	 ? walk_g1(w, ch) :
	       strcmp(w->o->gc, "Parallel") == 0 ? walk_parallel(w) :
						   walk_serial(w, ch);
}

static int run(struct walk *w)
{
	struct fx_vms_flag fl[F_N] = {
		[F_CCP] = { "UseCompressedClassPointers", 1, 0, 0 },
		/* intx on JDK 17, int on later ones: the low 4 bytes */
		[F_ALIGN] = { "ObjectAlignmentInBytes", 4, 0, 0 },
	};
	struct fx_jobjects *o = w->o;
	uint64_t ch;
	int r, rp;

	fx_vms_flags(w->v, w->rs, fl, F_N);
	snprintf(o->gc, sizeof(o->gc), "%s", fx_vms_collector(w->v, w->rs));
	if (!o->gc[0]) {
		snprintf(o->note, sizeof(o->note), "the collector cannot be "
			 "told (its flags are not readable)");
		return 0;
	}
	if (strcmp(o->gc, "G1") && strcmp(o->gc, "Parallel") &&
	    strcmp(o->gc, "Serial")) {
		o->unsupported = 1;
		snprintf(o->note, sizeof(o->note), "not supported for this "
			 "collector (%s GC): G1, Parallel and Serial only",
			 o->gc);
		return 0;
	}
	if (layout(w, fl))
		return 0;
	if (heap_bounds(w, &ch)) {
		snprintf(o->note, sizeof(o->note), "the Java heap's bounds "
			 "cannot be read (a JVM still starting?)");
		return 0;
	}
	r = find_klasses(w);
	if (r > 0)
		snprintf(o->note, sizeof(o->note), "the JVM's classes cannot "
			 "be walked (ClassLoaderDataGraph)");
	if (r)
		return r < 0 ? r : 0;
	r = find_tlabs(w);
	if (r > 0)
		snprintf(o->note, sizeof(o->note), "the Java threads' TLABs "
			 "cannot be read");
	if (r)
		return r < 0 ? r : 0;
	/* The first pass's spaces are planned from the JVM's structures,
	 * as the classes were, while the late VmFlags are still coming. */
	rp = plan_spaces(w, ch);
	if (rp == -ENOMEM)
		return rp;
	if (o->hooks.settle && (r = o->hooks.settle(o->hooks.settle_ctx))) {
		if (r == -ENOMEM)
			return r;
		snprintf(o->note, sizeof(o->note), "the process's map cannot "
			 "be read: %s", r == -EBADMSG ? "it makes no sense" :
			 strerror(-r));
		return 0;
	}
	w->own = malloc(WINDOW);
	w->ownlen = WINDOW;
	if (!w->own)
		return -ENOMEM;
	r = visit_begin(w);
	if (r)
		return r < 0 ? r : 0;
	for (r = rp; !r;) {
		/* Each pass plans the spaces afresh, then walks them. */
		r = walk_plan(w);
		if (r || (r = visit_pass(w)) <= 0)
			break;
		r = plan_spaces(w, ch);
	}
	if (r < 0)
		return r;
	if (r) {
		snprintf(o->note, sizeof(o->note), "the %s heap's spaces "
			 "cannot be read", o->gc);
		return 0;
	}
	r = publish(w);
	if (!r)
		o->ok = 1;
	return r;
}

int fx_jobjects_walk_tables(struct fx_jobjects *o,
			    const struct fx_vmstructs *v,
			    struct fx_heap_src *rs, struct fx_heap_src *heap)
{
	struct walk w;
	size_t i;
	int r;

	fx_jobjects_release(o);
	memset(&w, 0, sizeof(w));
	/* No class word is in the cache yet, not even 0. */
	for (i = 0; i < KCACHE; i++)
		w.kc[i].fword = UINT64_MAX;
	w.o = o;
	w.v = v;
	w.rs = rs;
	w.heap = heap;
	w.vrs = (struct fx_heap_src){ vrs_read, &w };
	w.vheap = (struct fx_heap_src){ vheap_read, &w };
	fx_strtab_init(&w.byaddr);
	fx_strtab_init(&w.names);
	r = run(&w);
	fx_strtab_release(&w.byaddr);
	fx_strtab_release(&w.names);
	free(w.k);
	free(w.count);
	free(w.bytes);
	free(w.t);
	free(w.jt);
	own_free(&w);
	free(w.sp);
	if (r) {
		fx_jobjects_release(o);
		return r;
	}
	return 0;
}

int fx_jobjects_walk(struct fx_jobjects *o, const struct fx_maps *m,
		     struct fx_heap_src *src, fx_file_fn file, void *fctx)
{
	struct fx_vmstructs v;
	struct fx_heap_src rs;
	int r;

	fx_jobjects_release(o);
	r = fx_jvm_reader_open(&rs, m, src, file, fctx);
	if (r)
		return r;
	fx_vmstructs_init(&v);
	r = fx_jvm_tables(&v, m, &rs, file, fctx);
	if (!r) {
		r = fx_jobjects_walk_tables(o, &v, &rs, src);
	} else if (r != -ENOMEM) {
		snprintf(o->note, sizeof(o->note), "%s",
			 r == -ENOENT  ? "not a JVM (no libjvm.so mapped)" :
			 r == -ENODEV  ? "libjvm.so has no vmStructs tables "
					 "(not HotSpot, or a JVM still "
					 "starting)" :
			 r == -EFAULT  ? "the JVM's vmStructs tables are not "
					 "readable" :
			 r == -ESTALE  ? "libjvm.so cannot be read here (the "
					 "file is not on this machine, or "
					 "another is at its path): its symbols "
					 "locate the JVM's tables" :
					 "the JVM's vmStructs tables make no "
					 "sense");
		r = 0;
	}
	fx_vmstructs_release(&v);
	fx_jvm_reader_close(&rs);
	return r;
}

int fx_jobjects_write(const struct fx_jobjects *o, struct fx_writer *w,
		      int pid, unsigned long long starttime)
{
	const struct fx_reckind *k = fx_reckind(FX_REC_OBJECT);
	size_t i;
	int r;

	r = fx_writer_columns(w, k->cols, k->ncols);
	for (i = 0; i < o->nc && !r; i++) {
		fx_writer_u64(w, (uint64_t)pid);
		fx_writer_u64(w, o->c[i].count);
		fx_writer_u64(w, o->c[i].bytes);
		fx_writer_u64_known(w, starttime);
		fx_writer_text(w, o->c[i].name, strlen(o->c[i].name));
		r = fx_writer_end(w);
	}
	return r;
}

int fx_jobjects_report(const struct fx_jobjects *o, int verbose,
		       struct fx_buf *b)
{
	char line[320];
	size_t i;
	int r = 0;

	if (verbose && o->ok) {
		snprintf(line, sizeof(line), "%s heap: %llu objects, %llu "
			 "bytes in %llu spaces (%llu bytes used); %llu classes "
			 "known; %llu TLABs' unfilled parts skipped (%llu "
			 "bytes); %llu space ends handed out, still zero (%llu "
			 "bytes)\n",
			 o->gc, (unsigned long long)o->objects,
			 (unsigned long long)o->bytes,
			 (unsigned long long)o->spaces,
			 (unsigned long long)o->space_bytes,
			 (unsigned long long)o->klasses,
			 (unsigned long long)o->tlabs,
			 (unsigned long long)o->tlab_bytes,
			 (unsigned long long)o->unfinished,
			 (unsigned long long)o->unfinished_bytes);
		r = fx_buf_adds(b, line);
	}
	if (o->nbad && !r) {
		snprintf(line, sizeof(line), "%llu bytes of the Java heap not "
			 "parsed (%llu place%s; not counted):\n",
			 (unsigned long long)o->bad_bytes,
			 (unsigned long long)o->nbad, o->nbad > 1 ? "s" : "");
		r = fx_buf_adds(b, line);
	}
	for (i = 0; i < o->nbad && i < FX_JOBJ_NBAD && !r; i++) {
		snprintf(line, sizeof(line), "  at 0x%012llx: %s (%llu bytes "
			 "left)\n", (unsigned long long)o->bad[i].addr,
			 o->bad[i].why, (unsigned long long)o->bad[i].left);
		r = fx_buf_adds(b, line);
	}
	return r ? -ENOMEM : 0;
}

/* A line to msg. 0 or -ENOMEM. */
static int say(struct fx_buf *msg, const char *line)
{
	return fx_buf_adds(msg, line) || fx_buf_adds(msg, "\n") ? -ENOMEM : 0;
}

/* hooks.settle: the live map's VmFlags, before the heap is read. */
static int settle(void *ctx)
{
	return fx_memsrc_settle(ctx);
}

int fx_jobjects_walk_src(struct fx_jobjects *o, struct fx_memsrc *ms,
			 struct fx_proc *p, const struct fx_freeze_opts *fo,
			 struct fx_buf *msg)
{
	struct fx_freeze f;
	char m[512];
	int r, tries;

	if (!fo || ms->kind != FX_MS_LIVE) {
		if (!o->hooks.visit)
			o->hooks.heap2 = fx_memsrc_heap2(ms);
		if (ms->late) {
			o->hooks.settle = settle;
			o->hooks.settle_ctx = ms;
		}
		r = fx_jobjects_walk(o, &ms->maps, &ms->heap, ms->file,
				     ms->file_ctx);
		fx_memsrc_heap2_done(ms);
		o->hooks.heap2 = NULL;
		o->hooks.settle = NULL;
		return r;
	}
	/* A freeze may stop a thread in the middle of an allocation (the
	 * space handed out, its header not yet written over the stale
	 * bytes a G1 region keeps from its last use): the walk stops
	 * there. Such an instant is rare: let go and look twice more. */
	for (tries = 1;; tries++) {
		r = fx_freeze_checked(&f, p, fo, m, sizeof(m));
		if (r) {
			if (!m[0])
				snprintf(m, sizeof(m), "pid %d: %s", p->pid,
					 r == -EINTR ? "interrupted" :
						       strerror(-r));
			return say(msg, m) ? -ENOMEM : r;
		}
		/* Stopped, the map holds still: read it again. */
		r = fx_memsrc_reload(ms);
		if (!o->hooks.visit)
			o->hooks.heap2 = fx_memsrc_heap2(ms);
		if (!r)
			r = fx_jobjects_walk(o, &ms->maps, &ms->heap, ms->file,
					     ms->file_ctx);
		fx_memsrc_heap2_done(ms);
		o->hooks.heap2 = NULL;
		if (fx_freeze_thaw(&f)) {
			snprintf(m, sizeof(m), "pid %d: a thread could not be "
				 "let go cleanly; check its state", p->pid);
			if (say(msg, m))
				r = -ENOMEM;
		}
		fx_freeze_say_pause(&f, m, sizeof(m));
		fx_freeze_release(&f);
		if (say(msg, m))
			r = -ENOMEM;
		if (r || !o->ok || !o->nbad || o->interrupted || tries == 3 ||
		    (fo->stop && *fo->stop))
			return r;
	}
}

/* ---- what a visitor sees (jobjects.h) ---- */

void fx_jobj_layout(struct fx_jobj_walk *jw, struct fx_jobj_layout *l)
{
	struct walk *w = (struct walk *)jw;

	memset(l, 0, sizeof(*l));
	l->v = w->v;
	l->rs = &w->vrs;
	l->heap = &w->vheap;
	l->heap_lo = w->heap_lo;
	l->heap_hi = w->heap_hi;
	l->ohdr = w->ohdr;
	l->len_off = w->len_off;
	l->hdr = w->hdr;
	l->align = w->align;
	l->ccp = w->ccp;
	l->nklass = w->nk;
	l->nnames = w->names.n;
	l->mirror_size_off = w->mirror_size_off;
	l->jt = w->jt;
	l->njt = w->njt;
}

const unsigned char *fx_jobj_bytes(struct fx_jobj_walk *jw, uint64_t a,
				   size_t n, uint64_t lim, int *err)
{
	struct walk *w = (struct walk *)jw;

	if (n > (64u << 10) || a > lim || n > lim - a) {
		*err = -EINVAL;
		return NULL;
	}
	return heap_bytes(w, a, n, lim, err);
}

uint64_t fx_jobj_klass_addr(struct fx_jobj_walk *jw, long k)
{
	return ((struct walk *)jw)->k[k].addr;
}

long fx_jobj_klass_cls(struct fx_jobj_walk *jw, long k)
{
	return ((struct walk *)jw)->k[k].cls;
}

long fx_jobj_klass_find(struct fx_jobj_walk *jw, uint64_t a)
{
	struct walk *w = (struct walk *)jw;

	return fx_strtab_find(&w->byaddr, (const char *)&a, sizeof(a));
}

const char *fx_jobj_class_name(struct fx_jobj_walk *jw, long cls)
{
	return ((struct walk *)jw)->names.e[cls].key;
}

long fx_jobj_class_find(struct fx_jobj_walk *jw, const char *name)
{
	struct walk *w = (struct walk *)jw;

	return fx_strtab_find(&w->names, name, strlen(name));
}
