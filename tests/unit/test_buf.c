/*
 * test_buf: fx_map_huge gives aligned, writable memory of the length
 * asked, given back whole by munmap(p, len); fx_buddy_huge reads
 * /proc/buddyinfo's text (orders 9 and up, in 2 MiB) and survives hostile
 * text.
 */
#include <stdint.h>

#include "internal.h"
#include "unit.h"

START_TEST(test_map_huge)
{
	size_t len = 2 * FX_HUGE, i;
	unsigned char *p = fx_map_huge(len);
	unsigned char vec;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % FX_HUGE, 0);
	for (i = 0; i < len; i += 4096)
		p[i] = (unsigned char)i;
	ck_assert_uint_eq(p[len - 4096], (unsigned char)(len - 4096));
	ck_assert_int_eq(munmap(p, len), 0);
	/* Given back whole: no page of it is mapped any more. */
	for (i = 0; i < len; i += FX_HUGE / 2)
		ck_assert_int_eq(mincore(p + i, 4096, &vec), -1);
}
END_TEST

START_TEST(test_buddy)
{
	/* Orders 0..10: order 9 counts 1, order 10 counts 2. */
	ck_assert_uint_eq(fx_buddy_huge(
		"Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n"
		"Node 0, zone    DMA32    209    321    270    204    125     94     54     34     30     24    718 \n"
		"Node 0, zone   Normal  34665  36438  35453  22105  15682   7458   3253   1666    872    605   2586 \n"),
		1 + 6 + 24 + 1436 + 605 + 5172);
	ck_assert_uint_eq(fx_buddy_huge(""), 0);
	ck_assert_uint_eq(fx_buddy_huge("zone"), 0);
	ck_assert_uint_eq(fx_buddy_huge("zone "), 0);
	ck_assert_uint_eq(fx_buddy_huge("Node 0, zone Normal 1 2 3\n"), 0);
	ck_assert_uint_eq(fx_buddy_huge("Node 0, zone Normal x 1 1 1 1 1 1 1 1 1 1\n"), 0);
	/* Counts beyond any size, more orders than a kernel has: capped. */
	ck_assert_uint_eq(fx_buddy_huge(
		"zone N 0 0 0 0 0 0 0 0 0 99999999999999999999999999999 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9\n"
		"zone N 0 0 0 0 0 0 0 0 0 99999999999999999999999999999\n"),
		SIZE_MAX / 4);
}
END_TEST

UNIT_MAIN("buf", test_map_huge, test_buddy)
