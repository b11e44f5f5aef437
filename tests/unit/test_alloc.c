/*
 * alloc: the version readers and each allocator's labelling over
 * synthetic memory (alloc.h), well-formed and subtly wrong.
 */
#include "unit.h"

#include <stdint.h>

#include "alloc.h"
#include "maps.h"

#define MIB (1ull << 20)

START_TEST(test_versions)
{
	static const char je[] = "x\0" "5.3.0-0-g54eaed1d8b56b1aa528be3bdd"
				 "1877e59c56fa90c\0y";
	static const char je4[] = "\0" "4.5.0-12-g04380e79f1e2428bd0ad000bb"
				  "c6e3d2dfc6b66a5\0";
	static const char short_hash[] = "\0" "5.3.0-0-g54eaed1d8b56b1aa528"
					 "be3bdd1877e59c56fa90\0";
	static const char tc[] = "tc\0gperftools 2.10\0";
	static const char musl[] = "Version %s\n\0" "1.2.3\0";
	static const char musl_no[] = "\0" "1.2.3\0";
	char out[48];

	ck_assert_int_eq(fx_alloc_version_in(FX_ALLOC_JEMALLOC, je,
					     sizeof(je), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "5.3.0");
	ck_assert_int_eq(fx_alloc_version_in(FX_ALLOC_JEMALLOC, je4,
					     sizeof(je4), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "4.5.0-12");
	ck_assert_int_eq(fx_alloc_version_in(FX_ALLOC_JEMALLOC, short_hash,
					     sizeof(short_hash), out,
					     sizeof(out)), -ENOENT);
	ck_assert_int_eq(fx_alloc_version_in(FX_ALLOC_TCMALLOC, tc,
					     sizeof(tc), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2.10");
	ck_assert_int_eq(fx_alloc_version_in(FX_ALLOC_MUSL, musl,
					     sizeof(musl), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1.2.3");
	/* A bare "1.2.3" is no musl version without its ldd format. */
	ck_assert_int_eq(fx_alloc_version_in(FX_ALLOC_MUSL, musl_no,
					     sizeof(musl_no), out, sizeof(out)),
			 -ENOENT);
}
END_TEST

START_TEST(test_go_buildinfo)
{
	char b[64], out[48];

	memset(b, 0, sizeof(b));
	memcpy(b, "\xff Go buildinf:\x08\x02", 16);
	memcpy(b + 32, "\x08go1.21.5", 9);
	ck_assert_int_eq(fx_go_buildinfo(b, sizeof(b), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "go1.21.5");
	b[15] = 0;	/* before Go 1.18: pointers, no inline version */
	ck_assert_int_eq(fx_go_buildinfo(b, sizeof(b), out, sizeof(out)),
			 -ENOENT);
	b[15] = 2;
	b[32] = 40;	/* longer than what follows */
	ck_assert_int_eq(fx_go_buildinfo(b, 41, out, sizeof(out)), -ENOENT);
}
END_TEST

/* Memory: one page image at each of up to four addresses. */
struct img {
	uint64_t addr[4];
	uint8_t page[4][8192];
	size_t n;
};

static int img_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	struct img *im = ctx;
	size_t i;

	for (i = 0; i < im->n; i++)
		if (a >= im->addr[i] && a - im->addr[i] <= 8192 &&
		    len <= 8192 - (a - im->addr[i])) {
			memcpy(buf, im->page[i] + (a - im->addr[i]), len);
			return 0;
		}
	return -EFAULT;
}

static void put(struct img *im, size_t i, size_t off, const uint64_t *w,
		size_t nw)
{
	memcpy(im->page[i] + off, w, nw * 8);
}

/* Two regions: a 64 MiB [heap] at 0x2000000, a 64 MiB anonymous one at
 * 0x6000000; label with allocator id; out gets the bytes of each. */
static void label(struct img *im, enum fx_alloc_id id, uint64_t *out)
{
	static const char text[] =
		"2000000-6000000 rw-p 00000000 00:00 0 [heap]\n"
		"6000000-a000000 rw-p 00000000 00:00 0\n";
	struct fx_heap_src src = { img_read, im };
	struct fx_alloc_label l[2];
	unsigned char cand[2] = { 1, 1 };
	struct fx_alloc a;
	struct fx_maps m;
	struct fx_err err;

	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_parse(&m, text, sizeof(text) - 1, &err), 0);
	memset(&a, 0, sizeof(a));
	a.id = id;
	ck_assert_int_eq(fx_alloc_label(&a, &m, &src, cand, l), 0);
	out[0] = l[0].bytes;
	out[1] = l[1].bytes;
	fx_maps_release(&m);
}

START_TEST(test_label_mimalloc)
{
	static struct img im;
	uint64_t h[7] = { 3, 0, 512, 1, 0, 512, 0x2001000 }, out[2];

	memset(&im, 0, sizeof(im));
	im.n = 2;
	im.addr[0] = 0x2000000;	/* 32 MiB aligned: a segment */
	im.addr[1] = 0x6000000;
	put(&im, 0, 208, h, 1);
	put(&im, 0, 224, h + 2, 5);
	label(&im, FX_ALLOC_MIMALLOC, out);
	ck_assert_uint_eq(out[0], 32 * MIB);
	ck_assert_uint_eq(out[1], 0);
	/* A normal segment has 512 slices, never 511. */
	h[2] = 511;
	put(&im, 0, 224, h + 2, 1);
	label(&im, FX_ALLOC_MIMALLOC, out);
	ck_assert_uint_eq(out[0], 0);
}
END_TEST

START_TEST(test_label_jemalloc)
{
	static struct img im;
	/* base_block_t at 0x2000000, its free part from +0x2000 */
	uint64_t blk[5] = { 2 * MIB, 0, 0xe80afff, 0x2002000,
			    2 * MIB - 0x2000 };
	/* two edata_t: a slab, a large extent a cache line into its page */
	uint64_t e1[3] = { 0x10000a00, 0x6000000, 0x10000 | 3 };
	uint64_t e2[3] = { 0x4c0a008, 0x6100040, 0x1001000 }, out[2];

	memset(&im, 0, sizeof(im));
	im.n = 1;
	im.addr[0] = 0x2000000;
	put(&im, 0, 0, blk, 5);
	put(&im, 0, 0x100, e1, 3);
	put(&im, 0, 0x180, e2, 3);
	label(&im, FX_ALLOC_JEMALLOC, out);
	ck_assert_uint_eq(out[0], 2 * MIB);
	ck_assert_uint_eq(out[1], 0x10000 + 0x1001000);
	/* A block whose free part does not end at its end: nothing. */
	blk[4] -= 4096;
	put(&im, 0, 0, blk, 5);
	label(&im, FX_ALLOC_JEMALLOC, out);
	ck_assert_uint_eq(out[0] + out[1], 0);
}
END_TEST

START_TEST(test_label_tcmalloc)
{
	static struct img im;
	uint64_t s1[4] = { 0x6000000 >> 13, 4, 0x2000040, 0 };
	uint64_t s2[4] = { (0x6000000 >> 13) + 2, 8, 0, 0x2000000 }, out[2];
	/* a page number past the end of the mapping */
	uint64_t bad[4] = { (0xa000000 >> 13) - 1, 2, 0, 0 };

	memset(&im, 0, sizeof(im));
	im.n = 1;
	im.addr[0] = 0x2000000;
	put(&im, 0, 0, s1, 4);
	put(&im, 0, 0x40, s2, 4);
	put(&im, 0, 0x80, bad, 4);
	label(&im, FX_ALLOC_TCMALLOC, out);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[1], 10 * 8192);	/* pages 0-9, overlapping */
}
END_TEST

START_TEST(test_label_musl)
{
	static struct img im;
	uint64_t area[3] = { 0x1234567890abcdefULL, 0, 2 };
	/* struct meta: prev, next, mem, masks, last_idx 3 | sizeclass 6 */
	uint64_t m0[5] = { 0x2000018, 0x2000018, 0x2001000, 0, 3 | 6 << 6 };
	/* an mmapped group (maplen 2 pages) whose first word is not its
	 * meta: not believed */
	uint64_t m1[5] = { 0, 0, 0x6000000, 0, 1 << 12 | 2ull << 12 };
	uint64_t back = 0x2000018, out[2];

	memset(&im, 0, sizeof(im));
	im.n = 2;
	im.addr[0] = 0x2000000;
	im.addr[1] = 0x6000000;
	put(&im, 0, 0, area, 3);
	put(&im, 0, 24, m0, 5);
	put(&im, 0, 64, m1, 5);
	put(&im, 0, 0x1000, &back, 1);
	label(&im, FX_ALLOC_MUSL_NG, out);
	/* the meta area's page, and the group: 16 * 7 * 4 + 16 bytes */
	ck_assert_uint_eq(out[0], 4096 + 16 * 7 * 4 + 16);
	ck_assert_uint_eq(out[1], 0);
}
END_TEST

START_TEST(test_walkable)
{
	struct fx_alloc a;
	char msg[200];

	memset(&a, 0, sizeof(a));
	a.id = FX_ALLOC_GLIBC;
	ck_assert_int_eq(fx_alloc_walkable(&a), 1);
	a.id = FX_ALLOC_JEMALLOC;
	fx_alloc_set_version(&a, "5.3.0");
	ck_assert_int_eq(fx_alloc_walkable(&a), 0);
	fx_alloc_unwalkable(&a, msg, sizeof(msg));
	ck_assert_str_eq(msg, "jemalloc 5.3.0: its heap cannot be walked "
			 "from outside; regions are labelled, counts are "
			 "not available");
	a.id = FX_ALLOC_GO;
	fx_alloc_set_version(&a, "go1.21.5");
	fx_alloc_unwalkable(&a, msg, sizeof(msg));
	ck_assert_str_eq(msg, "Go runtime go1.21.5: its heap cannot be "
			 "walked from outside; its regions are not labelled "
			 "either, counts are not available");
}
END_TEST

static Suite *alloc_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("alloc");

	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_go_buildinfo);
	tcase_add_test(tc, test_label_mimalloc);
	tcase_add_test(tc, test_label_jemalloc);
	tcase_add_test(tc, test_label_tcmalloc);
	tcase_add_test(tc, test_label_musl);
	tcase_add_test(tc, test_walkable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(alloc_suite());
}
