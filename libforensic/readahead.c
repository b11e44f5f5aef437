/*
 * readahead: a thread reading ranges ahead of a walker (see readahead.h).
 *
 * The slots form a queue in the ranges' order: head is the oldest, the
 * chunk the walker reads from (or the next it will), head + used - 1 the
 * newest. The thread, or the walker when the queue is empty, takes the
 * next chunk (claim) and reads it with no lock but the read lock held;
 * the walker drops the chunks it has passed (fx_ra_get), which lets the
 * thread go on.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "readahead.h"

#define RA_PAGE 4096u

enum { S_FREE, S_READING, S_READY, S_FAILED };

struct ra_slot {
	int state;
	size_t range;
	uint64_t lo;
	size_t len;	/* the chunk: [lo, lo + len) */
	size_t n;	/* read: len and the tail */
	unsigned char *buf;
};

struct fx_readahead {
	struct fx_heap_src *src;
	struct fx_ra_range *r;
	size_t nr;
	pthread_mutex_t io;	/* every read through src */
	pthread_mutex_t mu;	/* what follows */
	pthread_cond_t cv;
	pthread_t th;
	int have_th, quit;
	size_t cr;		/* the next chunk: range cr, from ca */
	uint64_t ca;
	size_t wr;		/* the walker: range wr, at wa */
	uint64_t wa;
	struct ra_slot s[FX_RA_SLOTS];
	size_t head, used;
	unsigned char *mem;
	size_t memlen;
};

/* Is the chunk of range i at [lo, lo + len) behind the walker? */
static int behind(const struct fx_readahead *ra, size_t i, uint64_t lo,
		  size_t len)
{
	return i < ra->wr || (i == ra->wr && lo + len <= ra->wa);
}

/*
 * The next chunk not behind the walker, into the slot after the newest
 * (there must be a free one), marked S_READING: the slot, or NULL when
 * every chunk was taken. Locked.
 */
static struct ra_slot *claim(struct fx_readahead *ra)
{
	const struct fx_ra_range *r;
	struct ra_slot *s;
	uint64_t len, skip;

	if (ra->cr < ra->wr) {
		ra->cr = ra->wr;
		ra->ca = 0;
	}
	for (; ra->cr < ra->nr; ra->cr++, ra->ca = 0) {
		r = &ra->r[ra->cr];
		if (ra->ca < r->lo)
			ra->ca = r->lo;
		/* The walker is further on in this range: from its page. */
		if (ra->cr == ra->wr && ra->wa > ra->ca) {
			skip = (ra->wa - ra->ca) & ~(uint64_t)(RA_PAGE - 1);
			ra->ca += skip;
		}
		if (ra->ca >= r->hi)
			continue;
		len = r->hi - ra->ca < FX_RA_CHUNK ? r->hi - ra->ca :
						     FX_RA_CHUNK;
		s = &ra->s[(ra->head + ra->used) % FX_RA_SLOTS];
		s->state = S_READING;
		s->range = ra->cr;
		s->lo = ra->ca;
		s->len = (size_t)len;
		s->n = (size_t)(r->hi - ra->ca < len + FX_RA_TAIL ?
					r->hi - ra->ca :
					len + FX_RA_TAIL);
		ra->used++;
		ra->ca += len;
		return s;
	}
	return NULL;
}

/* Read slot s's chunk (claimed): entered and left locked. */
static void fill(struct fx_readahead *ra, struct ra_slot *s)
{
	int r;

	pthread_mutex_unlock(&ra->mu);
	pthread_mutex_lock(&ra->io);
	r = ra->src->read(ra->src->ctx, s->lo, s->buf, s->n);
	pthread_mutex_unlock(&ra->io);
	pthread_mutex_lock(&ra->mu);
	s->state = r ? S_FAILED : S_READY;
	pthread_cond_broadcast(&ra->cv);
}

static void *reader_main(void *arg)
{
	struct fx_readahead *ra = arg;
	struct ra_slot *s;

	pthread_mutex_lock(&ra->mu);
	while (!ra->quit) {
		if (ra->used == FX_RA_SLOTS) {
			pthread_cond_wait(&ra->cv, &ra->mu);
			continue;
		}
		s = claim(ra);
		if (!s)
			break;
		fill(ra, s);
	}
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

struct fx_readahead *fx_ra_new(struct fx_heap_src *src,
			       const struct fx_ra_range *r, size_t n)
{
	struct fx_readahead *ra = calloc(1, sizeof(*ra));
	size_t i, one = FX_RA_CHUNK + FX_RA_TAIL;
	int e;

	if (!ra)
		return NULL;
	ra->src = src;
	ra->nr = n;
	ra->r = malloc((n ? n : 1) * sizeof(*r));
	ra->memlen = (size_t)FX_RA_SLOTS * one;
	ra->mem = malloc(ra->memlen);
	if (!ra->r || !ra->mem) {
		free(ra->r);
		free(ra->mem);
		free(ra);
		errno = ENOMEM;
		return NULL;
	}
	if (n)
		memcpy(ra->r, r, n * sizeof(*r));
	for (i = 0; i < FX_RA_SLOTS; i++)
		ra->s[i].buf = ra->mem + i * one;
	pthread_mutex_init(&ra->io, NULL);
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->cv, NULL);
	e = fx_thread_start(&ra->th, reader_main, ra);
	if (e) {
		ra->have_th = 0;
		fx_ra_free(ra);
		errno = -e;
		return NULL;
	}
	ra->have_th = 1;
	return ra;
}

void fx_ra_free(struct fx_readahead *ra)
{
	if (!ra)
		return;
	fx_thread_quit(&ra->mu, &ra->cv, &ra->quit);
	if (ra->have_th)
		pthread_join(ra->th, NULL);
	pthread_mutex_destroy(&ra->io);
	pthread_mutex_destroy(&ra->mu);
	pthread_cond_destroy(&ra->cv);
	explicit_bzero(ra->mem, ra->memlen);
	free(ra->mem);
	free(ra->r);
	free(ra);
}

const unsigned char *fx_ra_get(struct fx_readahead *ra, size_t i, uint64_t a,
			       size_t len, uint64_t *lo, size_t *n)
{
	const unsigned char *p = NULL;
	struct ra_slot *s;

	pthread_mutex_lock(&ra->mu);
	if (i > ra->wr || (i == ra->wr && a > ra->wa)) {
		ra->wr = i;
		ra->wa = a;
	}
	for (;;) {
		/* Drop the chunks passed (none is being read into). */
		while (ra->used) {
			s = &ra->s[ra->head];
			if (s->state == S_READING ||
			    !behind(ra, s->range, s->lo, s->len))
				break;
			s->state = S_FREE;
			ra->head = (ra->head + 1) % FX_RA_SLOTS;
			ra->used--;
			pthread_cond_broadcast(&ra->cv);
		}
		if (ra->used) {
			s = &ra->s[ra->head];
			if (s->state == S_READING) {
				pthread_cond_wait(&ra->cv, &ra->mu);
				continue;
			}
			if (s->state == S_READY && s->range == i &&
			    s->lo <= a && a + len <= s->lo + s->n) {
				*lo = s->lo;
				*n = s->n;
				p = s->buf;
			}
			break;
		}
		/* Nothing taken: the thread is behind (or not running);
		 * read the next chunk here rather than wait. */
		s = claim(ra);
		if (!s)
			break;
		fill(ra, s);
	}
	pthread_mutex_unlock(&ra->mu);
	return p;
}

void fx_ra_lock(struct fx_readahead *ra)
{
	pthread_mutex_lock(&ra->io);
}

void fx_ra_unlock(struct fx_readahead *ra)
{
	pthread_mutex_unlock(&ra->io);
}
