/*
 * test_rank: --where filters, top-N ranking against a brute-force sort,
 * --group-by sums, and columns mapped by name across headers.
 */
#include "unit.h"

/* Rank what fx_rank kept into TSV, read back through a memfd. */
static void rank_out(struct fx_rank *k, struct fx_buf *out, int want)
{
	struct fx_writer w;
	struct fx_err err = { 0 };
	int fd = unit_memfd();

	fx_writer_init(&w, fd, FX_FMT_TSV);
	ck_assert_int_eq(fx_rank_write(k, &w, &err), want);
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	fx_writer_release(&w);
	unit_slurp(fd, out);
	close(fd);
}

START_TEST(test_filter_parse)
{
	static const struct {
		const char *e, *col, *val;
		enum fx_op op;
		int is_num;
		uint64_t num;
	} ok[] = {
		{ "rss>4K", "rss", "4K", FX_OP_GT, 1, 4096 },
		{ "rss<1M", "rss", "1M", FX_OP_LT, 1, 1 << 20 },
		{ "kind=heap", "kind", "heap", FX_OP_EQ, 0, 0 },
		{ "perms!=rw-p", "perms", "rw-p", FX_OP_NE, 0, 0 },
		{ "name~lib c", "name", "lib c", FX_OP_SUB, 0, 0 },
		{ "size=0x1000", "size", "0x1000", FX_OP_EQ, 1, 4096 },
		{ "name=", "name", "", FX_OP_EQ, 0, 0 },
		{ "a_1=x=y", "a_1", "x=y", FX_OP_EQ, 0, 0 },
	};
	static const char *const bad[] = {
		"rss>abc", "rss<-", ">5", "rss", "rss!5", "RSS=1", "=x",
		"rss>", "rss >1",
	};
	struct fx_filter f;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(fx_filter_parse(&f, ok[i].e), 0);
		ck_assert_str_eq(f.col, ok[i].col);
		ck_assert_str_eq(f.val, ok[i].val);
		ck_assert_int_eq(f.op, ok[i].op);
		ck_assert_int_eq(f.is_num, ok[i].is_num);
		if (ok[i].is_num)
			ck_assert_uint_eq(f.num, ok[i].num);
		ck_assert_int_eq(f.idx, -1);
		fx_filter_release(&f);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(fx_filter_parse(&f, bad[i]) == -EINVAL, "'%s'",
			      bad[i]);
}
END_TEST

static int match(const char *expr, const char *field)
{
	char *fields[2] = { "1", (char *)field };
	struct fx_filter f;
	struct fx_buf scratch;
	int m;

	fx_buf_init(&scratch);
	ck_assert_int_eq(fx_filter_parse(&f, expr), 0);
	f.idx = 1;
	m = fx_filter_match(&f, fields, &scratch);
	f.idx = -1;
	ck_assert_int_eq(fx_filter_match(&f, fields, &scratch), 0);
	fx_filter_release(&f);
	fx_buf_release(&scratch);
	return m;
}

START_TEST(test_filter_match)
{
	ck_assert(match("rss>4K", "4097"));
	ck_assert(!match("rss>4K", "4096"));
	ck_assert(match("rss<4K", "4095"));
	ck_assert(!match("rss<4K", "4096"));
	ck_assert(match("rss=4K", "4096"));
	ck_assert(!match("rss=4K", "4097"));
	ck_assert(match("rss!=4K", "4097"));
	ck_assert(!match("rss!=4K", "4096"));
	ck_assert(match("rss>1G", "1073741825"));
	ck_assert(match("rss>0", "18446744073709551615"));
	/* The missing value: only != matches it, or = and ~ on "-". */
	ck_assert(!match("rss>0", "-"));
	ck_assert(!match("rss<1T", "-"));
	ck_assert(!match("rss=0", "-"));
	ck_assert(match("rss!=0", "-"));
	ck_assert(match("name=-", "-"));
	ck_assert(match("name~-", "-"));
	/* Text: exact, not equal, substring. */
	ck_assert(match("kind=heap", "heap"));
	ck_assert(!match("kind=heap", "heaps"));
	ck_assert(match("kind!=heap", "stack"));
	ck_assert(match("name~libc", "/usr/lib/libc.so.6"));
	ck_assert(!match("name~libc", "/usr/lib/ld.so"));
	ck_assert(!match("rss>4K", "lots"));
	/* Filters see the raw bytes of escaped fields. */
	ck_assert(match("name~a\tb", "x a\\tb y"));
	ck_assert(match("name=back\\slash", "back\\\\slash"));
	ck_assert(!match("name~a\\tb", "a\\tb"));
}
END_TEST

/* ---- top-N against a brute-force sort ---- */

struct row {
	uint64_t key;
	int missing;
	unsigned id;
};

static int asc_sort;

/* Stable by id: the better record first, missing values last. */
static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->missing != y->missing)
		return x->missing - y->missing;
	if (!x->missing && x->key != y->key)
		return (x->key < y->key) == asc_sort ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

START_TEST(test_topn)
{
	static const char *const hdr[] = { "id", "rss", "name" };
	struct row rows[500], want[500];
	struct fx_rank k;
	struct fx_buf out;
	struct fx_err err = { 0 };
	size_t n, limit, i, kept;
	char id[16], key[24], *fields[3], *p;
	int round;

	fx_buf_init(&out);
	srandom(4242 + (unsigned)_i);
	for (round = 0; round < 40; round++) {
		n = 1 + (size_t)random() % 500;
		limit = (size_t)random() % 3 ? (size_t)random() % 30 : 0;
		asc_sort = random() % 2;
		for (i = 0; i < n; i++) {
			rows[i].id = (unsigned)i;
			rows[i].missing = random() % 10 == 0;
			/* Few distinct keys: many ties; some huge ones. */
			rows[i].key = random() % 5 ? (uint64_t)(random() % 20) :
						     UINT64_MAX - (uint64_t)(random() % 3);
		}
		ck_assert_int_eq(fx_rank_init(&k, "rss", asc_sort, limit, NULL),
				 0);
		ck_assert_int_eq(fx_rank_columns(&k, (char *const *)hdr, 3,
						 &err), 0);
		for (i = 0; i < n; i++) {
			snprintf(id, sizeof(id), "%u", rows[i].id);
			if (rows[i].missing)
				strcpy(key, "-");
			else
				snprintf(key, sizeof(key), "%llu",
					 (unsigned long long)rows[i].key);
			fields[0] = id;
			fields[1] = key;
			fields[2] = "x";
			ck_assert_int_eq(fx_rank_add(&k, fields, 3), 0);
		}
		memcpy(want, rows, n * sizeof(rows[0]));
		qsort(want, n, sizeof(want[0]), row_cmp);
		rank_out(&k, &out, 0);
		ck_assert(strncmp(out.data, "id\trss\tname\n", 12) == 0);
		p = out.data + 12;
		kept = limit && limit < n ? limit : n;
		for (i = 0; i < kept; i++) {
			char *end;
			unsigned long got = strtoul(p, &end, 10);

			ck_assert_msg(got == want[i].id, "round %d (n %zu limit "
				      "%zu asc %d) rank %zu: id %lu, expected "
				      "%u", round, n, limit, asc_sort, i, got,
				      want[i].id);
			p = strchr(p, '\n');
			ck_assert_ptr_nonnull(p);
			p++;
		}
		ck_assert_str_eq(p, "");
		fx_rank_release(&k);
	}
	fx_buf_release(&out);
}
END_TEST

/* A non-number in the --by column: -EINVAL, the record left out. */
START_TEST(test_by_not_number)
{
	static const char *const hdr[] = { "pid", "rss", "name" };
	char *r1[] = { "1", "100", "a" }, *r2[] = { "2", "lots", "b" };
	char *r3[] = { "3", "4K", "c" }, *r4[] = { "4", "0x20", "d" };
	char *r5[] = { "5", "", "e" };
	struct fx_rank k;
	struct fx_buf out;
	struct fx_err err = { 0 };

	fx_buf_init(&out);
	ck_assert_int_eq(fx_rank_init(&k, "rss", 0, 0, NULL), 0);
	ck_assert_int_eq(fx_rank_columns(&k, (char *const *)hdr, 3, &err), 0);
	ck_assert_int_eq(fx_rank_add(&k, r1, 3), 0);
	ck_assert_int_eq(fx_rank_add(&k, r2, 3), -EINVAL);
	ck_assert_int_eq(fx_rank_add(&k, r3, 3), -EINVAL);
	ck_assert_int_eq(fx_rank_add(&k, r4, 3), 0);
	ck_assert_int_eq(fx_rank_add(&k, r5, 3), -EINVAL);
	rank_out(&k, &out, 0);
	ck_assert_str_eq(out.data, "pid\trss\tname\n1\t100\ta\n4\t0x20\td\n");
	fx_rank_release(&k);
	fx_buf_release(&out);
}
END_TEST

START_TEST(test_missing_columns)
{
	static const char *const hdr[] = { "pid", "rss", "name" };
	struct fx_rank k;
	struct fx_err err = { 0 };

	ck_assert_int_eq(fx_rank_init(&k, "pss", 0, 0, NULL), 0);
	ck_assert_int_eq(fx_rank_columns(&k, (char *const *)hdr, 3, &err),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "pss"));
	fx_rank_release(&k);
	ck_assert_int_eq(fx_rank_init(&k, "rss", 0, 0, "kind"), 0);
	ck_assert_int_eq(fx_rank_columns(&k, (char *const *)hdr, 3, &err),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "kind"));
	fx_rank_release(&k);
}
END_TEST

/* Records of two headers, mapped onto the first by column name. */
START_TEST(test_two_headers)
{
	static const char *const h1[] = { "pid", "rss", "kind", "name" };
	static const char *const h2[] = { "name", "extra", "rss", "pid" };
	char *a[] = { "1", "10", "heap", "[heap]" };
	char *b[] = { "/x y", "zz", "30", "2" };
	char *c[] = { "[stack]", "zz", "20", "3" };
	struct fx_rank k;
	struct fx_buf out;
	struct fx_err err = { 0 };

	fx_buf_init(&out);
	ck_assert_int_eq(fx_rank_init(&k, "rss", 0, 0, NULL), 0);
	ck_assert_int_eq(fx_rank_columns(&k, (char *const *)h1, 4, &err), 0);
	ck_assert_int_eq(fx_rank_add(&k, a, 4), 0);
	ck_assert_int_eq(fx_rank_columns(&k, (char *const *)h2, 4, &err), 0);
	ck_assert_int_eq(fx_rank_add(&k, b, 4), 0);
	ck_assert_int_eq(fx_rank_add(&k, c, 4), 0);
	rank_out(&k, &out, 0);
	ck_assert_str_eq(out.data, "pid\trss\tkind\tname\n"
			 "2\t30\t-\t/x y\n3\t20\t-\t[stack]\n1\t10\theap\t[heap]\n");
	fx_rank_release(&k);
	fx_buf_release(&out);
}
END_TEST

/* --group-by: counts and sums against sums done here. */
START_TEST(test_group)
{
	static const char *const hdr[] = { "pid", "start", "rss", "perms",
					   "swap", "kind", "name" };
	static const char *const kinds[] = { "file", "anon", "heap", "-" };
	uint64_t cnt[4] = { 0 }, rss[4] = { 0 }, swap[4] = { 0 };
	struct fx_rank k;
	struct fx_buf out;
	struct fx_err err = { 0 };
	char pid[16], start[24], r[24], s[24], *f[7], *p;
	int i, j, seen = 0;

	fx_buf_init(&out);
	srandom(7);
	ck_assert_int_eq(fx_rank_init(&k, "rss", 0, 0, "kind"), 0);
	ck_assert_int_eq(fx_rank_columns(&k, (char *const *)hdr, 7, &err), 0);
	for (i = 0; i < 1000; i++) {
		uint64_t rv = (uint64_t)(random() % 100000);
		int sw_missing = random() % 4 == 0;
		uint64_t sv = (uint64_t)(random() % 1000);

		j = (int)(random() % 4);
		if (j == 0)
			rv *= 1000;	/* file the biggest by far */
		snprintf(pid, sizeof(pid), "%d", 100 + i % 3);
		snprintf(start, sizeof(start), "0x%012x", i * 4096);
		snprintf(r, sizeof(r), "%llu", (unsigned long long)rv);
		if (sw_missing)
			strcpy(s, "-");
		else
			snprintf(s, sizeof(s), "%llu", (unsigned long long)sv);
		f[0] = pid;
		f[1] = start;
		f[2] = r;
		f[3] = "rw-p";
		f[4] = s;
		f[5] = (char *)kinds[j];
		f[6] = "n";
		ck_assert_int_eq(fx_rank_add(&k, f, 7), 0);
		cnt[j]++;
		rss[j] += rv;
		swap[j] += sw_missing ? 0 : sv;
	}
	rank_out(&k, &out, 0);
	/* pid, start: identifiers; perms: not a number. */
	ck_assert(strncmp(out.data, "count\trss\tswap\tkind\n", 20) == 0);
	for (p = strchr(out.data, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
		unsigned long long c, rs, sw;
		char kind[16];

		ck_assert_int_eq(sscanf(p, "%llu\t%llu\t%llu\t%15[^\n]", &c, &rs,
					&sw, kind), 4);
		for (j = 0; j < 4; j++)
			if (strcmp(kind, kinds[j]) == 0)
				break;
		ck_assert_int_lt(j, 4);
		ck_assert_uint_eq(c, cnt[j]);
		ck_assert_uint_eq(rs, rss[j]);
		ck_assert_uint_eq(sw, swap[j]);
		if (seen == 0)
			ck_assert_str_eq(kind, "file");
		seen++;
	}
	ck_assert_int_eq(seen, 4);
	fx_rank_release(&k);
	fx_buf_release(&out);
}
END_TEST

/* Groups ranked by count, ascending, limited. */
START_TEST(test_group_count)
{
	static const char *const hdr[] = { "size", "kind" };
	static const char *const v[][2] = {
		{ "1", "a" }, { "1", "b" }, { "1", "b" }, { "1", "c" },
		{ "1", "c" }, { "1", "c" }, { "1", "d" },
	};
	struct fx_rank k;
	struct fx_buf out;
	struct fx_err err = { 0 };
	size_t i;

	fx_buf_init(&out);
	ck_assert_int_eq(fx_rank_init(&k, "count", 1, 3, "kind"), 0);
	ck_assert_int_eq(fx_rank_columns(&k, (char *const *)hdr, 2, &err), 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_int_eq(fx_rank_add(&k, (char *const *)v[i], 2), 0);
	rank_out(&k, &out, 0);
	/* Ties (a, d) keep input order. */
	ck_assert_str_eq(out.data, "count\tsize\tkind\n1\t1\ta\n1\t1\td\n"
			 "2\t2\tb\n");
	fx_rank_release(&k);
	/* Ranking groups by a column that is not summed. */
	ck_assert_int_eq(fx_rank_init(&k, "kind", 0, 0, "kind"), 0);
	ck_assert_int_eq(fx_rank_columns(&k, (char *const *)hdr, 2, &err), 0);
	ck_assert_int_eq(fx_rank_add(&k, (char *const *)v[0], 2), 0);
	rank_out(&k, &out, -ENOENT);
	fx_rank_release(&k);
	fx_buf_release(&out);
}
END_TEST

static Suite *rank_suite(void)
{
	Suite *s = suite_create("rank");
	TCase *tc = tcase_create("rank");

	tcase_add_test(tc, test_filter_parse);
	tcase_add_test(tc, test_filter_match);
	tcase_add_loop_test(tc, test_topn, 0, 5);
	tcase_add_test(tc, test_by_not_number);
	tcase_add_test(tc, test_missing_columns);
	tcase_add_test(tc, test_two_headers);
	tcase_add_test(tc, test_group);
	tcase_add_test(tc, test_group_count);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(rank_suite());
}
