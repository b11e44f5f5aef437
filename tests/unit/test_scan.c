/*
 * Unit tests of the scan engine's pattern-file parser (fx_patset_add_file):
 * line endings, comments, prefixes. A last line that ends in a bare CR
 * once made it loop forever (found by fuzz_scan).
 */
#include "scan.h"
#include "unit.h"

static size_t count(const char *text, size_t len)
{
	struct fx_patset *ps = fx_patset_new();
	struct fx_err err;
	size_t n;

	ck_assert_ptr_nonnull(ps);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(fx_patset_add_file(ps, text, len, 0, &err), 0);
	n = fx_patset_count(ps);
	fx_patset_free(ps);
	return n;
}

START_TEST(test_line_endings)
{
	ck_assert_uint_eq(count("abc\r", 4), 1);	/* no LF, then CR */
	ck_assert_uint_eq(count("abc\r\ndef\r\n", 10), 2);
	ck_assert_uint_eq(count("abc\ndef", 7), 2);
	ck_assert_uint_eq(count("\r", 1), 0);
	ck_assert_uint_eq(count("\r\r", 2), 1);	/* a one-CR line */
	ck_assert_uint_eq(count("", 0), 0);
}
END_TEST

START_TEST(test_kinds)
{
	static const char f[] = "# a comment\n"
				"lit:$UNKNOWN\n"
				"hex:de ad ?? ef\n"
				"re:session=[0-9a-f]{32}\n"
				"\n"
				"plain\n";

	ck_assert_uint_eq(count(f, sizeof(f) - 1), 4);
}
END_TEST

static Suite *scan_suite(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("patset");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_line_endings);
	tcase_add_test(tc, test_kinds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(scan_suite());
}
