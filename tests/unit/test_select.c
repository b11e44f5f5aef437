/*
 * Unit tests of select: the ranges picked from region records (what
 * test_dump.c does not already check: repeats, rollups, bad records,
 * headers that change their columns) and from a PID and selectors, run
 * on this very process against a mapping it made (its address, its name,
 * ranges clipped to it, selectors that match nothing).
 */
#include "maps.h"
#include "proc.h"
#include "select.h"
#include "unit.h"

/* Read records text into sel (initialised here): the return of the read. */
static int read_text(struct fx_selection *sel, const char *text)
{
	int fd = unit_memfd_with(text, strlen(text)), r;

	fx_selection_init(sel);
	r = fx_selection_read(sel, fd);
	close(fd);
	return r;
}

START_TEST(test_repeats_and_pids)
{
	static const char in[] =
		"pid\tstart\tend\tname\n"
		"43\t0x000000001000\t0x000000002000\ta\n"
		"43\t0x000000001000\t0x000000002000\ta\n"  /* cat a a */
		"42\t0x000000003000\t0x000000004000\tb\n"
		"43\t0x000000001000\t0x000000002000\ta\n"  /* not in a row */
		"44\t0x000000005000\t0x000000006000\tc\n";
	struct fx_selection sel;

	ck_assert_int_eq(read_text(&sel, in), 0);
	/* A record repeated in a row is read once; elsewhere, kept. */
	ck_assert_uint_eq(sel.n, 4);
	ck_assert_int_eq(sel.s[1].pid, 42);
	ck_assert_int_eq(sel.s[2].pid, 43);
	/* The distinct pids, in the order they first come. */
	ck_assert_uint_eq(sel.npids, 3);
	ck_assert_int_eq(sel.pid[0], 43);
	ck_assert_int_eq(sel.pid[1], 42);
	ck_assert_int_eq(sel.pid[2], 44);
	fx_selection_release(&sel);
}
END_TEST

START_TEST(test_later_headers)
{
	/* A second header (cat a b) with its columns in another order and
	 * without class: fields found by name, a missing one "-". */
	static const char in[] =
		"pid\tstart\tend\tclass\tname\n"
		"1\t0x1000\t0x2000\tarena\tfirst\n"
		"pid\tname\tend\tstart\n"
		"2\tsecond\t0x4000\t0x3000\n";
	struct fx_selection sel;
	int cn, cc;

	ck_assert_int_eq(read_text(&sel, in), 0);
	ck_assert_uint_eq(sel.n, 2);
	cn = fx_selection_col(&sel, "name");
	cc = fx_selection_col(&sel, "class");
	ck_assert_int_ge(cn, 0);
	ck_assert_int_ge(cc, 0);
	ck_assert_int_eq(sel.s[1].pid, 2);
	ck_assert_uint_eq(sel.s[1].start, 0x3000);
	ck_assert_uint_eq(sel.s[1].end, 0x4000);
	ck_assert_str_eq(sel.s[1].f[cn], "second");
	ck_assert_str_eq(sel.s[1].f[cc], "-");
	ck_assert_str_eq(sel.s[0].f[cc], "arena");
	fx_selection_release(&sel);
}
END_TEST

START_TEST(test_bad_records)
{
	static const struct {
		const char *line;	/* after a pid start end name header */
		const char *says;
	} t[] = {
		{ "0\t0x1000\t0x2000\tx\n", "not a region record" },
		{ "2147483648\t0x1000\t0x2000\tx\n", "not a region record" },
		{ "1\t0x1001\t0x2000\tx\n", "not a region record" },
		{ "1\t0x2000\t0x2000\tx\n", "not a region record" },
		{ "1\t0x3000\t0x2000\tx\n", "not a region record" },
		{ "1\t0x1000\tend\tx\n", "not a region record" },
		/* memmap --rollup: the totals, spanning everything. */
		{ "1\t0x000000000000\t0xfffffffff000\t[rollup]\n",
		  "a rollup record" },
	};
	struct fx_selection sel;
	char text[200];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text),
			 "pid\tstart\tend\tname\n1\t0x5000\t0x6000\tok\n%s",
			 t[i].line);
		ck_assert_msg(read_text(&sel, text) == -EBADMSG,
			      "accepted: %s", t[i].line);
		ck_assert_msg(strstr(sel.err.msg, t[i].says) &&
				      strstr(sel.err.msg, "line 3"),
			      "%s: said '%s'", t[i].line, sel.err.msg);
		/* The records before it are kept. */
		ck_assert_uint_eq(sel.n, 1);
		fx_selection_release(&sel);
	}
}
END_TEST

/* A 4-page mapping of a memfd named "unit-select": unique in the map,
 * never merged with a neighbour. */
static char *named_mapping(void)
{
	int fd = memfd_create("unit-select", MFD_CLOEXEC);
	char *m;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 4 * 4096), 0);
	m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert(m != MAP_FAILED);
	close(fd);
	return m;
}

/* fx_selection_args(self, sel1[, sel2]): its return; sel initialised. */
static int args(struct fx_selection *sel, const char *a1, const char *a2)
{
	char pid[32], s1[64], s2[64];
	char *argv[3] = { pid, s1, s2 };
	int argc = 1 + (a1 != NULL) + (a2 != NULL);

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(s1, sizeof(s1), "%s", a1 ? a1 : "");
	snprintf(s2, sizeof(s2), "%s", a2 ? a2 : "");
	fx_selection_init(sel);
	return fx_selection_args(sel, argc, argv);
}

START_TEST(test_args_self)
{
	struct fx_selection sel;
	char *m = named_mapping();
	uint64_t a = (uint64_t)(uintptr_t)m;
	char s1[64], s2[64];
	size_t i;
	int cn;

	/* An address: the whole region holding it. */
	snprintf(s1, sizeof(s1), "0x%llx", (unsigned long long)a + 5000);
	ck_assert_int_eq(args(&sel, s1, NULL), 0);
	ck_assert_uint_eq(sel.n, 1);
	ck_assert_int_eq(sel.s[0].pid, getpid());
	ck_assert_uint_eq(sel.s[0].start, a);
	ck_assert_uint_eq(sel.s[0].end, a + 4 * 4096);
	cn = fx_selection_col(&sel, "name");
	ck_assert_str_eq(sel.s[0].f[cn], "/memfd:unit-select (deleted)");
	fx_selection_release(&sel);

	/* A range: clipped to the region, rounded out to pages. */
	snprintf(s1, sizeof(s1), "0x%llx-0x%llx",
		 (unsigned long long)a + 4096 + 5,
		 (unsigned long long)a + 2 * 4096 - 1);
	snprintf(s2, sizeof(s2), "0x%llx-0x%llx",
		 (unsigned long long)a + 3 * 4096,
		 (unsigned long long)a + 64 * 4096);
	ck_assert_int_eq(args(&sel, s1, s2), 0);
	ck_assert_uint_ge(sel.n, 2);
	ck_assert_uint_eq(sel.s[0].start, a + 4096);
	ck_assert_uint_eq(sel.s[0].end, a + 2 * 4096);
	/* The second runs past the mapping: its part in it ends with it
	 * (what lies beyond, other regions, comes clipped after). */
	ck_assert_uint_eq(sel.s[1].start, a + 3 * 4096);
	ck_assert_uint_eq(sel.s[1].end, a + 4 * 4096);
	for (i = 2; i < sel.n; i++)
		ck_assert_uint_ge(sel.s[i].start, a + 4 * 4096);
	fx_selection_release(&sel);

	/* A name: the path's last component will do. */
	ck_assert_int_eq(args(&sel, "memfd:unit-select (deleted)", NULL), 0);
	ck_assert_uint_eq(sel.n, 1);
	ck_assert_uint_eq(sel.s[0].start, a);
	/* The map it read is kept for the plan. */
	ck_assert_int_eq(sel.smaps_pid, getpid());
	ck_assert_ptr_nonnull(strstr(sel.smaps.data, "/memfd:unit-select"));
	fx_selection_release(&sel);
	munmap(m, 4 * 4096);
}
END_TEST

START_TEST(test_args_refused)
{
	struct fx_selection sel;
	struct fx_proc p;
	char pinned[64];
	char *argv[1] = { pinned };

	/* Nothing by that name: -ENOENT, with the bracketed name meant. */
	ck_assert_int_eq(args(&sel, "stack", NULL), -ENOENT);
	ck_assert_msg(strstr(sel.err.msg, "did you mean '[stack]'"), "%s",
		      sel.err.msg);
	fx_selection_release(&sel);
	ck_assert_int_eq(args(&sel, "no-such-region", NULL), -ENOENT);
	ck_assert_ptr_null(strstr(sel.err.msg, "did you mean"));
	ck_assert_uint_eq(sel.smaps.len, 0);	/* nothing kept */
	fx_selection_release(&sel);
	ck_assert_int_eq(args(&sel, "0xzz", NULL), -EINVAL);
	fx_selection_release(&sel);
	ck_assert_int_eq(args(&sel, "0x3000-0x2000", NULL), -EINVAL);
	fx_selection_release(&sel);

	/* A pid that is none, and a pinned one that is another process. */
	snprintf(pinned, sizeof(pinned), "self");
	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_args(&sel, 1, argv), -EINVAL);
	fx_selection_release(&sel);
	ck_assert_int_eq(fx_proc_open(&p, getpid()), 0);
	snprintf(pinned, sizeof(pinned), "%d@%llu", (int)getpid(),
		 p.starttime + 1);
	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_args(&sel, 1, argv), -ESTALE);
	fx_selection_release(&sel);
	snprintf(pinned, sizeof(pinned), "%d@%llu", (int)getpid(),
		 p.starttime);
	fx_selection_init(&sel);
	ck_assert_int_eq(fx_selection_args(&sel, 1, argv), 0);
	ck_assert_uint_eq(sel.pin, p.starttime);
	fx_proc_release(&p);
	fx_selection_release(&sel);
}
END_TEST

START_TEST(test_args_every_region)
{
	struct fx_selection sel;
	struct fx_maps m;
	struct fx_err err = { 0 };
	size_t i;

	/* No selector: every region of the map the selection read. */
	ck_assert_int_eq(args(&sel, NULL, NULL), 0);
	fx_maps_init(&m);
	ck_assert_int_eq(fx_maps_parse(&m, sel.smaps.data, sel.smaps.len,
				       &err), 0);
	ck_assert_uint_eq(sel.n, m.n);
	for (i = 0; i < m.n; i++) {
		ck_assert_uint_eq(sel.s[i].start, m.r[i].start);
		ck_assert_uint_eq(sel.s[i].end, m.r[i].end);
	}
	ck_assert_uint_eq(sel.npids, 1);
	fx_maps_release(&m);
	fx_selection_release(&sel);
}
END_TEST

UNIT_MAIN("select", test_repeats_and_pids, test_later_headers,
	  test_bad_records, test_args_self, test_args_refused,
	  test_args_every_region)
