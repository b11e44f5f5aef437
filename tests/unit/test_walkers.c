/*
 * The walkers of other allocators over the images that
 * corpus/gen-walker-seeds.py writes (fuzz/seeds/mallocng/,
 * fuzz/seeds/pymalloc/): musl mallocng (mallocng.h) and CPython's
 * pymalloc (pymalloc.h), their counts exact, their corruption said.
 */
#include <stdint.h>

#include "unit.h"
#include "mallocng.h"
#include "pymalloc.h"

#define IMG 0x100000ull

struct img {
	const unsigned char *p;
	size_t len;
};

/* The image at IMG, zeros to its last page's end; -EFAULT elsewhere. */
static int img_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	const struct img *m = ctx;
	uint64_t span = (m->len + 4095) & ~4095ull, o = a - IMG;

	if (a < IMG || o > span || len > span - o)
		return -EFAULT;
	memset(buf, 0, len);
	if (o < m->len)
		memcpy(buf, m->p + o, len < m->len - o ? len : m->len - o);
	return 0;
}

static void maps_of(struct fx_maps *m, const char *text)
{
	struct fx_err err = { 0 };

	fx_maps_init(m);
	ck_assert_int_eq(fx_maps_parse(m, text, strlen(text), &err), 0);
}

/* Walk seed name as fuzz_mallocng maps it (libc data, then anon). */
static void mng_walk(const char *name, struct fx_mallocng *mg,
		     struct fx_buf *b)
{
	struct img im;
	struct fx_heap_src src = { img_read, &im };
	struct fx_maps m;
	char text[256];
	uint64_t span, half;

	fx_buf_init(b);
	unit_load(name, b);
	im = (struct img){ (const unsigned char *)b->data, b->len };
	span = (b->len + 4095) & ~4095ull;
	half = (span / 2) & ~4095ull;
	snprintf(text, sizeof(text),
		 "%llx-%llx rw-p 000ab000 08:01 77  /lib/ld-musl-x86_64.so.1\n"
		 "%llx-%llx rw-p 00000000 00:00 0\n", IMG, IMG + half,
		 IMG + half, IMG + span);
	maps_of(&m, text);
	fx_mallocng_init(mg);
	ck_assert_int_eq(fx_mallocng_walk(mg, &m, &src), 0);
	fx_maps_release(&m);
}

static const struct fx_chunk_hist *hist_of(const struct fx_chunk_hist *h,
					   size_t n, uint64_t size,
					   uint32_t type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (h[i].size == size && h[i].type == type)
			return &h[i];
	ck_abort_msg("no line for size %llu type %u", (unsigned long long)size,
		     type);
	return NULL;
}

START_TEST(mallocng_walk)
{
	struct fx_mallocng mg;
	const struct fx_chunk_hist *e;
	struct fx_buf b;

	mng_walk("../fuzz/seeds/mallocng/walk", &mg, &b);
	ck_assert_uint_eq(mg.ctx, IMG + 0x100);
	ck_assert_uint_eq(mg.nbad, 0);
	ck_assert_uint_eq(mg.groups, 3);
	ck_assert_uint_eq(mg.nested, 1);
	/* 30 slots of 112: 10 never handed out, 2 freed, one holding the
	 * nested group of 32-byte slots, 17 in use. */
	e = hist_of(mg.hist, mg.nhist, 112, 0);
	ck_assert_uint_eq(e->inuse, 17);
	ck_assert_uint_eq(e->free, 12);
	ck_assert_uint_eq(e->inuse_bytes, 17 * 112);
	ck_assert_uint_eq(hist_of(mg.hist, mg.nhist, 112, 1)->inuse, 1);
	e = hist_of(mg.hist, mg.nhist, 32, 0);
	ck_assert_uint_eq(e->inuse, 4);
	ck_assert_uint_eq(e->free, 1);
	/* The mmapped allocation: 2 pages less the group header. */
	ck_assert_uint_eq(hist_of(mg.hist, mg.nhist, 8176, 0)->inuse, 1);
	ck_assert_uint_eq(mg.nspans, 3);
	ck_assert_uint_eq(mg.spans[0].start, IMG + 0x1000);
	ck_assert_int_eq(mg.spans[0].meta, 1);
	ck_assert_uint_eq(mg.spans[1].start, IMG + 0x2000);
	ck_assert_uint_eq(mg.spans[1].end, IMG + 0x4000);
	fx_mallocng_release(&mg);
	fx_buf_release(&b);
}
END_TEST

START_TEST(mallocng_corrupt)
{
	static const struct {
		const char *seed, *why;
		uint64_t addr;
	} t[] = {
		{ "area-loop", "meta area list loops", IMG + 0x1000 },
		{ "bad-backpointer", "group does not point back to meta",
		  IMG + 0x2000 },
		{ "bad-mask", "meta masks name slots past last_idx",
		  IMG + 0x1018 },
	};
	struct fx_mallocng mg;
	struct fx_buf b;
	char name[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "../fuzz/seeds/mallocng/%s",
			 t[i].seed);
		mng_walk(name, &mg, &b);
		ck_assert_uint_eq(mg.nbad, 1);
		ck_assert_str_eq(mg.bad[0].why, t[i].why);
		ck_assert_uint_eq(mg.bad[0].addr, t[i].addr);
		/* No group counted twice, the broken one not at all. */
		ck_assert_uint_le(mg.groups, 3);
		fx_mallocng_release(&mg);
		fx_buf_release(&b);
	}
}
END_TEST

/* A pool header: count, freeblock, arenaindex, szidx, nextoffset,
 * maxnextoffset. */
static void header(unsigned char *h, uint32_t count, uint64_t fb,
		   uint32_t szidx, uint32_t next, uint32_t maxnext)
{
	memset(h, 0, 48);
	memcpy(h, &count, 4);
	memcpy(h + 8, &fb, 8);
	memcpy(h + 36, &szidx, 4);
	memcpy(h + 40, &next, 4);
	memcpy(h + 44, &maxnext, 4);
}

START_TEST(pymalloc_pool)
{
	unsigned char h[48];
	unsigned sz, in, fr;
	uint64_t a = 0x7f0000004000ull;

	/* 112-byte blocks, 12 handed out, 10 in use. */
	header(h, 10, a + 48 + 112 * 3, 6, 48 + 112 * 12, 16384 - 112);
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 16384, &sz, &in, &fr), 1);
	ck_assert_uint_eq(sz, 112);
	ck_assert_uint_eq(in, 10);
	ck_assert_uint_eq(fr, (16384 - 48) / 112 - 10);
	/* The same header read as a 4 KiB pool: maxnextoffset disagrees. */
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 4096, &sz, &in, &fr), 0);
	/* A freeblock outside the pool, or between blocks. */
	header(h, 10, a + 16384, 6, 48 + 112 * 12, 16384 - 112);
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 16384, &sz, &in, &fr), 0);
	header(h, 10, a + 50, 6, 48 + 112 * 12, 16384 - 112);
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 16384, &sz, &in, &fr), 0);
	/* More in use than handed out; a size class past 31. */
	header(h, 13, a + 48, 6, 48 + 112 * 12, 16384 - 112);
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 16384, &sz, &in, &fr), 0);
	header(h, 1, a + 48, 32, 48 + 528 * 2, 16384 - 528);
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 16384, &sz, &in, &fr), 0);
	/* Full: no freeblock, every block carved and in use. */
	header(h, 1021, 0, 0, 48 + 16 * 1021, 16384 - 16);
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 16384, &sz, &in, &fr), 1);
	ck_assert_uint_eq(fr, 0);
	/* No freeblock yet blocks left: not a pool. */
	header(h, 1000, 0, 0, 48 + 16 * 1021, 16384 - 16);
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 16384, &sz, &in, &fr), 0);
	/* Zeros (a page never used). */
	memset(h, 0, sizeof(h));
	ck_assert_int_eq(fx_pymalloc_pool(h, a, 16384, &sz, &in, &fr), 0);
}
END_TEST

START_TEST(pymalloc_walk)
{
	struct fx_pymalloc pm;
	struct img im;
	struct fx_heap_src src = { img_read, &im };
	struct fx_maps m;
	struct fx_buf b;
	char text[256];

	fx_buf_init(&b);
	unit_load("../fuzz/seeds/pymalloc/py311", &b);
	/* The seed's first byte is fuzz_pymalloc's version byte. */
	im = (struct img){ (const unsigned char *)b.data + 1, b.len - 1 };
	snprintf(text, sizeof(text),
		 "400000-401000 r-xp 00000000 08:01 99  /usr/bin/python3.11\n"
		 "%llx-%llx rw-p 00000000 00:00 0\n", IMG, IMG + 0x100000);
	maps_of(&m, text);
	fx_pymalloc_init(&pm);
	ck_assert_int_eq(fx_pymalloc_walk(&pm, &m, &src), 0);
	ck_assert_int_eq(pm.minor, 11);
	ck_assert_uint_eq(pm.pool_size, 16384);
	ck_assert_uint_eq(pm.narenas, 1);
	ck_assert_uint_eq(pm.pools, 3);
	ck_assert_uint_eq(pm.empty_pools, 1);
	ck_assert_uint_eq(hist_of(pm.hist, pm.nhist, 16, 0)->inuse, 1021);
	ck_assert_uint_eq(hist_of(pm.hist, pm.nhist, 112, 0)->inuse, 10);
	ck_assert_uint_eq(hist_of(pm.hist, pm.nhist, 112, 0)->free, 135);
	ck_assert_ptr_nonnull(strstr(pm.note, "cannot be named"));
	fx_pymalloc_release(&pm);
	fx_maps_release(&m);
	fx_buf_release(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("walkers");
	TCase *tc = tcase_create("walkers");

	tcase_add_test(tc, mallocng_walk);
	tcase_add_test(tc, mallocng_corrupt);
	tcase_add_test(tc, pymalloc_pool);
	tcase_add_test(tc, pymalloc_walk);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
