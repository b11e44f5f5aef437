/*
 * memsrc over fixtures: corpus/memsrc/dump (a freeze dump directory of
 * one region of scan_sparse) and corpus/memsrc/core (our ELF core of the
 * same region); corpus/README.md says how they were made. The region is
 * 0x7fe861555000-0x7fe861557000, its first page absent (a hole), its last
 * bytes "LAST-BYTE-MARKER"; the process was pid 24404, one thread.
 */
#include "memsrc.h"
#include "threads.h"
#include "unit.h"

#define START 0x7fe861555000ULL
#define END 0x7fe861557000ULL

static void fixture(char *path, size_t len, const char *name)
{
	const char *dir = getenv("CORPUS");

	snprintf(path, len, "%s/memsrc/%s", dir ? dir : "corpus", name);
}

START_TEST(test_probe)
{
	char p[4096];

	fixture(p, sizeof(p), "dump");
	ck_assert_int_eq(fx_memsrc_probe(p), 1);
	fixture(p, sizeof(p), "core");
	ck_assert_int_eq(fx_memsrc_probe(p), 2);
	fixture(p, sizeof(p), "dump/regions.tsv");
	ck_assert_int_eq(fx_memsrc_probe(p), 0);
	fixture(p, sizeof(p), "none");
	ck_assert_int_eq(fx_memsrc_probe(p), -ENOENT);
}
END_TEST

/* What both captures hold of the region. */
static void check_bytes(struct fx_memsrc *ms)
{
	char b[16];
	const struct fx_region *r = fx_region_at(&ms->maps, START);

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->end, END);
	ck_assert_str_eq(r->perms, "rw-p");
	ck_assert_int_eq(fx_memsrc_read(ms, END - 16, b, 16), 0);
	ck_assert(memcmp(b, "LAST-BYTE-MARKER", 16) == 0);
	/* Past the region, in no region: not there. */
	ck_assert_int_eq(fx_memsrc_read(ms, END - 8, b, 16), -EFAULT);
	ck_assert_int_eq(fx_memsrc_read(ms, 0x1000, b, 8), -EFAULT);
	ck_assert_int_eq(fx_memsrc_read(ms, UINT64_MAX - 4, b, 8), -EFAULT);
	/* An anonymous region has no file. */
	ck_assert_int_lt(fx_memsrc_file_read(ms, r, 0, b, 8), 0);
	ck_assert_int_eq(ms->nt, 1);
	ck_assert_int_eq(ms->t[0].tid, 24404);
	ck_assert_int_eq(ms->t[0].have_sp, 1);
	ck_assert_uint_eq(ms->t[0].sp, 0x7fff68296938ULL);
	ck_assert_str_eq(ms->t[0].comm, "scan_sparse");
	ck_assert_int_eq(ms->pid, 24404);
}

START_TEST(test_dump)
{
	struct fx_memsrc ms;
	char p[4096];

	fixture(p, sizeof(p), "dump");
	ck_assert_int_eq(fx_memsrc_open_path(&ms, p), 0);
	ck_assert_int_eq(ms.kind, FX_MS_DUMP);
	/* regions.tsv holds the one region, with its smaps columns. */
	ck_assert_uint_eq(ms.maps.n, 1);
	ck_assert_uint_eq(ms.maps.r[0].v[FX_F_SIZE], 8192);
	ck_assert_str_eq(ms.maps.r[0].vmflags_text, "rd wr mr mw me ac");
	ck_assert_int_eq(ms.maps.r[0].kind, FX_KIND_ANON);
	ck_assert_str_eq(ms.threads_note, "");
	check_bytes(&ms);
	/* The first page was absent (holes.tsv): not there, as live. */
	{
		char b[8];

		ck_assert_int_eq(fx_memsrc_read(&ms, START + 8, b, 8), -EFAULT);
		ck_assert_int_eq(fx_memsrc_read(&ms, START + 4090, b, 8),
				 -EFAULT);
		ck_assert_int_eq(fx_memsrc_read(&ms, START + 4096, b, 8), 0);
	}
	fx_memsrc_release(&ms);
}
END_TEST

START_TEST(test_core)
{
	struct fx_memsrc ms;
	char p[4096];
	size_t i, named = 0;

	fixture(p, sizeof(p), "core");
	ck_assert_int_eq(fx_memsrc_open_path(&ms, p), 0);
	ck_assert_int_eq(ms.kind, FX_MS_CORE);
	/* The PT_LOAD, and every NT_FILE range (not captured) besides. */
	ck_assert_uint_gt(ms.maps.n, 1);
	for (i = 0; i < ms.maps.n; i++) {
		named += ms.maps.r[i].name_len && ms.maps.r[i].name[0] == '/';
		/* No smaps figures in a core: missing, never zero. */
		ck_assert(!(ms.maps.r[i].have & (1ULL << FX_F_RSS)));
	}
	ck_assert_uint_eq(named, ms.maps.n - 1);
	check_bytes(&ms);
	fx_memsrc_release(&ms);
}
END_TEST

START_TEST(test_not_a_capture)
{
	struct fx_memsrc ms;
	char p[4096];

	fixture(p, sizeof(p), "dump/holes.tsv");
	ck_assert_int_eq(fx_memsrc_open_path(&ms, p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(ms.err.msg, "neither a dump directory"));
	fx_memsrc_release(&ms);
}
END_TEST

START_TEST(test_threads_json)
{
	static const char ok[] = "{\"pid\":1,\"threads\":[{\"tid\":7,\"sp\":"
		"\"0x7ffd1000\",\"comm\":\"a\\\"b\"},{\"tid\":8,\"sp\":null,"
		"\"comm\":{\"bytes\":\"/w==\"}}],\"skipped\":[]}";
	static const char *const bad[] = {
		"\"threads\":[{\"tid\":7}]",
		"\"threads\":[{\"tid\":7,\"sp\":\"0x12\",\"comm\":\"abc",
		"\"threads\":[{\"tid\":99999999999,\"sp\":null,\"comm\":\"\"}]",
		"\"threads\":[{\"tid\":7,\"sp\":\"0x\",\"comm\":\"\"}]",
		"\"threads\":[",
		/* 16 registers, not 17; a register that is not hex */
		"\"threads\":[{\"tid\":7,\"sp\":null,\"comm\":\"\",\"regs\":["
		"\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\","
		"\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\"]}]",
		"\"threads\":[{\"tid\":7,\"sp\":null,\"comm\":\"\",\"regs\":["
		"\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\","
		"\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\","
		"\"0xg\"]}]",
	};
	static const char regs[] = "\"threads\":[{\"tid\":9,\"sp\":\"0x10\","
		"\"comm\":\"w\",\"regs\":[\"0x0\",\"0x1\",\"0x2\",\"0x3\",\"0x4\","
		"\"0x5\",\"0x6\",\"0x10\",\"0x8\",\"0x9\",\"0xa\",\"0xb\",\"0xc\","
		"\"0xd\",\"0xe\",\"0xf\",\"0xffffffffffffffff\"]}]";
	struct fx_thread *t;
	size_t n, i;

	ck_assert_int_eq(fx_threads_json_parse(ok, strlen(ok), &t, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(t[0].tid, 7);
	ck_assert_uint_eq(t[0].sp, 0x7ffd1000);
	ck_assert_str_eq(t[0].comm, "a\"b");
	ck_assert_int_eq(t[1].have_sp, 0);
	ck_assert_str_eq(t[1].comm, "-");
	free(t);
	ck_assert_int_eq(fx_threads_json_parse(regs, strlen(regs), &t, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(t[0].have_regs, 1);
	ck_assert_uint_eq(t[0].regs[7], 0x10);
	ck_assert_uint_eq(t[0].regs[16], UINT64_MAX);
	ck_assert_str_eq(t[0].comm, "w");
	free(t);
	ck_assert_int_eq(fx_threads_json_parse(ok, strlen(ok), &t, &n), 0);
	ck_assert_int_eq(t[0].have_regs, 0);
	free(t);
	ck_assert_int_eq(fx_threads_json_parse("{}", 2, &t, &n), -ENOENT);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(fx_threads_json_parse(bad[i], strlen(bad[i]), &t,
						    &n) == -EBADMSG,
			      "accepted: %s", bad[i]);
}
END_TEST

static Suite *memsrc_suite(void)
{
	Suite *s = suite_create("memsrc");
	TCase *tc = tcase_create("memsrc");

	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_dump);
	tcase_add_test(tc, test_core);
	tcase_add_test(tc, test_not_a_capture);
	tcase_add_test(tc, test_threads_json);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(memsrc_suite());
}
