/*
 * test_classify: the summary's accounting of a JVM's reservations when the
 * kernel merged them with neighbouring mappings (it merges adjacent
 * mappings of the same protection): every byte counted once, in the
 * category of the reservation holding it.
 */
#include "unit.h"
#include "classify.h"

#define MIB (1024ull * 1024)

/* The summary as TSV: size and committed of category cat (summed). */
static void cat_sum(const char *tsv, const char *cat, uint64_t *size,
		    uint64_t *committed)
{
	char line[512];
	const char *p = tsv;

	*size = *committed = 0;
	while (*p) {
		size_t n = strcspn(p, "\n");
		char *f[16], *save = NULL, *t;
		int k = 0;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		for (t = strtok_r(line, "\t", &save); t && k < 16;
		     t = strtok_r(NULL, "\t", &save))
			f[k++] = t;
		/* pid regions size committed rss inuse free starttime class
		 * category */
		if (k == 10 && strcmp(f[9], cat) == 0) {
			*size += strtoull(f[2], NULL, 0);
			*committed += strtoull(f[3], NULL, 0);
		}
	}
}

START_TEST(test_merged_reservations)
{
	static const char maps[] =
		/* 4 MiB of something else merged with the first MiB of a
		 * metaspace reservation [0x10400000, 0x14000000) */
		"10000000-10500000 rw-p 00000000 00:00 0\n"
		"10500000-14000000 ---p 00000000 00:00 0\n"
		/* the Java heap [0x20000000, 0x30000000) merged with the
		 * first MiB of the class space [0x30000000, 0x70000000) */
		"20000000-30100000 rw-p 00000000 00:00 0\n"
		"30100000-70000000 ---p 00000000 00:00 0\n";
	struct fx_classify c;
	struct fx_writer w;
	struct fx_maps m;
	struct fx_err err = { 0 };
	struct fx_buf out;
	uint64_t size, com;
	int fd = unit_memfd();

	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_parse(&m, maps, sizeof(maps) - 1, &err), 0);
	fx_classify_init(&c);
	ck_assert_int_eq(fx_classify_run(&c, &m, NULL, NULL, NULL, NULL, 0), 0);
	/* What the JVM's tables and mark_jvm would give. */
	c.jvm.found = c.jvm.ok = 1;
	c.jvm.ns = 3;
	c.jvm.s = calloc(3, sizeof(*c.jvm.s));
	ck_assert_ptr_nonnull(c.jvm.s);
	c.jvm.s[0] = (struct fx_jvm_span){ 0x10400000, 0x14000000,
					   FX_JVM_METASPACE, 0 };
	c.jvm.s[1] = (struct fx_jvm_span){ 0x20000000, 0x30000000,
					   FX_JVM_HEAP, 1 };
	c.jvm.s[2] = (struct fx_jvm_span){ 0x30000000, 0x70000000,
					   FX_JVM_CLASS_SPACE, 0 };
	c.rc[1].cls = FX_C_JVM_METASPACE;	/* the reservation's rest */
	c.rc[2].cls = FX_C_JVM_HEAP;		/* mostly heap */
	c.rc[3].cls = FX_C_JVM_METASPACE;	/* class space */
	fx_writer_init(&w, fd, FX_FMT_TSV);
	ck_assert_int_eq(fx_classify_write_summary(&c, &w, 1), 0);
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	fx_writer_release(&w);
	fx_buf_init(&out);
	unit_slurp(fd, &out);
	close(fd);

	cat_sum(out.data, "Metaspace", &size, &com);
	ck_assert_uint_eq(size, 0x14000000 - 0x10400000);
	ck_assert_uint_eq(com, 1 * MIB);
	cat_sum(out.data, "Java Heap", &size, &com);
	ck_assert_uint_eq(size, 256 * MIB);
	ck_assert_uint_eq(com, 256 * MIB);
	cat_sum(out.data, "Class", &size, &com);
	ck_assert_uint_eq(size, 1024 * MIB);
	ck_assert_uint_eq(com, 1 * MIB);
	cat_sum(out.data, "unexplained", &size, &com);
	ck_assert_uint_eq(size, 4 * MIB);
	ck_assert_uint_eq(com, 4 * MIB);

	fx_buf_release(&out);
	fx_classify_release(&c);
	fx_maps_release(&m);
}
END_TEST

static Suite *classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("classify");

	tcase_add_test(tc, test_merged_reservations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(classify_suite());
}
