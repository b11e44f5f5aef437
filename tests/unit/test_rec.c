/*
 * test_rec: the record writer (TSV, JSON Lines, table), escaping, number
 * parsing and the streaming reader. Output goes to a memfd or a pipe and
 * is read back.
 */
#include <signal.h>
#include <sys/wait.h>

#include "internal.h"
#include "unit.h"

static const char *const cols3[] = { "pid", "start", "name" };

/* Write rows of (u64, addr, raw text) in fmt; the output into out. */
static void write3(enum fx_format fmt, const uint64_t *n, const uint64_t *a,
		   const char *const *text, const size_t *tlen, size_t rows,
		   struct fx_buf *out)
{
	struct fx_writer w;
	int fd = unit_memfd();
	size_t i;

	fx_writer_init(&w, fd, fmt);
	ck_assert_int_eq(fx_writer_columns(&w, cols3, 3), 0);
	for (i = 0; i < rows; i++) {
		if (n[i] == UINT64_MAX)
			ck_assert_int_eq(fx_writer_missing(&w), 0);
		else
			ck_assert_int_eq(fx_writer_u64(&w, n[i]), 0);
		ck_assert_int_eq(fx_writer_addr(&w, a[i]), 0);
		ck_assert_int_eq(fx_writer_text(&w, text[i], tlen[i]), 0);
		ck_assert_int_eq(fx_writer_end(&w), 0);
	}
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	fx_writer_release(&w);
	unit_slurp(fd, out);
	close(fd);
}

START_TEST(test_tsv)
{
	static const uint64_t n[] = { 4242, 0, UINT64_MAX };
	static const uint64_t a[] = { 0x55d0c8a00000ULL, 0,
				      0xffffffffff600000ULL };
	static const char *const t[] = { "[heap]", "a\tb\nc\rd\\e\x01\x1b\x7f",
					 "caf\xc3\xa9 \xff" };
	static const size_t tl[] = { 6, 12, 7 };
	struct fx_buf out;

	fx_buf_init(&out);
	write3(FX_FMT_TSV, n, a, t, tl, 3, &out);
	ck_assert_str_eq(out.data,
			 "pid\tstart\tname\n"
			 "4242\t0x55d0c8a00000\t[heap]\n"
			 "0\t0x000000000000\ta\\tb\\nc\\rd\\\\e\\x01\\x1b\\x7f\n"
			 "-\t0xffffffffff600000\tcaf\xc3\xa9 \\xff\n");
	fx_buf_release(&out);
}
END_TEST

/*
 * Nothing a terminal acts on survives fx_escape: the C1 controls as UTF-8
 * encodes them (c2 9b is CSI to a UTF-8 terminal) and bytes that are not
 * UTF-8 (9b alone is CSI to an 8-bit one) are escaped; other UTF-8 stays.
 */
START_TEST(test_escape_c1)
{
	static const struct {
		const char *raw, *esc;
	} t[] = {
		{ "a\xc2\x9b" "31mb", "a\\xc2\\x9b31mb" },
		{ "\x9b" "2J", "\\x9b2J" },
		{ "\xc2\x80\xc2\x9f\xc2\xa0", "\\xc2\\x80\\xc2\\x9f\xc2\xa0" },
		{ "\xe2\x82\xac \xf0\x9f\x98\x80", "\xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "\xe2\x82", "\\xe2\\x82" },		/* cut short */
		{ "\xc0\xaf", "\\xc0\\xaf" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },	/* a surrogate */
		{ "\x1b]0;x\x07", "\\x1b]0;x\\x07" },
	};
	struct fx_buf e, u;
	size_t i;

	fx_buf_init(&e);
	fx_buf_init(&u);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		fx_buf_reset(&e);
		fx_buf_reset(&u);
		ck_assert_int_eq(fx_escape(&e, t[i].raw, strlen(t[i].raw)), 0);
		ck_assert_str_eq(e.data, t[i].esc);
		ck_assert_int_eq(fx_unescape(&u, e.data, e.len), 0);
		ck_assert_str_eq(u.data, t[i].raw);
	}
	/* The terminal form keeps backslashes (the text is escaped TSV). */
	fx_buf_reset(&e);
	ck_assert_int_eq(fx_escape_term(&e, "a\\tb\x1b[2J\xc2\x9b", 10), 0);
	ck_assert_str_eq(e.data, "a\\tb\\x1b[2J\\xc2\\x9b");
	fx_buf_release(&e);
	fx_buf_release(&u);
}
END_TEST

/*
 * A field passed through from a hostile record file (a raw ESC or C1 in
 * a column that is not the free text) and a hostile column name reach a
 * table, or TSV on a terminal, as text; JSON escapes C1 as \u009b.
 */
START_TEST(test_shown_fields)
{
	static const char *const c[] = { "pid", "cl\x1b[2Jass", "name" };
	static const char *const f[] = { "1", "x\x1b]0;pwn\x07y\xc2\x9bz",
					 "\x9b" };
	enum fx_format fmt[] = { FX_FMT_TABLE, FX_FMT_JSON };
	struct fx_writer w;
	struct fx_buf out;
	size_t i, j;
	int fd;

	fx_buf_init(&out);
	for (i = 0; i < 2; i++) {
		fd = unit_memfd();
		fx_writer_init(&w, fd, fmt[i]);
		ck_assert_int_eq(fx_writer_columns(&w, c, 3), 0);
		for (j = 0; j < 3; j++)
			ck_assert_int_eq(fx_writer_field(&w, f[j],
							 strlen(f[j])), 0);
		ck_assert_int_eq(fx_writer_end(&w), 0);
		ck_assert_int_eq(fx_writer_flush(&w), 0);
		fx_writer_release(&w);
		unit_slurp(fd, &out);
		close(fd);
		for (j = 0; j < out.len; j++) {
			unsigned char b = (unsigned char)out.data[j];

			ck_assert_msg(b >= 0x20 || b == '\n',
				      "control byte 0x%02x in %s", b, out.data);
			ck_assert_msg(b != 0x7f && b != 0x9b && b != 0xc2,
				      "byte 0x%02x in %s", b, out.data);
		}
		if (fmt[i] == FX_FMT_TABLE) {
			ck_assert_ptr_nonnull(strstr(out.data, "cl\\x1b[2Jass"));
			ck_assert_ptr_nonnull(
				strstr(out.data, "x\\x1b]0;pwn\\x07y\\xc2\\x9bz"));
		} else {
			ck_assert_ptr_nonnull(strstr(out.data, "\\u009bz"));
			ck_assert_ptr_nonnull(strstr(out.data, "\\u001b]0;pwn"));
		}
	}
	fx_buf_release(&out);
}
END_TEST

/* Table totals past 2^64 saturate, never wrap (2 x 2^63 showed 0). */
START_TEST(test_table_saturates)
{
	static const char *const c[] = { "pid", "count", "bytes", "text" };
	struct fx_writer w;
	struct fx_buf out;
	char *total;
	int fd = unit_memfd(), i;

	fx_buf_init(&out);
	fx_writer_init(&w, fd, FX_FMT_TABLE);
	ck_assert_int_eq(fx_writer_columns(&w, c, 4), 0);
	for (i = 0; i < 2; i++) {
		fx_writer_field(&w, "1", 1);
		fx_writer_field(&w, "9223372036854775808", 19);
		fx_writer_field(&w, "9223372036854775808", 19);
		fx_writer_field(&w, "x", 1);
		ck_assert_int_eq(fx_writer_end(&w), 0);
	}
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	fx_writer_release(&w);
	unit_slurp(fd, &out);
	close(fd);
	total = strstr(out.data, "total");
	ck_assert_ptr_nonnull(total);
	ck_assert_ptr_nonnull(strstr(total, "18446744073709551615"));
	ck_assert_ptr_nonnull(strstr(total, "16E"));
	fx_buf_release(&out);
}
END_TEST

START_TEST(test_json)
{
	static const uint64_t n[] = { 4242, UINT64_MAX, 0 };
	static const uint64_t a[] = { 0x1000, 0x7ffd00000000ULL, 0 };
	static const char *const t[] = { "say \"hi\"\t\\ \x01",
					 "\xff", "42" };
	static const size_t tl[] = { 12, 1, 2 };
	struct fx_buf out;

	fx_buf_init(&out);
	write3(FX_FMT_JSON, n, a, t, tl, 3, &out);
	ck_assert_str_eq(out.data,
			 "{\"pid\":4242,\"start\":\"0x000000001000\","
			 "\"name\":\"say \\\"hi\\\"\\u0009\\\\ \\u0001\"}\n"
			 "{\"pid\":null,\"start\":\"0x7ffd00000000\","
			 "\"name\":{\"bytes\":\"/w==\"}}\n"
			 "{\"pid\":0,\"start\":\"0x000000000000\","
			 "\"name\":\"42\"}\n");
	fx_buf_release(&out);
}
END_TEST

/* Base64 of every padding case, and which bytes count as UTF-8. */
START_TEST(test_json_bytes)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;	/* the name value in JSON */
	} c[] = {
		{ "\xff\xfe", 2, "{\"bytes\":\"//4=\"}" },
		{ "\xff\xfe\xfd", 3, "{\"bytes\":\"//79\"}" },
		{ "ab\x80\x81", 4, "{\"bytes\":\"YWKAgQ==\"}" },
		{ "\xc0\x80", 2, "{\"bytes\":\"wIA=\"}" },	/* overlong NUL */
		{ "\xed\xa0\x80", 3, "{\"bytes\":\"7aCA\"}" },	/* surrogate */
		{ "\xe2\x82", 2, "{\"bytes\":\"4oI=\"}" },	/* cut short */
		{ "\xe2\x82\xac", 3, "\"\xe2\x82\xac\"" },		/* euro sign */
		{ "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"" },
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "", 0, "\"\"" },
	};
	uint64_t n = 1, a = 2;
	struct fx_buf out;
	char want[128];
	size_t i;

	fx_buf_init(&out);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		write3(FX_FMT_JSON, &n, &a, &c[i].in, &c[i].len, 1, &out);
		snprintf(want, sizeof(want), "{\"pid\":1,\"start\":"
			 "\"0x000000000002\",\"name\":%s}\n", c[i].want);
		ck_assert_msg(strcmp(out.data, want) == 0, "case %zu: %s", i,
			      out.data);
	}
	fx_buf_release(&out);
}
END_TEST

/* Escaped TSV fields in: numbers only where JSON allows them. */
START_TEST(test_json_fields)
{
	static const char *const c[] = { "a", "b", "c", "d", "e", "name" };
	struct fx_writer w;
	struct fx_buf out;
	int fd = unit_memfd();

	fx_buf_init(&out);
	fx_writer_init(&w, fd, FX_FMT_JSON);
	ck_assert_int_eq(fx_writer_columns(&w, c, 6), 0);
	fx_writer_field(&w, "007", 3);
	fx_writer_field(&w, "18446744073709551615", 20);
	fx_writer_field(&w, "rw-p", 4);
	fx_writer_field(&w, "x\\ty", 4);
	fx_writer_field(&w, "-", 1);
	fx_writer_field(&w, "-", 1);
	ck_assert_int_eq(fx_writer_end(&w), 0);
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	unit_slurp(fd, &out);
	ck_assert_str_eq(out.data, "{\"a\":\"007\",\"b\":\"18446744073709551615\","
			 "\"c\":\"rw-p\",\"d\":\"x\\u0009y\",\"e\":null,"
			 "\"name\":null}\n");
	fx_writer_release(&w);
	fx_buf_release(&out);
	close(fd);
}
END_TEST

START_TEST(test_field_count)
{
	struct fx_writer w;
	struct fx_buf out;
	int fd = unit_memfd();

	fx_buf_init(&out);
	fx_writer_init(&w, fd, FX_FMT_TSV);
	ck_assert_int_eq(fx_writer_columns(&w, cols3, 3), 0);
	fx_writer_u64(&w, 1);
	ck_assert_int_eq(fx_writer_end(&w), -EINVAL);
	fx_writer_u64(&w, 1);
	fx_writer_u64(&w, 2);
	fx_writer_u64(&w, 3);
	fx_writer_u64(&w, 4);
	ck_assert_int_eq(fx_writer_end(&w), -EINVAL);
	/* The writer goes on with the next row. */
	fx_writer_u64(&w, 5);
	fx_writer_addr(&w, 6);
	fx_writer_text(&w, "x", 1);
	ck_assert_int_eq(fx_writer_end(&w), 0);
	/* New columns: a new header. */
	ck_assert_int_eq(fx_writer_columns(&w, cols3 + 1, 2), 0);
	fx_writer_missing(&w);
	fx_writer_text(&w, "", 0);
	ck_assert_int_eq(fx_writer_end(&w), 0);
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	unit_slurp(fd, &out);
	ck_assert_str_eq(out.data, "pid\tstart\tname\n5\t0x000000000006\tx\n"
			 "start\tname\n-\t\n");
	fx_writer_release(&w);
	fx_buf_release(&out);
	close(fd);
}
END_TEST

/* Table mode: aligned, human sizes, hidden columns, a totals line. */
START_TEST(test_table)
{
	static const char *const c[] = { "pid", "start", "offset", "size",
					 "rss", "kind", "name" };
	static const char *const rows[][7] = {
		{ "1", "0x000000400000", "0x000000000000", "4096", "1536",
		  "file", "/bin/x" },
		{ "22", "0x7ffd00000000", "0x000000000000", "1048576", "-",
		  "stack", "[stack]" },
		{ "333", "0x7f0000000000", "0x000000001000", "10737418240",
		  "3221225472", "anon", "-" },
	};
	struct fx_writer w;
	struct fx_buf out;
	char *line[8], *p;
	size_t i, j, nl = 0, col;
	int fd = unit_memfd();

	fx_buf_init(&out);
	fx_writer_init(&w, fd, FX_FMT_TABLE);
	ck_assert_int_eq(fx_writer_columns(&w, c, 7), 0);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 7; j++)
			fx_writer_field(&w, rows[i][j], strlen(rows[i][j]));
		ck_assert_int_eq(fx_writer_end(&w), 0);
	}
	/* Nothing is written before the flush: the columns must align. */
	unit_slurp(fd, &out);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(fx_writer_flush(&w), 0);
	unit_slurp(fd, &out);
	for (p = out.data; *p && nl < 8; p = strchr(p, '\n') + 1)
		line[nl++] = p;
	ck_assert_uint_eq(nl, 5);	/* header, 3 rows, totals */
	ck_assert(strstr(out.data, "offset") == NULL);
	ck_assert(strstr(out.data, "0x000000001000") == NULL);
	ck_assert(strncmp(line[1], "    1  ", 7) == 0 ||
		  strncmp(line[1], "  1  ", 5) == 0);
	ck_assert(strncmp(line[4], "total", 5) == 0);
	ck_assert_ptr_nonnull(strstr(line[1], "4.0K"));
	ck_assert_ptr_nonnull(strstr(line[1], "1.5K"));
	ck_assert_ptr_nonnull(strstr(line[2], "1.0M"));
	ck_assert_ptr_nonnull(strstr(line[3], "10G"));
	ck_assert_ptr_nonnull(strstr(line[3], "3.0G"));
	/* Totals: 4096 + 1 MiB + 10 GiB of size, 1536 + 3 GiB of rss. */
	ck_assert_ptr_nonnull(strstr(line[4], "10G"));
	ck_assert_ptr_nonnull(strstr(line[4], "3.0G"));
	ck_assert_ptr_nonnull(strstr(line[4], "3 records"));
	/* The kind column starts at one offset on every line. */
	col = (size_t)(strstr(line[0], "kind") - line[0]);
	ck_assert(strncmp(line[1] + col, "file ", 5) == 0);
	ck_assert(strncmp(line[2] + col, "stack", 5) == 0);
	ck_assert(strncmp(line[3] + col, "anon ", 5) == 0);
	fx_writer_release(&w);
	fx_buf_release(&out);
	close(fd);
}
END_TEST

START_TEST(test_human)
{
	static const struct {
		uint64_t n;
		const char *s;
	} c[] = {
		{ 0, "0B" }, { 1023, "1023B" }, { 1024, "1.0K" },
		{ 10240, "10K" }, { 1536, "1.5K" }, { 1288490189, "1.2G" },
		{ 1ULL << 40, "1.0T" }, { UINT64_MAX, "16E" },
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		fx_human_size(c[i].n, out, sizeof(out));
		ck_assert_str_eq(out, c[i].s);
	}
}
END_TEST

START_TEST(test_escape_roundtrip)
{
	struct fx_buf e, u;
	char raw[512];
	size_t i, len, k;
	int bad;

	srandom(1234 + (unsigned)_i);
	fx_buf_init(&e);
	fx_buf_init(&u);
	for (k = 0; k < 2000; k++) {
		len = (size_t)random() % sizeof(raw);
		for (i = 0; i < len; i++) {
			/* Bias to the bytes that need escaping. */
			static const char hard[] = "\t\n\r\\x0\x01\x7f\xff";

			raw[i] = random() % 3 ? (char)random() :
						hard[random() % 9];
		}
		fx_buf_reset(&e);
		fx_buf_reset(&u);
		ck_assert_int_eq(fx_escape(&e, raw, len), 0);
		/* The NUL the escaper writes must be inside the buffer. */
		ck_assert_uint_lt(e.len, e.cap);
		/* No control byte and no C1 control is left (one assertion:
		 * in fork mode each one costs a message to the parent). */
		for (i = 0, bad = 0; i < e.len; i++) {
			unsigned char b = (unsigned char)e.data[i];

			bad |= b < 0x20 || b == 0x7f ||
			       (b == 0xc2 && i + 1 < e.len &&
				(unsigned char)e.data[i + 1] < 0xa0);
		}
		ck_assert_msg(!bad, "control byte left in '%s'", e.data);
		ck_assert_int_eq(fx_unescape(&u, e.data, e.len), 0);
		ck_assert_uint_eq(u.len, len);
		ck_assert_mem_eq(u.data, raw, len);
	}
	/* Empty input into an empty buffer. */
	fx_buf_release(&e);
	fx_buf_release(&u);
	ck_assert_int_eq(fx_escape(&e, "", 0), 0);
	ck_assert_int_eq(fx_unescape(&u, "", 0), 0);
	ck_assert_uint_eq(u.len, 0);
	ck_assert_str_eq(u.data, "");
	fx_buf_release(&e);
	fx_buf_release(&u);
}
END_TEST

START_TEST(test_unescape_odd)
{
	static const struct {
		const char *in, *out;
		size_t outlen;
	} c[] = {
		{ "\\q", "\\q", 2 }, { "a\\", "a\\", 2 }, { "\\x4", "\\x4", 3 },
		{ "\\x4g", "\\x4g", 4 }, { "\\x41", "A", 1 },
		{ "\\X41", "\\X41", 4 }, { "\\x00", "\0", 1 },
		{ "\\\\n", "\\n", 2 }, { "\\t\\r\\n", "\t\r\n", 3 },
		{ "\\xFF", "\xff", 1 },
	};
	struct fx_buf u;
	size_t i;

	fx_buf_init(&u);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		fx_buf_reset(&u);
		ck_assert_int_eq(fx_unescape(&u, c[i].in, strlen(c[i].in)), 0);
		ck_assert_msg(u.len == c[i].outlen &&
			      memcmp(u.data, c[i].out, u.len) == 0,
			      "case %zu", i);
	}
	fx_buf_release(&u);
}
END_TEST

START_TEST(test_parse_u64)
{
	static const struct {
		const char *s;
		int units;
		int ok;
		uint64_t v;
	} c[] = {
		{ "0", 0, 1, 0 }, { "4096", 0, 1, 4096 },
		{ "0x1000", 0, 1, 4096 }, { "0xFFff", 0, 1, 65535 },
		{ "4K", 1, 1, 4096 }, { "4k", 1, 1, 4096 },
		{ "4KiB", 1, 1, 4096 }, { "4kb", 1, 1, 4096 },
		{ "3M", 1, 1, 3ULL << 20 }, { "2G", 1, 1, 2ULL << 30 },
		{ "5T", 1, 1, 5ULL << 40 }, { "4K", 0, 0, 0 },
		{ "4Q", 1, 0, 0 }, { "4Ki", 1, 1, 4096 }, { "4KiBx", 1, 0, 0 },
		{ "18446744073709551615", 0, 1, UINT64_MAX },
		{ "18446744073709551610", 0, 1, UINT64_MAX - 5 },
		{ "18446744073709551616", 0, 0, 0 },
		{ "99999999999999999999", 0, 0, 0 },
		{ "16777215T", 1, 1, 16777215ULL << 40 },
		{ "16777216T", 1, 0, 0 },
		{ "17179869184G", 1, 0, 0 },
		{ "0xffffffffffffffff", 0, 1, UINT64_MAX },
		{ "0x10000000000000000", 0, 0, 0 },
		{ "0x0000000000000000001", 0, 1, 1 },
		{ "-", 0, 0, 0 }, { "", 0, 0, 0 }, { "-1", 0, 0, 0 },
		{ "12x", 0, 0, 0 }, { "0x", 0, 0, 0 }, { " 1", 0, 0, 0 },
		{ "1 ", 0, 0, 0 }, { "0x1K", 1, 0, 0 }, { "K", 1, 0, 0 },
	};
	size_t i;
	uint64_t v;
	int r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		v = 12345;
		r = fx_parse_u64(c[i].s, &v, c[i].units);
		ck_assert_msg(r == (c[i].ok ? 0 : -EINVAL), "'%s': %d", c[i].s,
			      r);
		if (c[i].ok)
			ck_assert_msg(v == c[i].v, "'%s': %llu", c[i].s,
				      (unsigned long long)v);
	}
}
END_TEST

START_TEST(test_col_is_size)
{
	ck_assert(fx_col_is_size("rss"));
	ck_assert(fx_col_is_size("inuse_bytes"));
	ck_assert(fx_col_is_size("bytes"));
	ck_assert(!fx_col_is_size("_bytes"));
	ck_assert(!fx_col_is_size("pid"));
	ck_assert(!fx_col_is_size("start"));
}
END_TEST

/* ---- reader ---- */

static const char *const canon[] = { "pid", "start", "size", "name" };

/* A reader over a memfd holding text s. */
static int open_reader(struct fx_reader *r, const char *s, size_t len)
{
	int fd = unit_memfd_with(s, len);

	ck_assert_int_eq(fx_reader_init(r, fd, canon, 4), 0);
	return fd;
}

START_TEST(test_reader_header)
{
	static const char t[] =
		"# a comment first\n"
		"name\tsize\tpid\textra\n"
		"[heap]\t4096\t42\tx\n"		/* first field not numeric */
		"42\t4096\tnot\tx\n";
	static const char u[] =
		"size\tname\textra\tpid\r\n"
		"4096\t[heap]\tx\t42\r\n"
		"\r\n"
		"#\tcomment\n"
		"size\tname\textra\tpid\n"
		"8192\ta\\tb\t\t7";		/* no final newline */
	struct fx_reader r;
	int fd;

	fd = open_reader(&r, t, sizeof(t) - 1);
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 3);
	ck_assert_int_eq(fx_reader_col(&r, "size"), 1);
	ck_assert_int_eq(fx_reader_col(&r, "extra"), 3);
	ck_assert_int_eq(fx_reader_col(&r, "nope"), -1);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_uint_eq(r.nf, 4);
	ck_assert_str_eq(r.f[2], "not");
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	close(fd);

	fd = open_reader(&r, u, sizeof(u) - 1);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(r.hdr_changed, 1);
	ck_assert_int_eq(r.headerless, 0);
	ck_assert_int_eq(fx_reader_col(&r, "pid"), 3);
	ck_assert_str_eq(r.f[3], "42");		/* CR removed */
	ck_assert_str_eq(r.f[1], "[heap]");
	/* The same header again (after `cat a b`) is skipped. */
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(r.hdr_changed, 0);
	ck_assert_uint_eq(r.lineno, 6);
	ck_assert_str_eq(r.f[0], "8192");
	ck_assert_str_eq(r.f[1], "a\\tb");	/* still escaped */
	ck_assert_str_eq(r.f[2], "");
	ck_assert_str_eq(r.f[3], "7");
	ck_assert_int_eq(fx_reader_next(&r), 0);
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	close(fd);
}
END_TEST

START_TEST(test_reader_new_header)
{
	static const char t[] =
		"pid\trss\tname\n"
		"1\t10\ta\n"
		"rss\tpid\tkind\tname\n"
		"20\t2\theap\tb\n"
		"3\t30\n";
	struct fx_reader r;
	int fd = open_reader(&r, t, sizeof(t) - 1);

	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(fx_reader_col(&r, "rss"), 1);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(r.hdr_changed, 1);
	ck_assert_int_eq(fx_reader_col(&r, "rss"), 0);
	ck_assert_int_eq(fx_reader_col(&r, "kind"), 2);
	ck_assert_uint_eq(r.nhdr, 4);
	ck_assert_str_eq(r.f[2], "heap");
	/* Two fields under a four-column header. */
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 5);
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	close(fd);
}
END_TEST

/* A new header, then a bad line: the next row still says so. */
/*
 * A header naming a column twice is refused, and so is every row under
 * it up to the next good header: which `rss` a reader would take is a
 * guess (rank gave the first one's values to both columns).
 */
START_TEST(test_reader_duplicate_column)
{
	static const char t[] =
		"pid\trss\trss\tname\n"
		"1\t2\t3\tx\n"
		"pid\trss\trss\tname\n"
		"4\t5\t6\ty\n"
		"pid\trss\tname\n"
		"7\t8\tz\n";
	struct fx_reader r;
	int fd = open_reader(&r, t, sizeof(t) - 1);

	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 1);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "'rss' twice"));
	ck_assert_int_eq(fx_reader_col(&r, "rss"), -1);
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 2);
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);	/* again */
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 4);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(fx_reader_col(&r, "rss"), 1);
	ck_assert_str_eq(r.f[1], "8");
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	close(fd);
}
END_TEST

START_TEST(test_reader_header_then_bad)
{
	static const char t[] =
		"pid\trss\tname\n"
		"1\t2\n"
		"3\t4\tx\n"
		"5\t6\ty\n"
		"name\tpid\n"
		"Oops\n"
		"#\n"
		"7\t8\n";
	struct fx_reader r;
	int fd = open_reader(&r, t, sizeof(t) - 1);

	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 2);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(r.hdr_changed, 1);
	ck_assert_str_eq(r.f[2], "x");
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(r.hdr_changed, 0);
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 6);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(r.hdr_changed, 1);
	ck_assert_int_eq(fx_reader_col(&r, "pid"), 1);
	ck_assert_str_eq(r.f[1], "8");
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	close(fd);
}
END_TEST

START_TEST(test_reader_headerless)
{
	static const char t[] =
		"1\t0x000000400000\t4096\t/bin/x\n"
		"2\t0x000000401000\t8192\tx1\tx2\t/bin/y\n"
		"-\t0x000000402000\t-\t-\n"
		"3\t0x000000403000\n"
		"4\t0x000000404000\t1\tz\n";
	struct fx_reader r;
	int fd = open_reader(&r, t, sizeof(t) - 1);

	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_int_eq(r.headerless, 1);
	ck_assert_uint_eq(r.nhdr, 4);
	ck_assert_int_eq(fx_reader_col(&r, "size"), 2);
	ck_assert_int_eq(fx_reader_col(&r, "name"), 3);
	ck_assert_str_eq(r.f[3], "/bin/x");
	/* The header is fixed by the first row: six fields do not fit. */
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 2);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_str_eq(r.f[0], "-");
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 4);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_str_eq(r.f[3], "z");
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	close(fd);
}
END_TEST

/* Extra columns of headerless input sit before the free-text column. */
START_TEST(test_reader_headerless_extra)
{
	static const char t[] =
		"2\t0x000000401000\t8192\tsha\tholes\t/bin/y\n";
	static const char s[] = "1\t0x000000401000\t8192\n";
	struct fx_reader r;
	int fd = open_reader(&r, t, sizeof(t) - 1);

	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_uint_eq(r.nhdr, 6);
	ck_assert_int_eq(fx_reader_col(&r, "name"), 5);
	ck_assert_int_eq(fx_reader_col(&r, "size"), 2);
	ck_assert_str_eq(r.hdr[3], "col4");
	ck_assert_str_eq(r.hdr[4], "col5");
	ck_assert_str_eq(r.f[5], "/bin/y");
	ck_assert_str_eq(r.f[3], "sha");
	fx_reader_release(&r);
	close(fd);
	/* Fewer fields than the canonical columns: an error. */
	fd = open_reader(&r, s, sizeof(s) - 1);
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 1);
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	close(fd);
	/* Without canonical columns, headerless input is an error. */
	fd = unit_memfd_with(t, sizeof(t) - 1);
	ck_assert_int_eq(fx_reader_init(&r, fd, NULL, 0), 0);
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 1);
	fx_reader_release(&r);
	close(fd);
}
END_TEST

START_TEST(test_reader_bad_lines)
{
	static const char t[] =
		"pid\tname\n"
		"1\ta\0b\n"
		"Rss:\tx\n"
		"0x10\tok\n";
	struct fx_reader r;
	int fd = open_reader(&r, t, sizeof(t) - 1);

	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 2);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "NUL"));
	ck_assert_int_eq(fx_reader_next(&r), -EBADMSG);
	ck_assert_uint_eq(r.err.line, 3);
	ck_assert_int_eq(fx_reader_next(&r), 1);
	ck_assert_str_eq(r.f[0], "0x10");
	ck_assert_str_eq(r.f[1], "ok");
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	close(fd);
}
END_TEST

/* Lines longer than the reader's 256 KiB read chunk, and many of them. */
START_TEST(test_reader_long_line)
{
	size_t big = 600 * 1024, i, total;
	struct fx_reader r;
	struct fx_buf in;
	int fd;

	fx_buf_init(&in);
	fx_buf_init(&in);
	ck_assert_int_eq(fx_escape(&in, "", 0), 0);
	{
		static const char h[] = "pid\tname\n";
		char *text = malloc(big);

		ck_assert_ptr_nonnull(text);
		for (i = 0; i < big; i++)
			text[i] = (char)('a' + i % 26);
		fd = unit_memfd();
		ck_assert(write(fd, h, sizeof(h) - 1) == sizeof(h) - 1);
		for (i = 0; i < 3; i++) {
			ck_assert(write(fd, "7\t", 2) == 2);
			ck_assert(write(fd, text, big - i) ==
				  (ssize_t)(big - i));
			ck_assert(write(fd, "\n", 1) == 1);
		}
		for (i = 0; i < 5000; i++)
			ck_assert(write(fd, "8\tshort\n", 8) == 8);
		ck_assert(write(fd, "9\tlast", 6) == 6);
		ck_assert(lseek(fd, 0, SEEK_SET) == 0);
		ck_assert_int_eq(fx_reader_init(&r, fd, canon, 4), 0);
		for (i = 0; i < 3; i++) {
			ck_assert_int_eq(fx_reader_next(&r), 1);
			ck_assert_str_eq(r.f[0], "7");
			ck_assert_uint_eq(strlen(r.f[1]), big - i);
			ck_assert_mem_eq(r.f[1], text, big - i);
		}
		free(text);
	}
	for (total = 0; fx_reader_next(&r) == 1; total++)
		if (total < 5000)
			ck_assert_str_eq(r.f[1], "short");
	ck_assert_uint_eq(total, 5001);
	ck_assert_str_eq(r.f[1], "last");
	ck_assert_uint_eq(r.lineno, 5005);
	fx_reader_release(&r);
	fx_buf_release(&in);
	close(fd);
}
END_TEST

/* Through a pipe, in pieces: what the writer wrote, the reader reads. */
START_TEST(test_pipe_roundtrip)
{
	static const char *const c[] = { "pid", "size", "name" };
	struct fx_writer w;
	struct fx_reader r;
	struct fx_buf u;
	char text[100][64];
	size_t len[100], i, j;
	int p[2];
	pid_t kid;

	srandom(99);
	for (i = 0; i < 100; i++) {
		len[i] = (size_t)random() % 64;
		for (j = 0; j < len[i]; j++)
			text[i][j] = (char)random();
	}
	ck_assert_int_eq(pipe(p), 0);
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		close(p[0]);
		fx_writer_init(&w, p[1], FX_FMT_TSV);
		fx_writer_columns(&w, c, 3);
		for (i = 0; i < 100; i++) {
			fx_writer_u64(&w, i);
			if (i % 7 == 0)
				fx_writer_missing(&w);
			else
				fx_writer_u64(&w, i * 4096);
			fx_writer_text(&w, text[i], len[i]);
			if (fx_writer_end(&w))
				_exit(1);
		}
		_exit(fx_writer_flush(&w) ? 1 : 0);
	}
	close(p[1]);
	fx_buf_init(&u);
	ck_assert_int_eq(fx_reader_init(&r, p[0], NULL, 0), 0);
	for (i = 0; i < 100; i++) {
		uint64_t v;

		ck_assert_int_eq(fx_reader_next(&r), 1);
		ck_assert_int_eq(fx_parse_u64(r.f[0], &v, 0), 0);
		ck_assert_uint_eq(v, i);
		if (i % 7 == 0) {
			ck_assert_str_eq(r.f[1], "-");
		} else {
			ck_assert_int_eq(fx_parse_u64(r.f[1], &v, 0), 0);
			ck_assert_uint_eq(v, i * 4096);
		}
		fx_buf_reset(&u);
		ck_assert_int_eq(fx_unescape(&u, r.f[2], strlen(r.f[2])), 0);
		ck_assert_uint_eq(u.len, len[i]);
		ck_assert_mem_eq(u.data, text[i], len[i]);
	}
	ck_assert_int_eq(fx_reader_next(&r), 0);
	fx_reader_release(&r);
	fx_buf_release(&u);
	close(p[0]);
	{
		int st;

		ck_assert_int_eq(waitpid(kid, &st, 0), kid);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}
END_TEST

/* A reader gone: -EPIPE, sticky. */
START_TEST(test_epipe)
{
	struct fx_writer w;
	int p[2], i, r = 0;

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	fx_writer_init(&w, p[1], FX_FMT_TSV);
	fx_writer_columns(&w, cols3, 3);
	for (i = 0; i < 10; i++) {
		fx_writer_u64(&w, 1);
		fx_writer_u64(&w, 2);
		fx_writer_text(&w, "x", 1);
		fx_writer_end(&w);
	}
	ck_assert_int_eq(fx_writer_flush(&w), -EPIPE);
	fx_writer_u64(&w, 1);
	fx_writer_u64(&w, 2);
	fx_writer_text(&w, "x", 1);
	r = fx_writer_end(&w);
	ck_assert_int_eq(r, -EPIPE);
	ck_assert_int_eq(fx_writer_flush(&w), -EPIPE);
	fx_writer_release(&w);
	close(p[1]);
}
END_TEST

/* A line built by fx_buf_adds then fx_buf_addc('\n') reads as a C string
 * of its own length, whatever the buffer held past it (tool_warn_lines'
 * strchr ran past a notes buffer's end). */
START_TEST(test_buf_addc_terminates)
{
	struct fx_buf b;

	fx_buf_init(&b);
	ck_assert_int_eq(fx_buf_reserve(&b, 64), 0);
	memset(b.data, 'A', b.cap);	/* what a reused buffer may hold */
	ck_assert_int_eq(fx_buf_adds(&b, "note"), 0);
	ck_assert_int_eq(fx_buf_addc(&b, '\n'), 0);
	ck_assert_uint_eq(strlen(b.data), 5);
	ck_assert_uint_eq(b.len, 5);
	fx_buf_release(&b);
}
END_TEST

static Suite *rec_suite(void)
{
	Suite *s = suite_create("rec");
	TCase *w = tcase_create("writer");
	TCase *r = tcase_create("reader");

	tcase_add_test(w, test_tsv);
	tcase_add_test(w, test_escape_c1);
	tcase_add_test(w, test_shown_fields);
	tcase_add_test(w, test_table_saturates);
	tcase_add_test(w, test_json);
	tcase_add_test(w, test_json_bytes);
	tcase_add_test(w, test_json_fields);
	tcase_add_test(w, test_field_count);
	tcase_add_test(w, test_table);
	tcase_add_test(w, test_human);
	tcase_add_loop_test(w, test_escape_roundtrip, 0, 3);
	tcase_add_test(w, test_unescape_odd);
	tcase_add_test(w, test_parse_u64);
	tcase_add_test(w, test_col_is_size);
	tcase_add_test(w, test_epipe);
	tcase_add_test(w, test_buf_addc_terminates);
	tcase_add_test(r, test_reader_header);
	tcase_add_test(r, test_reader_new_header);
	tcase_add_test(r, test_reader_header_then_bad);
	tcase_add_test(r, test_reader_duplicate_column);
	tcase_add_test(r, test_reader_headerless);
	tcase_add_test(r, test_reader_headerless_extra);
	tcase_add_test(r, test_reader_bad_lines);
	tcase_add_test(r, test_reader_long_line);
	tcase_add_test(r, test_pipe_roundtrip);
	tcase_set_timeout(r, 30);
	suite_add_tcase(s, w);
	suite_add_tcase(s, r);
	return s;
}

int main(void)
{
	return unit_run(rec_suite());
}
