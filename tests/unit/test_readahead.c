/*
 * test_readahead: the read-ahead thread (readahead.h) over a fake source
 * of known bytes (each byte a function of its address), some pages of it
 * unreadable, a read made slow now and then. A walker that moves forward
 * through the ranges, jumps ahead, leaves a range half walked or stops
 * early gets the right bytes from every chunk it is handed, NULL where a
 * chunk could not be read (or its read would run past the range) and
 * never a chunk of another range; the source is never read by two
 * threads at once; nothing hangs when the walker stops early.
 */
#include <pthread.h>
#include <time.h>

#include "readahead.h"
#include "unit.h"

#define BASE 0x7f0000000000ULL
#define SIZE (6u << 20)

/* The fake source: what it holds, what fails, and how it was read. */
struct fake {
	uint64_t bad[4];	/* unreadable pages (addresses), 0 none */
	int inside;		/* reads in progress (must stay <= 1) */
	int overlap;		/* a second read began during one */
	unsigned reads;
	uint64_t bytes;
};

static unsigned char byte_at(uint64_t a)
{
	return (unsigned char)((a >> 3) * 131 + (a >> 13));
}

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = ctx;
	unsigned char *out = buf;
	struct timespec ts = { 0, 200000 };
	size_t i;
	int j, r = 0;

	if (__atomic_add_fetch(&f->inside, 1, __ATOMIC_SEQ_CST) > 1)
		f->overlap = 1;
	f->reads++;
	f->bytes += len;
	if (f->reads % 7 == 0)
		nanosleep(&ts, NULL);	/* the reader falls behind */
	if (addr < BASE || addr + len > BASE + SIZE)
		r = -EFAULT;
	for (j = 0; j < 4 && !r; j++)
		if (f->bad[j] && f->bad[j] < addr + len &&
		    f->bad[j] + 4096 > addr)
			r = -EFAULT;
	for (i = 0; i < len && !r; i++)
		out[i] = byte_at(addr + i);
	__atomic_sub_fetch(&f->inside, 1, __ATOMIC_SEQ_CST);
	return r;
}

/* Is [a, a + len) held right by the chunk p (from lo, n bytes)? */
static void check_chunk(const unsigned char *p, uint64_t lo, size_t n,
			uint64_t a, size_t len, const struct fx_ra_range *r)
{
	size_t i;
	int ok;

	/* One assertion per chunk handed out: Check's are slow. */
	ok = p && lo <= a && a + len <= lo + n && lo >= r->lo &&
	     lo + n <= r->hi && n <= FX_RA_CHUNK + FX_RA_TAIL;
	for (i = 0; i < len && ok; i++)
		ok = p[a - lo + i] == byte_at(a + i);
	if (!ok)
		ck_abort_msg("at 0x%llx (%zu bytes): chunk 0x%llx, %zu bytes, "
			     "wrong", (unsigned long long)a, len,
			     (unsigned long long)lo, n);
}

/*
 * Walk range i from a to its end in steps of step bytes, wanting len at
 * each; how many were handed out (the others: NULL).
 */
static size_t walk(struct fx_readahead *ra, const struct fx_ra_range *r,
		   size_t i, uint64_t a, size_t step, size_t len)
{
	const unsigned char *p;
	uint64_t lo;
	size_t n, got = 0;

	for (; a + len <= r[i].hi; a += step) {
		p = fx_ra_get(ra, i, a, len, &lo, &n);
		if (!p)
			continue;
		check_chunk(p, lo, n, a, len, &r[i]);
		got++;
	}
	return got;
}

START_TEST(test_forward)
{
	struct fake f = { { 0 }, 0, 0, 0, 0 };
	struct fx_heap_src src = { fake_read, &f };
	const struct fx_ra_range r[] = {
		{ BASE, BASE + (3u << 19) + 4096 },	/* 1.5 MiB and a page */
		{ BASE + 4096, BASE + 4096 },		/* empty */
		{ BASE + (2u << 20), BASE + (2u << 20) + 104 },
		{ BASE + (3u << 20) + 8, BASE + (4u << 20) },
	};
	size_t steps = ((3u << 19) + 4096 - 16) / 40 + 1;
	struct fx_readahead *ra = fx_ra_new(&src, r, 4);
	uint64_t lo;
	size_t n;

	ck_assert_ptr_nonnull(ra);
	ck_assert_uint_eq(walk(ra, r, 0, BASE, 40, 16), steps);
	ck_assert_uint_eq(walk(ra, r, 2, r[2].lo, 8, 16), (104 - 16) / 8 + 1);
	/* Past a range's end: not from the read-ahead. */
	ck_assert_ptr_null(fx_ra_get(ra, 2, r[2].hi - 8, 16, &lo, &n));
	ck_assert_uint_eq(walk(ra, r, 3, r[3].lo, 4096, 4096),
			  ((1u << 20) - 8) / 4096);
	fx_ra_free(ra);
	ck_assert_int_eq(f.overlap, 0);
	/* Every byte read once, tails aside. */
	ck_assert_uint_le(f.bytes, (3u << 19) + 4096 + 104 + (1u << 20) +
					   16 * FX_RA_TAIL);
}
END_TEST

START_TEST(test_bad_pages)
{
	struct fake f = { { BASE + (600u << 10), BASE + (1u << 20) }, 0, 0,
			  0, 0 };
	struct fx_heap_src src = { fake_read, &f };
	const struct fx_ra_range r[] = { { BASE, BASE + (2u << 20) } };
	struct fx_readahead *ra = fx_ra_new(&src, r, 1);
	const unsigned char *p;
	uint64_t lo, a;
	size_t n;

	ck_assert_ptr_nonnull(ra);
	for (a = BASE; a + 16 <= r[0].hi; a += 24) {
		p = fx_ra_get(ra, 0, a, 16, &lo, &n);
		/* The chunk holding a bad page, and the one whose tail
		 * does, cannot be read whole: the walker reads those. */
		if (a >= BASE + (512u << 10) && a < BASE + (768u << 10))
			ck_assert_ptr_null(p);
		else if (a >= BASE + (768u << 10) && a < BASE + (1u << 20) +
								  (256u << 10))
			ck_assert_ptr_null(p);
		else
			check_chunk(p, lo, n, a, 16, &r[0]);
	}
	fx_ra_free(ra);
	ck_assert_int_eq(f.overlap, 0);
}
END_TEST

START_TEST(test_jumps)
{
	struct fake f = { { 0 }, 0, 0, 0, 0 };
	struct fx_heap_src src = { fake_read, &f };
	const struct fx_ra_range r[] = {
		{ BASE, BASE + (4u << 20) },
		{ BASE + (5u << 20), BASE + (6u << 20) },
	};
	struct fx_readahead *ra = fx_ra_new(&src, r, 2);
	const unsigned char *p;
	uint64_t lo;
	size_t n;

	ck_assert_ptr_nonnull(ra);
	ck_assert_uint_eq(walk(ra, r, 0, BASE, 48, 16),
			  ((4u << 20) - 16) / 48 + 1);
	fx_ra_free(ra);
	ra = fx_ra_new(&src, r, 2);
	ck_assert_ptr_nonnull(ra);
	/* A big object jumped over, then range 0 left half walked. */
	p = fx_ra_get(ra, 0, BASE + 8, 16, &lo, &n);
	check_chunk(p, lo, n, BASE + 8, 16, &r[0]);
	p = fx_ra_get(ra, 0, BASE + (3u << 20) + 4100, 16, &lo, &n);
	check_chunk(p, lo, n, BASE + (3u << 20) + 4100, 16, &r[0]);
	p = fx_ra_get(ra, 1, r[1].lo + 100, 16, &lo, &n);
	check_chunk(p, lo, n, r[1].lo + 100, 16, &r[1]);
	/* Back to a range left: not served (the walker reads that). */
	ck_assert_ptr_null(fx_ra_get(ra, 0, BASE + 64, 16, &lo, &n));
	/* A range that is not in the list. */
	ck_assert_ptr_null(fx_ra_get(ra, 7, BASE, 16, &lo, &n));
	fx_ra_free(ra);
	ck_assert_int_eq(f.overlap, 0);
}
END_TEST

START_TEST(test_stop_early)
{
	struct fake f = { { 0 }, 0, 0, 0, 0 };
	struct fx_heap_src src = { fake_read, &f };
	const struct fx_ra_range r[] = { { BASE, BASE + SIZE } };
	struct fx_readahead *ra;
	const unsigned char *p;
	uint64_t lo;
	size_t n;
	int i;

	/* Freed at once, after one chunk, and the read lock in between. */
	for (i = 0; i < 20; i++) {
		ra = fx_ra_new(&src, r, 1);
		ck_assert_ptr_nonnull(ra);
		if (i % 2) {
			p = fx_ra_get(ra, 0, BASE + 4096 * i, 8, &lo, &n);
			check_chunk(p, lo, n, BASE + 4096 * i, 8, &r[0]);
			fx_ra_lock(ra);
			fx_ra_unlock(ra);
		}
		fx_ra_free(ra);
	}
	/* The thread reads at most the few chunks it may hold ahead. */
	ck_assert_uint_le(f.reads, 20 * (FX_RA_SLOTS + 1));
	fx_ra_free(NULL);
	ck_assert_int_eq(f.overlap, 0);
}
END_TEST

UNIT_MAIN("readahead", test_forward, test_bad_pages, test_jumps,
	  test_stop_early)
