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
#include "maps.h"
#include "proc.h"

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

/* A piece of a batch to hash, in address order. */
struct hseg {
	const char *p;
	size_t n;
};

/* The hashing thread: one job per batch buffer, done in order. */
struct fx_hasher {
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int quit, next;
	struct {
		struct hseg *seg;
		size_t n, cap;
		void *md;
		int pending;
	} job[2];
};

static void *hash_main(void *arg)
{
	struct fx_hasher *h = arg;
	size_t i;
	int j;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		j = h->next;
		while (!h->job[j].pending && !h->quit)
			pthread_cond_wait(&h->cv, &h->mu);
		if (!h->job[j].pending)
			break;
		pthread_mutex_unlock(&h->mu);
		for (i = 0; i < h->job[j].n; i++)
			EVP_DigestUpdate(h->job[j].md, h->job[j].seg[i].p,
					 h->job[j].seg[i].n);
		pthread_mutex_lock(&h->mu);
		h->job[j].n = 0;
		h->job[j].pending = 0;
		h->next = !j;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static struct fx_hasher *hasher_new(void)
{
	struct fx_hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (pthread_create(&h->t, NULL, hash_main, h)) {
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
		free(h);
		return NULL;
	}
	return h;
}

static void hasher_free(struct fx_hasher *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->quit = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->t, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h->job[0].seg);
	free(h->job[1].seg);
	free(h);
}

/* Wait until buffer b's job is hashed. */
static void hasher_wait(struct fx_hasher *h, int b)
{
	pthread_mutex_lock(&h->mu);
	while (h->job[b].pending)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

/* Hash p (in the current buffer) now, or queue it for the thread. */
static int hash_add(struct fx_dumper *d, void *md, const char *p, size_t n)
{
	struct fx_hasher *h = d->hasher;
	struct hseg *ns;
	size_t cap;
	int b = d->cur;

	if (!h) {
		EVP_DigestUpdate(md, p, n);
		return 0;
	}
	if (h->job[b].n == h->job[b].cap) {
		cap = h->job[b].cap ? h->job[b].cap * 2 : 64;
		ns = realloc(h->job[b].seg, cap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		h->job[b].seg = ns;
		h->job[b].cap = cap;
	}
	h->job[b].md = md;
	h->job[b].seg[h->job[b].n++] = (struct hseg){ p, n };
	return 0;
}

/* The current buffer is written: hand it to the hasher, take the other. */
static void buffer_switch(struct fx_dumper *d)
{
	struct fx_hasher *h = d->hasher;

	if (!h || !h->job[d->cur].n)
		return;
	pthread_mutex_lock(&h->mu);
	h->job[d->cur].pending = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	d->cur = !d->cur;
	d->buf = d->bufs[d->cur];
	hasher_wait(h, d->cur);
}

/* Every queued byte hashed (before the digest is read). */
static void hasher_drain(struct fx_dumper *d)
{
	if (d->hasher) {
		hasher_wait(d->hasher, 0);
		hasher_wait(d->hasher, 1);
	}
}

/*
 * A batch buffer: 2 MiB aligned and in transparent huge pages where the
 * kernel allows (THP "madvise" mode included), so that copying into it
 * and out of it misses the TLB 512 times less. Its bytes are the
 * target's secrets: never in a core of ours (MADV_DONTDUMP), and wiped
 * before they are given back.
 */
static char *batch_alloc(void)
{
	void *p;

	p = mmap(NULL, FX_DUMP_BATCH, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, FX_DUMP_BATCH, MADV_HUGEPAGE);
	madvise(p, FX_DUMP_BATCH, MADV_DONTDUMP);
	return p;
}

static void batch_free(char *p)
{
	if (!p)
		return;
	explicit_bzero(p, FX_DUMP_BATCH);
	munmap(p, FX_DUMP_BATCH);
}

int fx_dumper_init(struct fx_dumper *d, struct fx_proc *p, int use_scan,
		   volatile sig_atomic_t *stop)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->mem.memfd = -1;
	d->pm.fd = -1;
	d->stop = stop;
	r = fx_mem_open(&d->mem, p);
	if (r)
		return r;
	r = fx_pagemap_init(&d->pm, p, use_scan);
	if (r) {
		fx_mem_release(&d->mem);
		return r;
	}
	d->bufs[0] = batch_alloc();
	d->bufs[1] = batch_alloc();
	d->buf = d->bufs[0];
	d->seg = calloc(FX_DUMP_IOV, sizeof(*d->seg));
	if (!d->bufs[0] || !d->bufs[1] || !d->seg) {
		fx_dumper_release(d);
		return -ENOMEM;
	}
	d->hasher = hasher_new();	/* NULL: hashed inline, slower */
	return 0;
}

void fx_dumper_release(struct fx_dumper *d)
{
	hasher_free(d->hasher);
	d->hasher = NULL;
	fx_mem_release(&d->mem);
	fx_pagemap_release(&d->pm);
	batch_free(d->bufs[0]);
	batch_free(d->bufs[1]);
	free(d->seg);
	d->buf = d->bufs[0] = d->bufs[1] = NULL;
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

/* Bytes of the batch at addr were read: write and hash them. */
static int keep(struct copy *c, const struct item *it, uint64_t len)
{
	const char *p = c->d->buf + it->off;
	int r;

	if (!len)
		return 0;
	r = fx_pwrite_all(c->fd, p, len, c->out_base + (it->addr - c->start));
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
	got = fx_mem_readv(&d->mem, d->seg, n, &why);
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

/* Read, write and report everything pending, in address order. */
static int flush(struct copy *c)
{
	size_t i = 0, j;
	int r = 0;

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
	c->nit = c->ndata = c->used = 0;
	buffer_switch(c->d);
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
		r = flush(c);
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
			r = flush(c);
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

/* Is any swap area configured? (/proc/swaps: a header line, then one line
 * per area.) Asked once. */
static int have_swap(void)
{
	static int known = -1;
	char buf[256];
	ssize_t n;
	int fd;

	if (known >= 0)
		return known;
	known = 1;	/* when in doubt, never read a "swapped" page */
	fd = open("/proc/swaps", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n >= 0) {
			buf[n] = 0;
			known = strchr(buf, '\n') && strchr(buf, '\n')[1];
		}
		close(fd);
	}
	return known;
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

	if (have_swap())
		return add_hole(c, s, e, FX_HOLE_SWAPPED);
	for (tries = 0; tries < 5 && s < e; tries++) {
		nanosleep(&nap, NULL);
		cur = s;
		n = fx_pagemap_runs(&c->d->pm, s, e, runs, FX_ARRAY_SIZE(runs),
				    &next);
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
	uint64_t cur = start, next;
	long n, i;
	int r = 0, r2;

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
		n = fx_pagemap_runs(&d->pm, cur, end, runs,
				    FX_ARRAY_SIZE(runs), &next);
		if (n < 0) {
			r = flush(c);
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
		r = flush(c);
	hasher_drain(d);
	d->done += res->captured + res->holes - c->base_done;
	r2 = hole_flush(d);
	if (!r)
		r = r2;
	free(c);
	return r;
}

int fx_dump_res_init(struct fx_dump_res *res)
{
	memset(res, 0, sizeof(*res));
	res->md = EVP_MD_CTX_new();
	if (!res->md || !EVP_DigestInit_ex(res->md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(res->md);
		res->md = NULL;
		return -ENOMEM;
	}
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
	md = EVP_MD_CTX_new();
	buf = malloc(chunk);
	if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
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
				EVP_DigestUpdate(md, buf, (size_t)got);
		}
	}
	if (!r) {
		EVP_DigestFinal_ex(md, d, &dl);
		fx_hex(res->sha256, d, dl < 32 ? dl : 32);
	}
	EVP_MD_CTX_free(md);
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
	EVP_DigestFinal_ex(res->md, d, &n);
	EVP_MD_CTX_free(res->md);
	res->md = NULL;
	if (res->no_hash || res->deferred) {
		res->sha256[0] = 0;	/* none, or later (rehash) */
		return;
	}
	fx_hex(res->sha256, d, n < 32 ? n : 32);
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
