/*
 * rec: reading and writing records (format at the top of rec.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "rec.h"
#include "schema.h"

#define OUT_FLUSH_AT (64 * 1024)

/* Columns a terminal table leaves out to stay readable (region columns;
 * starttime, of every kind with a pid, is for the tools, not people). */
static const char *const table_hidden[] = {
	"offset", "dev", "inode", "pss_dirty", "shared_clean", "shared_dirty",
	"private_clean", "referenced", "anonymous", "swap_pss", "locked",
	"anon_huge", "vmflags", "starttime",
};

/*
 * The length of the valid UTF-8 sequence at p[0..n) (p[0] >= 0x80): 2, 3
 * or 4, or 0 when it is not one (a stray continuation byte, an overlong
 * form, a surrogate, past U+10FFFF, cut short).
 */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t k, j;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf) {
		k = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n <= k)
		return 0;
	for (j = 1; j <= k; j++) {
		if ((p[j] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[j] & 0x3f);
	}
	if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k + 1;
}

/*
 * Escape len bytes into b. Control bytes (C0, DEL), the C1 controls as
 * UTF-8 encodes them (c2 80..c2 9f: c2 9b is CSI to a UTF-8 terminal) and
 * bytes that are not valid UTF-8 (0x9b alone is CSI to an 8-bit one)
 * become \xHH; TAB, LF, CR become \t \n \r. With tsv set, a backslash
 * is doubled (the record format, undone by fx_unescape); without, it is
 * kept (the text is already escaped TSV, or a message). What remains is
 * valid UTF-8 without a control character: nothing a terminal acts on.
 */
static int escape_bytes(struct fx_buf *b, const char *s, size_t len, int tsv)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	if (fx_buf_reserve(b, len))
		return -ENOMEM;
	while (i < len) {
		unsigned char c = u[i];
		char e = 0;

		/* The common case: a run of plain ASCII, copied at once. */
		for (k = i; k < len && u[k] >= 0x20 && u[k] < 0x7f &&
			    !(tsv && u[k] == '\\'); k++)
			;
		if (k > i) {
			if (fx_buf_add(b, s + i, k - i))
				return -ENOMEM;
			i = k;
			continue;
		}
		switch (c) {
		case '\\': e = '\\'; break;
		case '\t': e = 't'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		}
		k = c >= 0x80 ? utf8_seq(u + i, len - i) : 0;
		if (e) {
			if (fx_buf_addc(b, '\\') || fx_buf_addc(b, e))
				return -ENOMEM;
			i++;
		} else if (k && !(c == 0xc2 && u[i + 1] <= 0x9f)) {
			if (fx_buf_add(b, s + i, k))
				return -ENOMEM;
			i += k;
		} else {
			/* A control, or one byte of a C1 or invalid run. */
			char t[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

			if (fx_buf_add(b, t, 4))
				return -ENOMEM;
			i++;
		}
	}
	if (b->data)
		b->data[b->len] = '\0';
	return 0;
}

int fx_escape(struct fx_buf *b, const char *s, size_t len)
{
	return escape_bytes(b, s, len, 1);
}

int fx_escape_term(struct fx_buf *b, const char *s, size_t len)
{
	return escape_bytes(b, s, len, 0);
}

int fx_unescape(struct fx_buf *b, const char *s, size_t len)
{
	size_t i;

	if (fx_buf_reserve(b, len))
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '\\' && i + 1 < len) {
			char n = s[i + 1];

			if (n == 't' || n == 'n' || n == 'r' || n == '\\') {
				c = n == 't' ? '\t' : n == 'n' ? '\n' :
				    n == 'r' ? '\r' : '\\';
				i++;
			} else if (n == 'x' && i + 3 < len &&
				   fx_hexval(s[i + 2]) >= 0 &&
				   fx_hexval(s[i + 3]) >= 0) {
				c = (char)(fx_hexval(s[i + 2]) << 4 |
					   fx_hexval(s[i + 3]));
				i += 3;
			}
		}
		b->data[b->len++] = c;
	}
	b->data[b->len] = '\0';
	return 0;
}

int fx_parse_u64(const char *s, uint64_t *v, int units)
{
	uint64_t x = 0, mul = 1;
	const char *p = s;
	int d;

	if (p[0] == '0' && p[1] == 'x') {
		p += 2;
		if (!*p)
			return -EINVAL;
		for (; *p; p++) {
			d = fx_hexval(*p);
			if (d < 0 || x >> 60)
				return -EINVAL;
			x = x << 4 | (uint64_t)d;
		}
		*v = x;
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		d = *p - '0';
		/* Exact, so that UINT64_MAX itself is a number. */
		if (x > (UINT64_MAX - (uint64_t)d) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)d;
	}
	if (*p && units) {
		switch (*p) {
		case 'k': case 'K': mul = 1ULL << 10; break;
		case 'm': case 'M': mul = 1ULL << 20; break;
		case 'g': case 'G': mul = 1ULL << 30; break;
		case 't': case 'T': mul = 1ULL << 40; break;
		default: return -EINVAL;
		}
		p++;
		if (*p == 'i')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
	}
	if (*p)
		return -EINVAL;
	if (mul > 1 && x > UINT64_MAX / mul)
		return -EINVAL;
	*v = x * mul;
	return 0;
}

void fx_human_size(uint64_t n, char *out, size_t outlen)
{
	static const char units[] = "BKMGTPE";
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, outlen, "%lluB", (unsigned long long)n);
	else if (v < 10)
		snprintf(out, outlen, "%.1f%c", v, units[u]);
	else
		snprintf(out, outlen, "%.0f%c", v, units[u]);
}

/* ---- writer ---- */

void fx_writer_init(struct fx_writer *w, int fd, enum fx_format fmt)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->fmt = fmt;
	/* What a person reads is made safe to show (table, TSV on a
	 * terminal, JSON's keys); TSV into a pipe passes fields as they came. */
	w->shown = fmt != FX_FMT_TSV || isatty(fd);
	fx_buf_init(&w->out);
	fx_buf_init(&w->row);
	fx_buf_init(&w->tab);
}

/* Is s[0..len) printable ASCII (nothing fx_escape_term would change)? */
static int plain(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static void free_cols(char **cols, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(cols[i]);
	free(cols);
}

static int write_all(struct fx_writer *w, const char *p, size_t n)
{
	if (!w->err)
		w->err = fx_write_all(w->fd, p, n);
	return w->err;
}

static int out_drain(struct fx_writer *w)
{
	int r = write_all(w, w->out.data, w->out.len);

	fx_buf_reset(&w->out);
	return r;
}

int fx_writer_columns(struct fx_writer *w, const char *const *cols, size_t n)
{
	size_t i;

	if (w->tab_n)
		fx_writer_flush(w);	/* a table per kind of record */
	free_cols(w->cols, w->ncols);
	w->ncols = 0;
	w->cols = calloc(n ? n : 1, sizeof(char *));
	if (!w->cols)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (w->shown && !plain(cols[i], strlen(cols[i]))) {
			struct fx_buf e;

			fx_buf_init(&e);
			if (fx_escape_term(&e, cols[i], strlen(cols[i])) == 0 &&
			    fx_buf_addc(&e, 0) == 0)
				w->cols[i] = e.data;	/* taken over */
			else
				fx_buf_release(&e);
		} else {
			w->cols[i] = strdup(cols[i]);
		}
		if (!w->cols[i]) {
			free_cols(w->cols, i);
			w->cols = NULL;
			return -ENOMEM;
		}
	}
	w->ncols = n;
	w->header_done = 0;
	return 0;
}

/* Room for one more field offset; 0 or -ENOMEM. */
static int field_slot(struct fx_writer *w)
{
	return FX_GROW(w->foff, w->nf, w->fcap, 32);
}

int fx_writer_field(struct fx_writer *w, const char *s, size_t len)
{
	if (w->shown && w->fmt != FX_FMT_JSON && !plain(s, len)) {
		/* A field passed through from input may hold what the
		 * record format forbids (a raw ESC in a hostile file). */
		int r = fx_writer_field(w, "", 0);

		if (r)
			return r;
		w->row.len--;
		if (fx_escape_term(&w->row, s, len) || fx_buf_addc(&w->row, 0))
			return -ENOMEM;
		return 0;
	}
	/* One check for the bytes, the NUL separator and the buffer's own
	 * terminating NUL (fx_buf_reserve keeps one more byte). */
	if (field_slot(w) || (w->row.len + len + 2 > w->row.cap &&
			      fx_buf_reserve(&w->row, len + 1)))
		return -ENOMEM;
	w->foff[w->nf++] = w->row.len;
	/* Fields are kept NUL-separated in row. */
	if (len)
		memcpy(w->row.data + w->row.len, s, len);
	w->row.len += len;
	w->row.data[w->row.len++] = '\0';
	return 0;
}

/* A small fx_buf over a stack array, for the number helpers of buf.c. */
static void stack_buf(struct fx_buf *b, char *tmp, size_t n)
{
	b->data = tmp;
	b->len = 0;
	b->cap = n;
}

int fx_writer_u64(struct fx_writer *w, uint64_t v)
{
	struct fx_buf b;
	char tmp[24];

	stack_buf(&b, tmp, sizeof(tmp));
	fx_buf_add_u64(&b, v);	/* fits: 20 digits + NUL */
	return fx_writer_field(w, tmp, b.len);
}

int fx_writer_addr(struct fx_writer *w, uint64_t v)
{
	struct fx_buf b;
	char tmp[24];

	stack_buf(&b, tmp, sizeof(tmp));
	fx_buf_add_addr(&b, v);	/* fits: 2 + 16 digits + NUL */
	return fx_writer_field(w, tmp, b.len);
}

int fx_writer_missing(struct fx_writer *w)
{
	return fx_writer_field(w, "-", 1);
}

int fx_writer_u64_known(struct fx_writer *w, uint64_t v)
{
	return v ? fx_writer_u64(w, v) : fx_writer_missing(w);
}

int fx_writer_text(struct fx_writer *w, const char *s, size_t len)
{
	size_t start;
	int r;

	r = fx_writer_field(w, "", 0);
	if (r)
		return r;
	/* Replace the empty field just added by the escaped text. */
	start = w->row.len - 1;
	w->row.len = start;
	if (fx_escape(&w->row, s, len) || fx_buf_addc(&w->row, 0))
		return -ENOMEM;
	return 0;
}

static int is_json_number(const char *s)
{
	size_t n = 0;

	if (s[0] == '0' && s[1])
		return 0;	/* JSON has no leading zeros */
	for (; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n > 0 && n <= 19;
}

/* Is p[0..n) valid UTF-8 (no overlongs, no surrogates)? */
static int valid_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(p + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

static int json_string(struct fx_buf *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (fx_buf_addc(o, '"'))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			char t[2] = { '\\', (char)c };

			if (fx_buf_add(o, t, 2))
				return -ENOMEM;
		} else if (c < 0x20 || c == 0x7f ||
			   (c == 0xc2 && i + 1 < n &&
			    (unsigned char)s[i + 1] < 0xa0)) {
			/* C0, DEL and the C1 controls (UTF-8 c2 80..9f) as
			 * \u00XX: the same text, nothing for a terminal. */
			char t[6] = { '\\', 'u', '0', '0', 0, 0 };

			if (c == 0xc2)
				c = (unsigned char)s[++i];
			t[4] = hex[c >> 4];
			t[5] = hex[c & 15];
			if (fx_buf_add(o, t, 6))
				return -ENOMEM;
		} else if (fx_buf_addc(o, (char)c)) {
			return -ENOMEM;
		}
	}
	return fx_buf_addc(o, '"');
}

static int base64(struct fx_buf *o, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char t[4] = { tab[p[i] >> 2], tab[(p[i] & 3) << 4 | p[i + 1] >> 4],
			      tab[(p[i + 1] & 15) << 2 | p[i + 2] >> 6],
			      tab[p[i + 2] & 63] };
		if (fx_buf_add(o, t, 4))
			return -ENOMEM;
	}
	if (n - i == 1) {
		char t[4] = { tab[p[i] >> 2], tab[(p[i] & 3) << 4], '=', '=' };
		return fx_buf_add(o, t, 4);
	}
	if (n - i == 2) {
		char t[4] = { tab[p[i] >> 2],
			      tab[(p[i] & 3) << 4 | p[i + 1] >> 4],
			      tab[(p[i + 1] & 15) << 2], '=' };
		return fx_buf_add(o, t, 4);
	}
	return 0;
}

int fx_json_bytes(struct fx_buf *o, const char *s, size_t n)
{
	int r = 0;

	if (valid_utf8((const unsigned char *)s, n))
		return json_string(o, s, n);
	r |= fx_buf_adds(o, "{\"bytes\":\"");
	r |= base64(o, (const unsigned char *)s, n);
	r |= fx_buf_adds(o, "\"}");
	return r ? -ENOMEM : 0;
}

static int render_json(struct fx_writer *w)
{
	struct fx_buf *o = &w->out;
	struct fx_buf raw;
	size_t i;
	int r = 0;

	fx_buf_init(&raw);
	r |= fx_buf_addc(o, '{');
	for (i = 0; i < w->nf && !r; i++) {
		const char *f = w->row.data + w->foff[i];
		int text = i == w->nf - 1;

		if (i)
			r |= fx_buf_addc(o, ',');
		r |= json_string(o, w->cols[i], strlen(w->cols[i]));
		r |= fx_buf_addc(o, ':');
		if (f[0] == '-' && f[1] == 0) {
			r |= fx_buf_adds(o, "null");
		} else if (!text && is_json_number(f)) {
			r |= fx_buf_adds(o, f);
		} else {
			fx_buf_reset(&raw);
			r |= fx_unescape(&raw, f, strlen(f));
			if (r)
				break;
			r |= fx_json_bytes(o, raw.data, raw.len);
		}
	}
	r |= fx_buf_addc(o, '}');
	r |= fx_buf_addc(o, '\n');
	fx_buf_release(&raw);
	return r ? -ENOMEM : 0;
}

int fx_writer_end(struct fx_writer *w)
{
	size_t i;
	int r = 0;

	if (w->nf != w->ncols) {
		w->nf = 0;
		fx_buf_reset(&w->row);
		return -EINVAL;
	}
	switch (w->fmt) {
	case FX_FMT_TSV:
		if (!w->header_done) {
			for (i = 0; i < w->ncols; i++) {
				r |= fx_buf_adds(&w->out, w->cols[i]);
				r |= fx_buf_addc(&w->out,
						 i + 1 < w->ncols ? '\t' : '\n');
			}
			w->header_done = 1;
		}
		/* The row's NUL separators become TABs, the last one LF. */
		r |= fx_buf_add(&w->out, w->row.data, w->row.len);
		for (i = 1; i < w->nf; i++)
			w->out.data[w->out.len - w->row.len + w->foff[i] - 1] =
				'\t';
		w->out.data[w->out.len - 1] = '\n';
		break;
	case FX_FMT_JSON:
		r = render_json(w);
		break;
	case FX_FMT_TABLE:
		if (FX_GROW(w->tab_off, w->tab_n, w->tab_cap, 64))
			return -ENOMEM;
		w->tab_off[w->tab_n++] = w->tab.len;
		r = fx_buf_add(&w->tab, w->row.data, w->row.len);
		break;
	}
	w->nf = 0;
	fx_buf_reset(&w->row);
	if (r)
		return -ENOMEM;
	if (w->out.len >= OUT_FLUSH_AT)
		return out_drain(w);
	return w->err;
}

/* The fields of stored table row `row` into f[0..ncols): one pass. */
static void tab_fields(struct fx_writer *w, size_t row, const char **f)
{
	const char *p = w->tab.data + w->tab_off[row];
	size_t c;

	for (c = 0; c < w->ncols; c++) {
		f[c] = p;
		p += strlen(p) + 1;
	}
}

static void table_cell(const char *f, const char *col, char *tmp, size_t n)
{
	uint64_t v;

	if (fx_col_is_size(col) && fx_parse_u64(f, &v, 0) == 0)
		fx_human_size(v, tmp, n);
	else
		snprintf(tmp, n, "%s", f);
}

static int render_table(struct fx_writer *w)
{
	size_t *width, *vis, nvis = 0, i, j, c;
	uint64_t *sum;
	size_t *nsum;
	int *right, r = 0;
	const char **fld;
	char tmp[64];

	fld = calloc(w->ncols + 1, sizeof(*fld));
	width = calloc(w->ncols + 1, sizeof(*width));
	vis = calloc(w->ncols + 1, sizeof(*vis));
	sum = calloc(w->ncols + 1, sizeof(*sum));
	right = calloc(w->ncols + 1, sizeof(*right));
	nsum = calloc(w->ncols + 1, sizeof(*nsum));
	if (!fld || !width || !vis || !sum || !right || !nsum) {
		r = -ENOMEM;
		goto out;
	}
	for (c = 0; c < w->ncols; c++)
		if (!fx_in_list(w->cols[c], table_hidden,
			     FX_ARRAY_SIZE(table_hidden)))
			vis[nvis++] = c;
	for (j = 0; j < nvis; j++) {
		c = vis[j];
		width[j] = strlen(w->cols[c]);
		right[j] = 1;
	}
	if (nvis && width[0] < 5)
		width[0] = 5;	/* "total" */
	if (nvis && !w->tab_n)
		right[nvis - 1] = 0;	/* room for "0 records" */
	for (i = 0; i < w->tab_n; i++) {
		tab_fields(w, i, fld);
		for (j = 0; j < nvis; j++) {
			const char *f = fld[vis[j]];
			uint64_t v;

			const char *s = f;

			c = vis[j];
			if (strlen(f) < sizeof(tmp) - 1) {
				table_cell(f, w->cols[c], tmp, sizeof(tmp));
				s = tmp;
			}
			if (strlen(s) > width[j])
				width[j] = strlen(s);
			if ((fx_col_is_size(w->cols[c]) ||
			     strcmp(w->cols[c], "count") == 0) &&
			    fx_parse_u64(f, &v, 0) == 0) {
				sum[j] = fx_sat_add(sum[j], v);
				nsum[j]++;
			}
			else if (!(f[0] == '-' && !f[1]) &&
				 fx_parse_u64(f, &v, 0) != 0)
				right[j] = 0;
			if (f[0] == '0' && f[1] == 'x')
				right[j] = 0;
		}
	}
	/* The header, the rows, then the totals line. */
	for (i = 0; i <= w->tab_n + !w->no_totals && !r; i++) {
		if (i >= 1 && i <= w->tab_n)
			tab_fields(w, i - 1, fld);
		for (j = 0; j < nvis; j++) {
			const char *s;
			size_t len, pad;

			c = vis[j];
			if (i == 0) {
				s = w->cols[c];
			} else if (i <= w->tab_n) {
				s = fld[c];
				if (strlen(s) < sizeof(tmp) - 1) {
					table_cell(s, w->cols[c], tmp,
						   sizeof(tmp));
					s = tmp;
				}
			} else if (j == 0) {
				s = "total";
			} else if (j == nvis - 1 && !right[j]) {
				snprintf(tmp, sizeof(tmp), "%zu record%s",
					 w->tab_n, w->tab_n == 1 ? "" : "s");
				s = tmp;
			} else if (!nsum[j]) {
				s = right[j] ? "-" : "";
			} else if (fx_col_is_size(w->cols[c])) {
				fx_human_size(sum[j], tmp, sizeof(tmp));
				s = tmp;
			} else if (strcmp(w->cols[c], "count") == 0) {
				snprintf(tmp, sizeof(tmp), "%llu",
					 (unsigned long long)sum[j]);
				s = tmp;
			} else {
				s = "";
			}
			len = strlen(s);
			pad = len < width[j] ? width[j] - len : 0;
			if (j == nvis - 1 && !right[j])
				pad = 0;	/* the free text, unpadded */
			if (right[j])
				while (pad--)
					r |= fx_buf_addc(&w->out, ' ');
			r |= fx_buf_add(&w->out, s, len);
			if (!right[j] && j + 1 < nvis)
				while (pad--)
					r |= fx_buf_addc(&w->out, ' ');
			r |= fx_buf_adds(&w->out, j + 1 < nvis ? "  " : "\n");
		}
		if (w->out.len >= OUT_FLUSH_AT)
			out_drain(w);
	}
	w->tab_n = 0;
	fx_buf_reset(&w->tab);
out:
	free(fld);
	free(width);
	free(vis);
	free(sum);
	free(right);
	free(nsum);
	return r ? -ENOMEM : 0;
}

int fx_writer_flush(struct fx_writer *w)
{
	/* A table with no rows still shows its header and "0 records":
	 * on a terminal, silence reads as a tool that did nothing. */
	if (w->fmt == FX_FMT_TABLE && (w->tab_n || !w->header_done) &&
	    w->ncols) {
		w->header_done = 1;
		render_table(w);
	}
	out_drain(w);
	return w->err;
}

void fx_writer_release(struct fx_writer *w)
{
	free_cols(w->cols, w->ncols);
	fx_buf_release(&w->out);
	fx_buf_release(&w->row);
	fx_buf_release(&w->tab);
	free(w->foff);
	free(w->tab_off);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

/* ---- reader ---- */

#define READ_CHUNK (256 * 1024)
#define MAX_LINE (1UL << 30)

int fx_reader_init(struct fx_reader *r, int fd, const char *const *canon,
		   size_t ncanon)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->canon = canon;
	r->ncanon = ncanon;
	r->cap = READ_CHUNK;
	r->buf = malloc(r->cap + 1);
	r->names = malloc(sizeof(*r->names));
	if (!r->buf || !r->names) {
		free(r->buf);
		free(r->names);
		r->buf = NULL;
		r->names = NULL;
		return -ENOMEM;
	}
	fx_strtab_init(r->names);
	return 0;
}

void fx_reader_release(struct fx_reader *r)
{
	free(r->buf);
	free_cols(r->hdr, r->nhdr);
	free(r->f);
	if (r->names)
		fx_strtab_release(r->names);
	free(r->names);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

int fx_reader_col(const struct fx_reader *r, const char *name)
{
	/* A hash, not a scan: a reader that looks every column up (rank,
	 * dump-region) stays linear in a header of 300,000 columns. */
	return r && r->names ? (int)fx_strtab_find(r->names, name,
						   strlen(name))
			     : -1;
}

/* Make sure a whole line is in buf[pos..]; returns its end, or NULL at EOF. */
static int fill(struct fx_reader *r, char **nl)
{
	ssize_t n;
	char *p;

	for (;;) {
		p = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		if (p) {
			*nl = p;
			return 1;
		}
		if (r->eof) {
			if (r->pos == r->end)
				return 0;
			/* A last line without '\n'. */
			r->buf[r->end] = '\n';
			*nl = r->buf + r->end;
			r->end++;
			return 1;
		}
		if (r->pos > 0) {
			memmove(r->buf, r->buf + r->pos, r->end - r->pos);
			r->end -= r->pos;
			r->pos = 0;
		}
		if (r->cap - r->end < READ_CHUNK / 4) {
			size_t cap = r->cap * 2;

			if (cap > MAX_LINE)
				return -E2BIG;
			p = realloc(r->buf, cap + 1);
			if (!p)
				return -ENOMEM;
			r->buf = p;
			r->cap = cap;
		}
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
}

static int is_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

/*
 * Take f[0..n) as the header. A header that names a column twice is
 * refused (-EBADMSG): which of the two a reader, rank's output or
 * snapdiff's key would take is a guess, so none is taken, and the rows
 * under it are refused too, up to the next header.
 */
static int set_header(struct fx_reader *r, char **f, size_t n)
{
	char **h = calloc(n ? n : 1, sizeof(char *));
	size_t i;
	long k;
	int created;

	if (!h)
		return -ENOMEM;
	fx_strtab_reset(r->names);
	for (i = 0; i < n; i++) {
		h[i] = strdup(f[i]);
		k = h[i] ? fx_strtab_add(r->names, h[i], strlen(h[i]),
					 &created)
			 : -ENOMEM;
		if (k < 0) {
			free_cols(h, i + 1);
			fx_strtab_reset(r->names);
			return -ENOMEM;
		}
		if (!created) {
			fx_err_set(&r->err, r->lineno,
				   "column '%.60s' twice in the header "
				   "(columns %ld and %zu): rows under it "
				   "skipped", h[i], k + 1, i + 1);
			free_cols(h, i + 1);
			free_cols(r->hdr, r->nhdr);
			r->hdr = NULL;
			r->nhdr = 0;
			fx_strtab_reset(r->names);
			r->bad_header = 1;
			return -EBADMSG;
		}
	}
	free_cols(r->hdr, r->nhdr);
	r->hdr = h;
	r->nhdr = n;
	r->hdr_changed = 1;
	r->bad_header = 0;
	return 0;
}

/* Headerless input: canon's columns, unknown extras before the last one. */
static int canon_header(struct fx_reader *r, size_t nf)
{
	char **h;
	size_t i;
	int ret;

	if (nf < r->ncanon || r->ncanon == 0)
		return -EBADMSG;
	h = calloc(nf, sizeof(char *));
	if (!h)
		return -ENOMEM;
	for (i = 0; i + 1 < r->ncanon; i++)
		h[i] = (char *)r->canon[i];
	for (; i + 1 < nf; i++) {
		char name[32];

		snprintf(name, sizeof(name), "col%zu", i + 1);
		h[i] = strdup(name);
	}
	h[nf - 1] = (char *)r->canon[r->ncanon - 1];
	ret = set_header(r, h, nf);
	for (i = r->ncanon - 1; i + 1 < nf; i++)
		free(h[i]);
	free(h);
	r->headerless = 1;
	return ret;
}

static int same_header(struct fx_reader *r)
{
	size_t i;

	if (r->nf != r->nhdr)
		return 0;
	for (i = 0; i < r->nf; i++)
		if (strcmp(r->f[i], r->hdr[i]) != 0)
			return 0;
	return 1;
}

int fx_reader_next(struct fx_reader *r)
{
	char *line, *nl = NULL, *p;
	int ret;

	/*
	 * A header followed by a malformed line is announced with the next
	 * row returned, not lost with the -EBADMSG of that line.
	 */
	if (r->row_out)
		r->hdr_changed = 0;
	r->row_out = 0;
	for (;;) {
		ret = fill(r, &nl);
		if (ret <= 0) {
			if (ret == -E2BIG)
				fx_err_set(&r->err, r->lineno + 1,
					   "line longer than 1 GiB");
			return ret;
		}
		line = r->buf + r->pos;
		r->pos = (size_t)(nl - r->buf) + 1;
		r->lineno++;
		if (memchr(line, '\0', (size_t)(nl - line))) {
			fx_err_set(&r->err, r->lineno, "NUL byte in line");
			return -EBADMSG;
		}
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';	/* CRLF from an editor */
		if (line[0] == '\0' || line[0] == '#')
			continue;
		/* Split on TAB, in place. */
		r->nf = 0;
		for (p = line;;) {
			char *t = strchr(p, '\t');

			if (FX_GROW(r->f, r->nf, r->fcap, 32))
				return -ENOMEM;
			r->f[r->nf++] = p;
			if (!t)
				break;
			*t = '\0';
			p = t + 1;
		}
		if (is_name(r->f[0])) {
			if (!r->bad_header && same_header(r))
				continue;
			ret = set_header(r, r->f, r->nf);
			r->headerless = 0;
			if (ret)
				return ret;
			continue;
		}
		if (r->bad_header) {
			fx_err_set(&r->err, r->lineno, "under a header that "
				   "names a column twice");
			return -EBADMSG;
		}
		if (!(r->f[0][0] == '-' && r->f[0][1] == '\0') &&
		    fx_parse_u64(r->f[0], &(uint64_t){ 0 }, 0) != 0) {
			fx_err_set(&r->err, r->lineno,
				   "neither a record nor a header");
			fx_err_quote(&r->err, line, strlen(line));
			return -EBADMSG;
		}
		if (!r->hdr) {
			ret = canon_header(r, r->nf);
			if (ret == -EBADMSG) {
				fx_err_set(&r->err, r->lineno,
					   "no header, and %zu fields where "
					   "%zu columns were expected",
					   r->nf, r->ncanon);
				return ret;
			}
			if (ret)
				return ret;
		}
		if (r->nf != r->nhdr) {
			fx_err_set(&r->err, r->lineno,
				   "%zu fields where the header has %zu", r->nf,
				   r->nhdr);
			return -EBADMSG;
		}
		r->row_out = 1;
		return 1;
	}
}

int fx_reader_rollup(const struct fx_reader *r, uint64_t pid,
		     struct fx_err *err)
{
	int c = fx_reader_col(r, "name");

	if (c < 0 || (size_t)c >= r->nf || strcmp(r->f[c], "[rollup]"))
		return 0;
	if (pid == (uint64_t)-1)
		fx_err_set(err, r->lineno, "a rollup record (memmap --rollup: "
			   "the totals of a process), not a region: give "
			   "region records (memmap PID)");
	else
		fx_err_set(err, r->lineno, "a rollup record (memmap --rollup: "
			   "the totals of process %llu), not a region: give "
			   "region records (memmap PID)",
			   (unsigned long long)pid);
	return 1;
}
