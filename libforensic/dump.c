/*
 * dump: present pages of a range copied to a file (see dump.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "dump.h"
#include "internal.h"
#include "kerndat.h"
#include "lazylib.h"
#include "maps.h"
#include "proc.h"

/* libcrypto's SHA-256, opened for the first hashed copy (lazylib.h): a
 * dump without --sha256 never loads it. */
#define EVP_FNS(X, T)                                                          \
	X(T, EVP_DigestFinal_ex)                                               \
	X(T, EVP_DigestInit_ex)                                                \
	X(T, EVP_DigestUpdate)                                                 \
	X(T, EVP_MD_CTX_free)                                                  \
	X(T, EVP_MD_CTX_new)                                                   \
	X(T, EVP_sha256)
FX_LAZY_DEFINE(evp, FX_LIB_CRYPTO, EVP_FNS);

int fx_dump_hash_load(const char **why)
{
	if (fx_lazy_load(&evp_lazy)) {
		*why = fx_lazy_why(&evp_lazy);
		return -ELIBACC;
	}
	return 0;
}

/* A running SHA-256 into *md; 0, -ELIBACC or -ENOMEM. */
static int md_new(EVP_MD_CTX **md)
{
	*md = NULL;
	if (fx_lazy_load(&evp_lazy))
		return -ELIBACC;
	*md = evp.EVP_MD_CTX_new();
	if (!*md || !evp.EVP_DigestInit_ex(*md, evp.EVP_sha256(), NULL)) {
		if (*md)
			evp.EVP_MD_CTX_free(*md);
		*md = NULL;
		return -ENOMEM;
	}
	return 0;
}

static const char *const hole_names[] = {
	[FX_HOLE_ABSENT] = "absent",	   [FX_HOLE_SWAPPED] = "swapped",
	[FX_HOLE_UNREADABLE] = "unreadable", [FX_HOLE_GONE] = "gone",
	[FX_HOLE_UNMAPPED] = "unmapped",   [FX_HOLE_SKIPPED] = "skipped",
	[FX_HOLE_ZERO] = "zero",
};

const char *fx_hole_name(enum fx_hole h)
{
	return (unsigned)h < FX_ARRAY_SIZE(hole_names) ? hole_names[h] : "-";
}

/* A piece of a batch to write, or to hash (fd unused), in address order. */
struct piece {
	const char *p;
	size_t n;
	int fd;
	uint64_t off;
};

struct pieces {
	struct piece *v;
	size_t n, cap;
};

/* One batch buffer and what is to be done with its bytes. */
struct slot {
	char *buf;
	struct pieces w, h;	/* to write; to hash (into md) */
	uint64_t wbytes;	/* bytes in w */
	uint64_t unwritten;	/* bytes of w lost to a write error */
	struct fx_dump_res *res; /* whose captured bytes w holds */
	void *md;
	uint64_t seq;		/* handed over in this order */
	int todo[2];		/* [1] writing, [0] hashing: 0 done,
				 * QUEUED, or TAKEN by a thread */
};

/* Below this many bytes a batch is written at once by the reader: a
 * thread switch costs more than the write (many small regions). */
#define INLINE_WRITE (256u << 10)

struct fx_ring {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t wt, ht;
	int have_wt, have_ht;	/* the threads run (else: done inline) */
	int quit;
	int err;		/* first write error since the last drain */
	uint64_t seq;
	char *mem;		/* the buffers, one mapping */
	size_t len;
	struct slot s[FX_DUMP_SLOTS];
	int cur;		/* the slot being filled */
};

static int pieces_add(struct pieces *ps, const char *p, size_t n, int fd,
		      uint64_t off)
{
	struct piece *last = ps->n ? &ps->v[ps->n - 1] : NULL;

	if (last && last->p + last->n == p && last->fd == fd &&
	    last->off + last->n == off) {
		last->n += n;
		return 0;
	}
	if (FX_GROW(ps->v, ps->n, ps->cap, 64))
		return -ENOMEM;
	ps->v[ps->n++] = (struct piece){ p, n, fd, off };
	return 0;
}

enum { QUEUED = 1, TAKEN };

/*
 * The slot to work on next for role w (1: write, 0: hash), or NULL: the
 * oldest one not done, when nobody has taken it yet. One slot at a
 * time per role: the digest takes the bytes in order.
 */
static struct slot *oldest(struct fx_ring *g, int w)
{
	struct slot *best = NULL;
	int i;

	for (i = 0; i < FX_DUMP_SLOTS; i++)
		if (g->s[i].todo[w] && (!best || g->s[i].seq < best->seq))
			best = &g->s[i];
	return best && best->todo[w] == QUEUED ? best : NULL;
}

/* Write the pieces of s; after an error (this one's or an earlier
 * one's), count the rest as unwritten. */
static int write_slot(struct slot *s, int err)
{
	size_t i;

	for (i = 0; i < s->w.n; i++) {
		if (!err)
			err = fx_pwrite_all(s->w.v[i].fd, s->w.v[i].p,
					    s->w.v[i].n, s->w.v[i].off);
		if (err)
			s->unwritten += s->w.v[i].n;
	}
	s->w.n = 0;
	s->wbytes = 0;
	return err;
}

static void hash_slot(struct slot *s)
{
	size_t i;

	for (i = 0; i < s->h.n; i++)
		evp.EVP_DigestUpdate(s->md, s->h.v[i].p, s->h.v[i].n);
	s->h.n = 0;
}

/* Do role w's work on queued slot s, with g->mu held (dropped while
 * working). */
static void take(struct fx_ring *g, struct slot *s, int w)
{
	int err = g->err;

	s->todo[w] = TAKEN;
	pthread_mutex_unlock(&g->mu);
	if (w)
		err = write_slot(s, err);
	else
		hash_slot(s);
	pthread_mutex_lock(&g->mu);
	if (w && err && !g->err)
		g->err = err;
	s->todo[w] = 0;
	pthread_cond_broadcast(&g->cv);
}

/* The writer (w 1) or the hasher (w 0): each takes its slots in the
 * order they were handed over. */
static void *work(struct fx_ring *g, int w)
{
	struct slot *s;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		s = oldest(g, w);
		if (s)
			take(g, s, w);
		else if (g->quit)
			break;
		else
			pthread_cond_wait(&g->cv, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

static void *writer_main(void *arg)
{
	return work(arg, 1);
}

static void *hasher_main(void *arg)
{
	return work(arg, 0);
}

/*
 * The buffers: one mapping, 2 MiB aligned and in transparent huge pages
 * where free ones are at hand (fx_map_huge), so that copying into them
 * and out of them misses the TLB 512 times less.
 * Their bytes are the target's secrets: never in a core of ours
 * (MADV_DONTDUMP), and wiped before they are given back.
 */
_Static_assert((size_t)FX_DUMP_SLOTS * FX_DUMP_BATCH % FX_HUGE == 0,
	       "the ring is whole 2 MiB pages");

static int ring_map(struct fx_ring *g)
{
	size_t len = (size_t)FX_DUMP_SLOTS * FX_DUMP_BATCH;
	int i;

	g->mem = fx_map_huge(len);
	if (!g->mem)
		return -ENOMEM;
	g->len = len;
	madvise(g->mem, len, MADV_DONTDUMP);
	for (i = 0; i < FX_DUMP_SLOTS; i++)
		g->s[i].buf = g->mem + (size_t)i * FX_DUMP_BATCH;
	return 0;
}

static void ring_free(struct fx_ring *g)
{
	int i;

	if (!g)
		return;
	fx_thread_quit(&g->mu, &g->cv, &g->quit);
	if (g->have_wt)
		pthread_join(g->wt, NULL);
	if (g->have_ht)
		pthread_join(g->ht, NULL);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	for (i = 0; i < FX_DUMP_SLOTS; i++) {
		free(g->s[i].w.v);
		free(g->s[i].h.v);
	}
	if (g->mem) {
		explicit_bzero(g->mem, g->len);
		munmap(g->mem, g->len);
	}
	free(g);
}

static struct fx_ring *ring_new(void)
{
	struct fx_ring *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	if (ring_map(g)) {
		ring_free(g);
		return NULL;
	}
	/* Without a thread, its work is done inline: slower, same bytes. */
	g->have_wt = !fx_thread_start(&g->wt, writer_main, g);
	g->have_ht = !fx_thread_start(&g->ht, hasher_main, g);
	return g;
}

/* Take back what slot s could not write from its copy's count. Locked,
 * or with s idle. */
static void settle(struct slot *s)
{
	if (s->unwritten && s->res)
		s->res->captured -= s->unwritten;
	s->unwritten = 0;
}

/*
 * Wait until slot s is written and hashed; the first write error. Work
 * on s that no thread has begun yet (the machine is busy: the thread
 * is not running) is done here rather than waited for, so that at
 * worst the copy is as fast as reading and writing in turn.
 */
static int slot_wait(struct fx_ring *g, struct slot *s)
{
	int err;

	pthread_mutex_lock(&g->mu);
	while (s->todo[1] || s->todo[0]) {
		if (oldest(g, 1) == s)
			take(g, s, 1);
		else if (oldest(g, 0) == s)
			take(g, s, 0);
		else
			pthread_cond_wait(&g->cv, &g->mu);
	}
	settle(s);
	err = g->err;
	pthread_mutex_unlock(&g->mu);
	return err;
}

/* Bytes of the current buffer to write at off of fd (res: whose). */
static int write_add(struct fx_dumper *d, struct fx_dump_res *res,
		     const char *p, size_t n, int fd, uint64_t off)
{
	struct slot *s = &d->ring->s[d->ring->cur];

	s->res = res;
	s->wbytes += n;
	return pieces_add(&s->w, p, n, fd, off);
}

/* Bytes of the current buffer to hash into md, in address order. */
static int hash_add(struct fx_dumper *d, void *md, const char *p, size_t n)
{
	struct slot *s = &d->ring->s[d->ring->cur];

	if (!d->ring->have_ht) {
		evp.EVP_DigestUpdate(md, p, n);
		return 0;
	}
	s->md = md;
	return pieces_add(&s->h, p, n, -1, 0);
}

/*
 * The current buffer is read: hand it over (or write a small one at
 * once), and take the next, once it is free. 0, or the first write
 * error (-ENOSPC...).
 */
static int buffer_switch(struct fx_dumper *d)
{
	struct fx_ring *g = d->ring;
	struct slot *s = &g->s[g->cur];
	int err = 0, r;

	if (s->w.n && (!g->have_wt || s->wbytes < INLINE_WRITE)) {
		err = write_slot(s, 0);
		settle(s);
	}
	if (!s->w.n && !s->h.n)
		return err;
	pthread_mutex_lock(&g->mu);
	s->seq = ++g->seq;
	s->todo[1] = s->w.n ? QUEUED : 0;
	s->todo[0] = s->h.n ? QUEUED : 0;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	g->cur = (g->cur + 1) % FX_DUMP_SLOTS;
	d->buf = g->s[g->cur].buf;
	r = slot_wait(g, &g->s[g->cur]);
	return err ? err : r;
}

/* Every buffer written and hashed (before the copy returns): 0 or the
 * first write error, which is then forgotten (the next copy starts
 * clean). */
static int ring_drain(struct fx_dumper *d)
{
	struct fx_ring *g = d->ring;
	int i, err = 0;

	/* Oldest first: the slots were handed over in ring order. */
	for (i = 1; i <= FX_DUMP_SLOTS; i++)
		err = slot_wait(g, &g->s[(g->cur + i) % FX_DUMP_SLOTS]);
	pthread_mutex_lock(&g->mu);
	g->err = 0;
	pthread_mutex_unlock(&g->mu);
	return err;
}

int fx_dumper_init(struct fx_dumper *d, struct fx_proc *p, int use_scan,
		   volatile sig_atomic_t *stop)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->stop = stop;
	r = fx_livesrc_open(&d->ls, p, NULL, use_scan);
	if (r)
		return r;
	d->ring = ring_new();
	d->seg = calloc(FX_DUMP_IOV, sizeof(*d->seg));
	if (!d->ring || !d->seg) {
		fx_dumper_release(d);
		return -ENOMEM;
	}
	d->buf = d->ring->s[0].buf;
	return 0;
}

void fx_dumper_release(struct fx_dumper *d)
{
	ring_free(d->ring);
	d->ring = NULL;
	fx_livesrc_release(&d->ls);
	free(d->seg);
	d->buf = NULL;
	d->seg = NULL;
}

/* Report the pending hole, if any. */
static int hole_flush(struct fx_dumper *d)
{
	int r = 0;

	if (d->h_end > d->h_start && d->hole)
		r = d->hole(d->hole_arg, d->h_start, d->h_end, d->h_why);
	d->h_start = d->h_end = 0;
	return r;
}

/* A hole, merged with the pending one when adjacent and alike. */
static int hole_add(struct fx_dumper *d, uint64_t s, uint64_t e,
		    enum fx_hole why)
{
	int r;

	if (e <= s)
		return 0;
	if (d->h_end > d->h_start && d->h_end == s && d->h_why == why) {
		d->h_end = e;
		return 0;
	}
	r = hole_flush(d);
	d->h_start = s;
	d->h_end = e;
	d->h_why = why;
	return r;
}

int fx_dumper_hole(struct fx_dumper *d, uint64_t start, uint64_t end,
		   enum fx_hole why, fx_hole_fn hole, void *arg)
{
	int r;

	d->hole = hole;
	d->hole_arg = arg;
	r = hole_add(d, start, end, why);
	return r ? r : hole_flush(d);
}

/* One pending piece of a batch: bytes to read, or a hole to report. */
struct item {
	uint64_t addr, len;
	size_t off;		/* in the batch buffer */
	int is_hole;
	enum fx_hole why;
};

struct copy {
	struct fx_dumper *d;
	int fd;
	uint64_t start, end, out_base;
	EVP_MD_CTX *md;
	struct fx_dump_res *res;
	struct item it[FX_DUMP_IOV * 2];
	size_t nit, ndata, used;
	uint64_t base_done;	/* res->captured + holes at the start */
};

int fx_pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = pwrite(fd, p, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Remember an output range to hash later; merged when contiguous. */
static int defer_run(struct fx_dump_res *res, uint64_t off, uint64_t len)
{
	struct fx_dump_run *nr;
	size_t cap;

	if (!res->deferred && !res->nruns)
		res->deferred = 1;
	if (!res->deferred)
		return 0;	/* gave up: too many runs */
	if (res->nruns && res->runs[res->nruns - 1].off +
				  res->runs[res->nruns - 1].len == off) {
		res->runs[res->nruns - 1].len += len;
		return 0;
	}
	if (res->nruns == FX_DUMP_MAX_RUNS) {
		res->deferred = 0;	/* sha256 stays "" */
		res->no_hash = 1;
		return 0;
	}
	if (res->nruns == res->cap) {
		cap = res->cap ? res->cap * 2 : 16;
		nr = realloc(res->runs, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		res->runs = nr;
		res->cap = cap;
	}
	res->runs[res->nruns++] = (struct fx_dump_run){ off, len };
	return 0;
}

/* Bytes of the batch at addr were read: have them written and hashed. */
static int keep(struct copy *c, const struct item *it, uint64_t len)
{
	const char *p = c->d->buf + it->off;
	int r;

	if (!len)
		return 0;
	r = write_add(c->d, c->res, p, len, c->fd,
		      c->out_base + (it->addr - c->start));
	if (r)
		return r;
	c->res->captured += len;
	if (c->d->no_hash) {
		c->res->no_hash = 1;
		return 0;
	}
	if (c->d->defer_hash)
		return defer_run(c->res, c->out_base + (it->addr - c->start),
				 len);
	return hash_add(c->d, c->md, p, len);
}

static int copy_hole(struct copy *c, uint64_t s, uint64_t e, enum fx_hole why)
{
	c->res->holes += e - s;
	return hole_add(c->d, s, e, why);
}

/* Read data items [k, j) in one call; 1 when all came, 0 after a fault
 * was handled (call again), or a negative errno. */
static int read_some(struct copy *c, size_t *kp, size_t j)
{
	struct fx_dumper *d = c->d;
	size_t k = *kp, n, i, ps = fx_page_size();
	uint64_t got, bad, pg;
	int why, r;

	for (n = 0, i = k; i < j; i++, n++) {
		d->seg[n].addr = c->it[i].addr;
		d->seg[n].len = c->it[i].len;
		d->seg[n].buf = d->buf + c->it[i].off;
	}
	/* Behind the execve guard: after an execve (T12) nothing of the
	 * batch is kept, and why says the process is gone. */
	got = fx_livesrc_readv(&d->ls, d->seg, n, &why);
	while (k < j && got >= c->it[k].len) {
		r = keep(c, &c->it[k], c->it[k].len);
		if (r)
			return r;
		got -= c->it[k].len;
		k++;
	}
	*kp = k;
	if (k == j)
		return 1;
	/* Item k came only in part: keep that, then a hole of one page. */
	r = keep(c, &c->it[k], got);
	if (r)
		return r;
	bad = c->it[k].addr + got;
	if (why == -ESRCH) {
		/* Gone: everything from here is lost. */
		r = copy_hole(c, bad, c->end, FX_HOLE_GONE);
		return r ? r : -ESRCH;
	}
	pg = (bad / ps + 1) * ps;
	if (pg > c->it[k].addr + c->it[k].len)
		pg = c->it[k].addr + c->it[k].len;
	r = copy_hole(c, bad, pg, FX_HOLE_UNREADABLE);
	if (r)
		return r;
	c->it[k].off += pg - c->it[k].addr;
	c->it[k].len -= pg - c->it[k].addr;
	c->it[k].addr = pg;
	if (!c->it[k].len)
		*kp = k + 1;
	return 0;
}

/* The copy's last read is done (flush, last): say so (dump.h, read_end). */
static void read_end(struct fx_dumper *d)
{
	void (*fn)(void *) = d->read_end;

	d->read_end = NULL;
	if (fn)
		fn(d->read_end_arg);
}

/* Read, write and report everything pending, in address order; last:
 * the copy's last batch. */
static int flush(struct copy *c, int last)
{
	size_t i = 0, j;
	int r = 0, r2;

	while (i < c->nit && !r) {
		if (c->it[i].is_hole) {
			r = copy_hole(c, c->it[i].addr,
				      c->it[i].addr + c->it[i].len,
				      c->it[i].why);
			i++;
			continue;
		}
		for (j = i; j < c->nit && !c->it[j].is_hole; j++)
			;
		while (i < j && !r) {
			r = read_some(c, &i, j);
			r = r > 0 ? 0 : r;
			if (!r && c->d->stop && *c->d->stop)
				r = -EINTR;
		}
		i = j;
	}
	if (last && !r)
		read_end(c->d);
	c->nit = c->ndata = c->used = 0;
	r2 = buffer_switch(c->d);
	if (!r)
		r = r2;
	if (c->d->progress)
		c->d->progress(c->d->progress_arg,
			       c->d->done + c->res->captured + c->res->holes -
				       c->base_done);
	return r;
}

static int add_hole(struct copy *c, uint64_t s, uint64_t e, enum fx_hole why)
{
	struct item *last = c->nit ? &c->it[c->nit - 1] : NULL;
	int r;

	if (e <= s)
		return 0;
	if (last && last->is_hole && last->why == why &&
	    last->addr + last->len == s) {
		last->len += e - s;
		return 0;
	}
	if (c->nit == FX_ARRAY_SIZE(c->it)) {
		r = flush(c, 0);
		if (r)
			return r;
	}
	c->it[c->nit++] = (struct item){ .addr = s, .len = e - s,
					 .is_hole = 1, .why = why };
	return 0;
}

static int add_data(struct copy *c, uint64_t s, uint64_t e)
{
	struct item *last;
	uint64_t take;
	int r;

	while (s < e) {
		if (c->used == FX_DUMP_BATCH || c->ndata == FX_DUMP_IOV ||
		    c->nit == FX_ARRAY_SIZE(c->it)) {
			r = flush(c, 0);
			if (r)
				return r;
		}
		take = e - s;
		if (take > FX_DUMP_BATCH - c->used)
			take = FX_DUMP_BATCH - c->used;
		last = c->nit ? &c->it[c->nit - 1] : NULL;
		if (last && !last->is_hole && last->addr + last->len == s &&
		    last->off + last->len == c->used) {
			last->len += take;
		} else {
			c->it[c->nit++] = (struct item){ .addr = s,
							 .len = take,
							 .off = c->used };
			c->ndata++;
		}
		c->used += take;
		s += take;
	}
	return 0;
}

/*
 * Pages that pagemap calls swapped. With swap configured they are: holes
 * (reading would swap them in). Without any swap area, a "swapped" entry
 * can only be a page the kernel is migrating this instant (compaction,
 * NUMA balancing; its PTE is a migration entry, which smaps still counts
 * in Rss): look again a few times, 1 ms apart, and read what came back.
 */
static int not_present(struct copy *c, uint64_t s, uint64_t e)
{
	struct timespec nap = { 0, 1000000 };
	struct fx_page_run runs[16];
	uint64_t cur, next;
	long n, i;
	int r = 0, tries;

	if (fx_kerndat()->swap)
		return add_hole(c, s, e, FX_HOLE_SWAPPED);
	for (tries = 0; tries < 5 && s < e; tries++) {
		nanosleep(&nap, NULL);
		cur = s;
		n = fx_pagemap_runs(&c->d->ls.pm, s, e, runs,
				    FX_ARRAY_SIZE(runs), &next);
		if (n <= 0 || next < e)
			continue;	/* gone, or too fragmented: retry */
		for (i = 0; i < n && !r; i++) {
			if (!(runs[i].flags & (FX_RUN_PRESENT | FX_RUN_ZERO)))
				continue;
			/* Only a settled prefix is taken: the rest is looked
			 * at again, and stays "swapped" after five tries. */
			if (runs[i].start != cur)
				break;
			r = runs[i].flags & FX_RUN_PRESENT ?
				    add_data(c, runs[i].start, runs[i].end) :
				    add_hole(c, runs[i].start, runs[i].end,
					     FX_HOLE_ZERO);
			cur = runs[i].end;
		}
		if (r)
			return r;
		s = cur;
	}
	return s < e ? add_hole(c, s, e, FX_HOLE_SWAPPED) : 0;
}

int fx_dumper_copy(struct fx_dumper *d, uint64_t start, uint64_t end, int fd,
		   uint64_t out_base, fx_hole_fn hole, void *arg,
		   struct fx_dump_res *res)
{
	struct fx_page_run runs[64];
	struct copy *c;
	EVP_MD_CTX *md;
	uint64_t cur = start, next;
	long n, i;
	int r = 0, r2;

	/* The range's digest begins with its first hashed copy. */
	if (!d->no_hash && !d->defer_hash && !res->md) {
		r = md_new(&md);
		if (r)
			return r;
		res->md = md;
	}
	d->hole = hole;
	d->hole_arg = arg;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->d = d;
	c->fd = fd;
	c->start = start;
	c->end = end;
	c->out_base = out_base;
	c->res = res;
	c->base_done = res->captured + res->holes;
	c->md = res->md;
	while (cur < end && !r) {
		if (d->stop && *d->stop) {
			r = -EINTR;
			break;
		}
		n = fx_livesrc_runs(&d->ls, cur, end, runs,
				    FX_ARRAY_SIZE(runs), &next);
		if (n < 0) {
			r = flush(c, 0);
			if (!r)
				r = copy_hole(c, cur, end,
					      n == -ESRCH ? FX_HOLE_GONE :
							    FX_HOLE_UNREADABLE);
			if (!r)
				r = (int)n;
			break;
		}
		for (i = 0; i < n && !r; i++) {
			r = add_hole(c, cur, runs[i].start, FX_HOLE_ABSENT);
			if (r)
				break;
			if (runs[i].flags & FX_RUN_PRESENT)
				r = add_data(c, runs[i].start, runs[i].end);
			else if (runs[i].flags & FX_RUN_ZERO)
				r = add_hole(c, runs[i].start, runs[i].end,
					     FX_HOLE_ZERO);
			else
				r = not_present(c, runs[i].start, runs[i].end);
			cur = runs[i].end;
		}
		if (!r && next > cur) {
			r = add_hole(c, cur, next, FX_HOLE_ABSENT);
			cur = next;
		}
	}
	if (!r)
		r = flush(c, 1);
	r2 = ring_drain(d);
	if (!r)
		r = r2;
	d->done += res->captured + res->holes - c->base_done;
	r2 = hole_flush(d);
	if (!r)
		r = r2;
	free(c);
	return r;
}

int fx_dump_res_init(struct fx_dump_res *res)
{
	/* The digest is begun by the first copy that hashes. */
	memset(res, 0, sizeof(*res));
	return 0;
}

int fx_dump_res_rehash(struct fx_dump_res *res, int fd)
{
	size_t chunk = 4 << 20, i, n;
	unsigned char d[32];
	unsigned int dl = sizeof(d);
	uint64_t off, left;
	EVP_MD_CTX *md;
	char *buf;
	ssize_t got;
	int r = 0;

	if (res->no_hash) {
		free(res->runs);
		res->runs = NULL;
		return 0;
	}
	r = md_new(&md);
	buf = malloc(chunk);
	if (!r && !buf)
		r = -ENOMEM;
	for (i = 0; i < res->nruns && !r; i++) {
		off = res->runs[i].off;
		for (left = res->runs[i].len; left && !r; left -= (uint64_t)got,
		    off += (uint64_t)got) {
			n = left < chunk ? (size_t)left : chunk;
			got = pread(fd, buf, n, (off_t)off);
			if (got < 0 && errno == EINTR) {
				got = 0;
				continue;
			}
			if (got <= 0)
				r = got < 0 ? -errno : -EIO;
			else
				evp.EVP_DigestUpdate(md, buf, (size_t)got);
		}
	}
	if (!r) {
		evp.EVP_DigestFinal_ex(md, d, &dl);
		fx_hex(res->sha256, d, dl < 32 ? dl : 32);
	}
	if (md)
		evp.EVP_MD_CTX_free(md);
	free(buf);
	free(res->runs);
	res->runs = NULL;
	res->nruns = res->cap = 0;
	res->deferred = 0;
	return r;
}

void fx_dump_res_finish(struct fx_dump_res *res)
{
	unsigned char d[32];
	unsigned int n = sizeof(d);

	if (!res->md)
		return;
	evp.EVP_DigestFinal_ex(res->md, d, &n);
	evp.EVP_MD_CTX_free(res->md);
	res->md = NULL;
	if (res->no_hash || res->deferred) {
		res->sha256[0] = 0;	/* none, or later (rehash) */
		return;
	}
	fx_hex(res->sha256, d, n < 32 ? n : 32);
}
