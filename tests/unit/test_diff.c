/*
 * test_diff: snapdiff's engine over the captures in corpus/records/: keys
 * by kind, regions matched by start and by end, grouping, filters, the
 * table, and the errors for mismatched, truncated and empty captures.
 */
#include "unit.h"
#include "diff.h"

/* Open fixture `name` under $CORPUS. */
static int fixture_fd(const char *name)
{
	const char *dir = getenv("CORPUS");
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "corpus", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "cannot open fixture '%s': %s", path,
		      strerror(errno));
	return fd;
}

/* Load fixture `name` as side s; the load must return want. */
static void load(struct fx_diff *d, enum fx_diff_side s, const char *name,
		 int want, struct fx_err *err)
{
	int fd = fixture_fd(name);
	int r = fx_diff_load(d, s, fd, err);

	ck_assert_msg(r == want, "%s: %d, want %d (%s)", name, r, want,
		      err->msg);
	close(fd);
}

/* Load text (not a fixture) as side s. */
static int load_text(struct fx_diff *d, enum fx_diff_side s, const char *t,
		     struct fx_err *err)
{
	int fd = unit_memfd_with(t, strlen(t));
	int r = fx_diff_load(d, s, fd, err);

	close(fd);
	return r;
}

/* Write d's deltas in format fmt into out. */
static void diff_out(struct fx_diff *d, struct fx_diff_show *show,
		     enum fx_format fmt, struct fx_buf *out)
{
	struct fx_writer w;
	int fd = unit_memfd();

	fx_writer_init(&w, fd, fmt);
	ck_assert_int_eq(fx_diff_write(d, &w, show), 0);
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	fx_writer_release(&w);
	unit_slurp(fd, out);
	close(fd);
}

/* Compare captures a and b (fixtures) with by/group, TSV into out. */
static void compare(const char *a, const char *b, const char *by,
		    const char *group, struct fx_diff_show *show,
		    struct fx_buf *out)
{
	struct fx_err err = { 0 };
	struct fx_diff d;

	ck_assert_int_eq(fx_diff_init(&d, by, group), 0);
	load(&d, FX_DIFF_OLD, a, 0, &err);
	load(&d, FX_DIFF_NEW, b, 0, &err);
	diff_out(&d, show, FX_FMT_TSV, out);
	fx_diff_release(&d);
}

START_TEST(test_kind_of)
{
	static const struct {
		const char *hdr[8];
		size_t n;
		enum fx_rec_kind k;
	} t[] = {
		{ { "pid", "start", "end", "perms", "rss", "name" }, 6,
		  FX_REC_REGION },
		{ { "pid", "arena", "size", "inuse", "free", "type" }, 6,
		  FX_REC_CHUNK },
		{ { "count", "bytes", "enc", "text" }, 4, FX_REC_TOP },
		{ { "pid", "tid", "comm", "stack_start", "stack_rss" }, 5,
		  FX_REC_THREAD },
		{ { "pid", "regions", "size", "rss", "class" }, 5,
		  FX_REC_SUMMARY },
		{ { "pid", "addr", "region_start", "enc", "len", "text" }, 6,
		  FX_REC_UNKNOWN },
		{ { "delta", "old", "new", "status", "name" }, 5,
		  FX_REC_UNKNOWN },
		{ { "x" }, 0, FX_REC_UNKNOWN },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(fx_diff_kind_of((char *const *)t[i].hdr,
					      t[i].n) == t[i].k,
			      "header %zu", i);
}
END_TEST

/*
 * Keys hold pid where the kind has one (the schema's keys): the summary of
 * two processes compared with itself is two unchanged heaps, not one of
 * both heaps summed under the first pid (it read 972 MB so).
 */
START_TEST(test_keys_hold_pid)
{
	static const char summary[] =
		"pid\tregions\tsize\tcommitted\trss\tinuse_bytes\tfree_bytes"
		"\tclass\tcategory\n"
		"11\t1\t4096\t4096\t100\t-\t-\theap\tmalloc\n"
		"22\t1\t4096\t4096\t200\t-\t-\theap\tmalloc\n";
	static const char chunks[] =
		"pid\tarena\tsize\tinuse\tfree\tinuse_bytes\tfree_bytes\ttype\n"
		"11\t0\t112\t5\t0\t560\t0\t-\n"
		"22\t0\t112\t7\t0\t784\t0\t-\n";
	static const char threads[] =
		"pid\ttid\tcomm\tstack_start\tstack_end\tstack_size"
		"\tstack_rss\n"
		"11\t11\ta\t0x7f0000000000\t0x7f0000800000\t8388608\t4096\n"
		"22\t11\tb\t0x7f0000000000\t0x7f0000800000\t8388608\t8192\n";
	const char *const caps[] = { summary, chunks, threads };
	struct fx_diff_show show = { .same = 1 };
	struct fx_err err = { 0 };
	struct fx_buf out;
	struct fx_diff d;
	size_t i;

	fx_buf_init(&out);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
		ck_assert_int_eq(load_text(&d, FX_DIFF_OLD, caps[i], &err), 0);
		ck_assert_int_eq(load_text(&d, FX_DIFF_NEW, caps[i], &err), 0);
		diff_out(&d, &show, FX_FMT_TSV, &out);
		ck_assert_msg(show.count[FX_DELTA_SAME] == 2,
			      "capture %zu: %zu same, want 2: %s", i,
			      show.count[FX_DELTA_SAME], out.data);
		ck_assert_ptr_nonnull(strstr(out.data, "\t11\t"));
		ck_assert_ptr_nonnull(strstr(out.data, "\t22\t"));
		fx_diff_release(&d);
	}
	fx_buf_release(&out);
}
END_TEST

/* The same pid started at another time (a reused pid) is another
 * process: said; a capture with itself, or a start time one side does not
 * know, is not. */
START_TEST(test_reused_pid)
{
#define SUMMARY(st)                                                            \
	"pid\tregions\tsize\tcommitted\trss\tinuse_bytes\tfree_bytes"           \
	"\tstarttime\tclass\tcategory\n"                                         \
	"1\t1\t4096\t4096\t100\t-\t-\t" st "\theap\tmalloc\n"
	static const struct {
		const char *old, *new;
		int other;
	} t[] = {
		{ SUMMARY("500"), SUMMARY("900"), 1 },
		{ SUMMARY("500"), SUMMARY("500"), 0 },
		{ SUMMARY("500"), SUMMARY("-"), 0 },
		{ SUMMARY("-"), SUMMARY("900"), 0 },
	};
#undef SUMMARY
	struct fx_err err = { 0 };
	struct fx_diff d;
	char msg[320];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
		ck_assert_int_eq(load_text(&d, FX_DIFF_OLD, t[i].old, &err), 0);
		ck_assert_int_eq(load_text(&d, FX_DIFF_NEW, t[i].new, &err), 0);
		msg[0] = '\0';
		ck_assert_int_eq(fx_diff_other_process(&d, msg, sizeof(msg)),
				 t[i].other);
		if (t[i].other)
			ck_assert_msg(strstr(msg, "pid 1 started at 500 in the "
					     "old capture, at 900 in the new"),
				      "%s", msg);
		fx_diff_release(&d);
	}
}
END_TEST

/* The leak: 50,000 more 112-byte chunks, first; the top chunk moved. */
START_TEST(test_chunks)
{
	struct fx_diff_show show = { 0 };
	struct fx_buf out;

	fx_buf_init(&out);
	compare("records/chunks-1.tsv", "records/chunks-2.tsv", NULL, NULL,
		&show, &out);
	ck_assert_str_eq(out.data,
			 "delta\told\tnew\tstatus\tpid\tarena\tsize\ttype\n"
			 "50000\t1000\t51000\tgrown\t14962\t0x7ff721d10c60\t112\t-\n"
			 "0\t-\t0\tnew\t14962\t0x7ff721d10c60\t99568\t-\n"
			 "0\t0\t-\tgone\t14962\t0x7ff721d10c60\t22512\t-\n");
	ck_assert_uint_eq(show.count[FX_DELTA_GROWN], 1);
	ck_assert_uint_eq(show.count[FX_DELTA_SAME], 1);
	ck_assert_uint_eq(show.shown, 3);
	/* By bytes in use instead, and only changes of 1 MiB or more. */
	show.min_delta = 1 << 20;
	compare("records/chunks-1.tsv", "records/chunks-2.tsv",
		"inuse_bytes", NULL, &show, &out);
	ck_assert_str_eq(out.data,
			 "delta\told\tnew\tstatus\tpid\tarena\tsize\ttype\n"
			 "5600000\t112000\t5712000\tgrown\t14962\t0x7ff721d10c60\t112\t-\n");
	fx_buf_release(&out);
}
END_TEST

/*
 * regions-2 is regions-1 with [heap] grown by 5 MiB (end moved), [stack]
 * grown down by 8 KiB (start moved: matched by end), LC_PAPER unmapped,
 * a 64 MiB anonymous region mapped (1 MiB resident), libtinfo's text
 * 32 KiB less resident.
 */
START_TEST(test_regions)
{
	struct fx_diff_show show = { 0 };
	struct fx_buf out;

	fx_buf_init(&out);
	compare("records/regions-1.tsv", "records/regions-2.tsv", NULL, NULL,
		&show, &out);
	ck_assert_str_eq(out.data,
		"delta\told\tnew\tstatus\tpid\tstart\tend\tname\n"
		"5242880\t90112\t5332992\tgrown\t4242\t0x561c65157000\t0x561c65678000\t[heap]\n"
		"1048576\t-\t1048576\tnew\t4242\t0x7f26c0000000\t0x7f26c4000000\t-\n"
		"8192\t16384\t24576\tgrown\t4242\t0x7ffcd7d68000\t0x7ffcd7d8b000\t[stack]\n"
		"4096\t4096\t-\tgone\t4242\t0x7f26c4398000\t0x7f26c4399000\t/usr/lib/locale/C.utf8/LC_PAPER\n"
		"32768\t65536\t32768\tshrunk\t4242\t0x7f26c458e000\t0x7f26c459f000\t/usr/lib/x86_64-linux-gnu/libtinfo.so.6.4\n");
	ck_assert_uint_eq(show.count[FX_DELTA_SAME], 39);
	/* By size: the heap and the stack grew, the rest did not. */
	compare("records/regions-1.tsv", "records/regions-2.tsv", "size", NULL,
		&show, &out);
	ck_assert_msg(strstr(out.data, "\n5242880\t135168\t5378048\tgrown\t"
				       "4242\t0x561c65157000\t"),
		      "%s", out.data);
	ck_assert_msg(strstr(out.data, "\n8192\t135168\t143360\tgrown\t"),
		      "%s", out.data);
	/* A region whose bounds moved is grown even when rss did not move. */
	compare("records/regions-1.tsv", "records/regions-2.tsv", "swap", NULL,
		&show, &out);
	ck_assert_msg(strstr(out.data, "\n0\t0\t0\tgrown\t4242\t"
				       "0x561c65157000\t"), "%s", out.data);
	ck_assert_msg(strstr(out.data, "\n0\t0\t0\tgrown\t4242\t"
				       "0x7ffcd7d68000\t"), "%s", out.data);
	/* -n: the first records only. */
	show.limit = 1;
	compare("records/regions-1.tsv", "records/regions-2.tsv", NULL, NULL,
		&show, &out);
	ck_assert_uint_eq(show.shown, 1);
	ck_assert_msg(strstr(out.data, "\tgrown\t4242\t0x561c65157000\t"),
		      "%s", out.data);
	fx_buf_release(&out);
}
END_TEST

/* Grouped by name, LC_PAPER is gone and the anonymous '-' group grew. */
START_TEST(test_group)
{
	struct fx_diff_show show = { 0 };
	struct fx_buf out;

	fx_buf_init(&out);
	compare("records/regions-1.tsv", "records/regions-2.tsv", NULL, "name",
		&show, &out);
	ck_assert_str_eq(out.data,
		"delta\told\tnew\tstatus\tname\n"
		"5242880\t90112\t5332992\tgrown\t[heap]\n"
		"1048576\t65536\t1114112\tgrown\t-\n"
		"8192\t16384\t24576\tgrown\t[stack]\n"
		"4096\t4096\t-\tgone\t/usr/lib/locale/C.utf8/LC_PAPER\n"
		"32768\t147456\t114688\tshrunk\t/usr/lib/x86_64-linux-gnu/libtinfo.so.6.4\n");
	/* Classified regions by class: only the heap moved. */
	compare("records/classified-1.tsv", "records/classified-2.tsv", NULL,
		"class", &show, &out);
	ck_assert_str_eq(out.data, "delta\told\tnew\tstatus\tclass\n"
				   "5595136\t118784\t5713920\tgrown\theap\n");
	fx_buf_release(&out);
}
END_TEST

START_TEST(test_threads_top_summary)
{
	struct fx_diff_show show = { 0 };
	struct fx_buf out;

	fx_buf_init(&out);
	compare("records/threads-1.tsv", "records/threads-2.tsv", NULL, NULL,
		&show, &out);
	ck_assert_str_eq(out.data,
		"delta\told\tnew\tstatus\tpid\ttid\tcomm\n"
		"8192\t-\t8192\tnew\t17487\t17493\tworker\\tnew\n"
		"4096\t-\t4096\tnew\t17487\t17494\tworker\n"
		"4096\t8192\t12288\tgrown\t17487\t17489\tthreads\n"
		"8192\t8192\t-\tgone\t17487\t17490\tthreads\n");
	ck_assert_uint_eq(show.count[FX_DELTA_NEW], 2);
	ck_assert_uint_eq(show.count[FX_DELTA_GONE], 1);
	ck_assert_uint_eq(show.count[FX_DELTA_SAME], 3);
	compare("records/top-1.tsv", "records/top-2.tsv", NULL, NULL, &show,
		&out);
	ck_assert_str_eq(out.data,
		"delta\told\tnew\tstatus\tenc\ttext\n"
		"50000\t1000\t51000\tgrown\tascii\t$UNKNOWN\n"
		"1\t1\t-\tgone\tascii\tready pid=14962 contexts=1000 "
		"context_size=96 leak=50000\n");
	show.same = 1;
	compare("records/summary-1.tsv", "records/summary-2.tsv",
		"inuse_bytes", NULL, &show, &out);
	ck_assert_msg(strncmp(out.data,
			      "delta\told\tnew\tstatus\tpid\tclass\n"
			      "5600000\t112656\t5712656\tgrown\t14962\theap\n"
			      "0\t-\t-\tsame\t14962\t",
			      strlen("delta\told\tnew\tstatus\tpid\tclass\n"
				     "5600000\t112656\t5712656\tgrown\t14962\theap\n"
				     "0\t-\t-\tsame\t14962\t")) == 0,
		      "%s", out.data);
	ck_assert_uint_eq(show.shown, 10);
	fx_buf_release(&out);
}
END_TEST

/* The terminal table: signed, grouped figures and a total row. */
START_TEST(test_table)
{
	struct fx_diff_show show = { 0 };
	struct fx_err err = { 0 };
	struct fx_buf out;
	struct fx_diff d;

	fx_buf_init(&out);
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	load(&d, FX_DIFF_OLD, "records/chunks-1.tsv", 0, &err);
	load(&d, FX_DIFF_NEW, "records/chunks-2.tsv", 0, &err);
	diff_out(&d, &show, FX_FMT_TABLE, &out);
	ck_assert_msg(strstr(out.data, "  +50,000    1,000    51,000  grown "),
		      "%s", out.data);
	ck_assert_msg(strstr(out.data, "  total "), "%s", out.data);
	ck_assert_msg(strstr(out.data, "1 new, 1 grown, 1 gone"), "%s",
		      out.data);
	fx_diff_release(&d);
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	load(&d, FX_DIFF_OLD, "records/regions-1.tsv", 0, &err);
	load(&d, FX_DIFF_NEW, "records/regions-2.tsv", 0, &err);
	diff_out(&d, &show, FX_FMT_TABLE, &out);
	ck_assert_msg(strstr(out.data, "  +5.0M     88K    5.1M  grown "), "%s",
		      out.data);
	ck_assert_msg(strstr(out.data, "   -32K     64K     32K  shrunk "),
		      "%s", out.data);
	fx_diff_release(&d);
	fx_buf_release(&out);
}
END_TEST

static const char regions_hdr[] =
	"pid\tstart\tend\tperms\toffset\tdev\tinode\tsize\trss\tpss\t"
	"pss_dirty\tshared_clean\tshared_dirty\tprivate_clean\t"
	"private_dirty\treferenced\tanonymous\tswap\tswap_pss\tlocked\t"
	"anon_huge\tvmflags\tkind\tstarttime\tname\n";
#define REGION(start, end, rss, name)                                          \
	"7\t" start "\t" end "\trw-p\t0x000000000000\t00:00\t0\t4096\t" rss   \
	"\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\trd wr\tanon\t-\t" name "\n"

/* Headerless input (after grep) is region records; duplicates add up. */
START_TEST(test_headerless_and_sums)
{
	struct fx_diff_show show = { 0 };
	struct fx_err err = { 0 };
	struct fx_buf out;
	struct fx_diff d;

	fx_buf_init(&out);
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	ck_assert_int_eq(load_text(&d, FX_DIFF_OLD,
				   REGION("0x000000001000", "0x000000002000",
					  "4096", "a"),
				   &err),
			 0);
	ck_assert_int_eq(load_text(&d, FX_DIFF_NEW,
				   REGION("0x000000001000", "0x000000002000",
					  "4096", "a")
				   REGION("0x000000001000", "0x000000002000",
					  "-", "a")
				   REGION("0x000000001000", "0x000000002000",
					  "8192", "a"),
				   &err),
			 0);
	diff_out(&d, &show, FX_FMT_TSV, &out);
	ck_assert_str_eq(out.data,
			 "delta\told\tnew\tstatus\tpid\tstart\tend\tname\n"
			 "8192\t4096\t12288\tgrown\t7\t0x000000001000\t"
			 "0x000000002000\ta\n");
	fx_diff_release(&d);
	/* Values at the top of the range do not wrap. */
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	ck_assert_int_eq(load_text(&d, FX_DIFF_OLD,
				   "count\tbytes\tenc\ttext\n0\t0\tascii\tx\n",
				   &err), 0);
	ck_assert_int_eq(load_text(&d, FX_DIFF_NEW,
				   "count\tbytes\tenc\ttext\n"
				   "18446744073709551615\t0\tascii\tx\n"
				   "18446744073709551615\t0\tascii\tx\n",
				   &err), 0);
	diff_out(&d, &show, FX_FMT_TSV, &out);
	ck_assert_str_eq(out.data, "delta\told\tnew\tstatus\tenc\ttext\n"
				   "9223372036854775807\t0\t18446744073709551615"
				   "\tgrown\tascii\tx\n");
	fx_diff_release(&d);
	fx_buf_release(&out);
}
END_TEST

START_TEST(test_errors)
{
	struct fx_err err = { 0 };
	struct fx_diff d;
	char text[4096];

	/* Two kinds. */
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	load(&d, FX_DIFF_OLD, "records/regions-1.tsv", 0, &err);
	load(&d, FX_DIFF_NEW, "records/chunks-1.tsv", -EINVAL, &err);
	ck_assert_str_eq(err.msg, "a chunk histogram, where the old capture "
				  "holds region records: compare two captures "
				  "of one kind");
	ck_assert_uint_eq(err.line, 0);
	fx_diff_release(&d);
	/* A truncated last line. */
	snprintf(text, sizeof(text), "%s%s7\t0x000000003000\t0x00000000",
		 regions_hdr,
		 REGION("0x000000001000", "0x000000002000", "4096", "a"));
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	ck_assert_int_eq(load_text(&d, FX_DIFF_OLD, text, &err), -EBADMSG);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_str_eq(err.msg, "3 fields where the header has 25");
	fx_diff_release(&d);
	/* Kinds mixed in one capture, named by line. */
	snprintf(text, sizeof(text), "%s%scount\tbytes\tenc\ttext\n1\t1\ta\tb\n",
		 regions_hdr,
		 REGION("0x000000001000", "0x000000002000", "4096", "a"));
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	ck_assert_int_eq(load_text(&d, FX_DIFF_OLD, text, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 4);
	fx_diff_release(&d);
	/* Empty; a header alone is fine and tells the kind. */
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	ck_assert_int_eq(load_text(&d, FX_DIFF_OLD, "", &err), -ENODATA);
	ck_assert_int_eq(load_text(&d, FX_DIFF_OLD, "# only a comment\n", &err),
			 -ENODATA);
	ck_assert_int_eq(load_text(&d, FX_DIFF_OLD, regions_hdr, &err), 0);
	ck_assert_int_eq(d.kind, FX_REC_REGION);
	ck_assert_int_eq(load_text(&d, FX_DIFF_NEW,
				   "count\tbytes\tenc\ttext\n", &err),
			 -EINVAL);
	fx_diff_release(&d);
	/* Not a kind snapdiff compares; a column that is not a number. */
	ck_assert_int_eq(fx_diff_init(&d, NULL, NULL), 0);
	ck_assert_int_eq(load_text(&d, FX_DIFF_OLD,
				   "delta\told\tnew\tstatus\tname\n"
				   "1\t1\t2\tgrown\tx\n", &err), -EINVAL);
	fx_diff_release(&d);
	ck_assert_int_eq(fx_diff_init(&d, "perms", NULL), 0);
	load(&d, FX_DIFF_OLD, "records/regions-1.tsv", -EDOM, &err);
	ck_assert_uint_eq(err.line, 2);
	fx_diff_release(&d);
	ck_assert_int_eq(fx_diff_init(&d, "nosuch", "nogroup"), 0);
	load(&d, FX_DIFF_OLD, "records/regions-1.tsv", -ENOENT, &err);
	ck_assert_str_eq(err.msg, "no column 'nosuch' to compare");
	fx_diff_release(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_add_test(tc, test_kind_of);
	tcase_add_test(tc, test_keys_hold_pid);
	tcase_add_test(tc, test_reused_pid);
	tcase_add_test(tc, test_chunks);
	tcase_add_test(tc, test_regions);
	tcase_add_test(tc, test_group);
	tcase_add_test(tc, test_threads_top_summary);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_headerless_and_sums);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
