/*
 * scan: strings, patterns and the --top histogram (see scan.h).
 *
 * Strings. ascii alone (the common case) has a fast path: a 64-byte block
 * becomes a 64-bit mask of graphic bytes (SSE2), and runs of MIN set bits
 * are found with shifts on the mask and the next block's mask, so blocks
 * holding no string cost a few instructions. Text is not copied unless a
 * string goes on past the end of the piece fed. utf8 and utf16le go
 * through byte-at-a-time state machines that skip blocks without any
 * graphic byte.
 *
 * Patterns. Vectorscan in streaming mode: the stream carries matches
 * across pieces; a stream is closed at a gap. Fixed-width patterns (all
 * literals and hex patterns, many regexes) get their start from their
 * width; other regexes are compiled with start-of-match tracking.
 * libhs is opened when the first pattern set is compiled (lazylib.h):
 * every other call follows from a compiled database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "internal.h"
#include "lazylib.h"
#include "rec.h"
#include "scan.h"

#define HS_FNS(X, T)                                                           \
	X(T, hs_alloc_scratch)                                                 \
	X(T, hs_close_stream)                                                  \
	X(T, hs_compile_multi)                                                 \
	X(T, hs_expression_info)                                               \
	X(T, hs_free_compile_error)                                            \
	X(T, hs_free_database)                                                 \
	X(T, hs_free_scratch)                                                  \
	X(T, hs_open_stream)                                                   \
	X(T, hs_reset_stream)                                                  \
	X(T, hs_scan_stream)
FX_LAZY_DEFINE(hs, FX_LIB_HS, HS_FNS);

#define HIST_MAX (64 * 1024)	/* bytes kept from earlier pieces */
#define STR_PRE 8		/* context a string window needs before lo */

static const char *const enc_names[] = {
	"ascii", "utf8", "utf16le", "literal", "hex", "regex",
};

const char *fx_enc_name(unsigned int enc)
{
	size_t i;

	for (i = 0; i < FX_ARRAY_SIZE(enc_names); i++)
		if (enc == 1u << i)
			return enc_names[i];
	return "-";
}

int fx_enc_parse(const char *list, unsigned int *mask)
{
	const char *p = list, *e;
	size_t i, n;

	*mask = 0;
	while (*p) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < 3; i++)
			if (strlen(enc_names[i]) == n &&
			    memcmp(enc_names[i], p, n) == 0)
				break;
		if (i == 3)
			return -EINVAL;
		*mask |= 1u << i;
		p += n;
		if (*p == ',')
			p++;
	}
	return *mask ? 0 : -EINVAL;
}

/* ---- patterns ---- */

struct pat {
	unsigned int enc;
	char *expr;		/* the Vectorscan expression */
	unsigned int flags;
	uint64_t width;		/* fixed width, or 0 when variable */
	uint64_t maxw;		/* max width, UINT64_MAX when unbounded */
};

struct fx_patset {
	struct pat *p;
	size_t n, cap;
	hs_database_t *db;
	uint64_t maxw;		/* widest pattern, UINT64_MAX: unbounded */
};

struct fx_patset *fx_patset_new(void)
{
	return calloc(1, sizeof(struct fx_patset));
}

void fx_patset_free(struct fx_patset *ps)
{
	size_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->n; i++)
		free(ps->p[i].expr);
	free(ps->p);
	if (ps->db)
		hs.hs_free_database(ps->db);
	free(ps);
}

size_t fx_patset_count(const struct fx_patset *ps)
{
	return ps->n;
}

/* Append byte c to an expression as \xHH. */
static int expr_byte(struct fx_buf *b, unsigned char c)
{
	char t[5];

	snprintf(t, sizeof(t), "\\x%02x", c);
	return fx_buf_add(b, t, 4);
}

/* A hex pattern into an expression; -EINVAL when it does not parse. */
static int hex_expr(struct fx_buf *b, const char *s, size_t len)
{
	size_t i = 0, nbytes = 0;
	int hi, lo, k, r = 0;

	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		hi = s[i] == '?' ? -2 : fx_hexval(s[i]);
		lo = s[i + 1] == '?' ? -2 : fx_hexval(s[i + 1]);
		if (hi == -1 || lo == -1)
			return -EINVAL;
		if (hi == -2 && lo == -2) {
			r |= fx_buf_addc(b, '.');
		} else if (hi == -2 || lo == -2) {
			/* One nibble known: a class of 16 bytes. */
			r |= fx_buf_addc(b, '[');
			for (k = 0; k < 16; k++)
				r |= expr_byte(b, (unsigned char)(hi == -2 ?
						k << 4 | lo : hi << 4 | k));
			r |= fx_buf_addc(b, ']');
		} else {
			r |= expr_byte(b, (unsigned char)(hi << 4 | lo));
		}
		nbytes++;
		i += 2;
	}
	if (r)
		return -ENOMEM;
	return nbytes ? 0 : -EINVAL;
}

int fx_patset_add(struct fx_patset *ps, unsigned int enc, const char *pat,
		  size_t len, int caseless, struct fx_err *err)
{
	struct fx_buf b;
	struct pat *p;
	size_t i;
	int r = 0;

	if (ps->db)
		return -EINVAL;
	if (len == 0) {
		fx_err_set(err, 0, "empty pattern");
		return -EINVAL;
	}
	if (FX_GROW(ps->p, ps->n, ps->cap, 16))
		return -ENOMEM;
	fx_buf_init(&b);
	switch (enc) {
	case FX_ENC_LITERAL:
		for (i = 0; i < len && !r; i++)
			r = expr_byte(&b, (unsigned char)pat[i]);
		break;
	case FX_ENC_HEX:
		r = hex_expr(&b, pat, len);
		if (r == -EINVAL) {
			fx_err_set(err, 0, "bad hex pattern (use hex byte "
				   "pairs, ?? or a ? nibble: 'de ad ?? ef')");
			fx_err_quote(err, pat, len);
		}
		break;
	case FX_ENC_REGEX:
		if (memchr(pat, 0, len)) {
			fx_err_set(err, 0, "NUL byte in a regex");
			r = -EINVAL;
		} else {
			r = fx_buf_add(&b, pat, len);
		}
		break;
	default:
		r = -EINVAL;
	}
	if (r) {
		fx_buf_release(&b);
		return r;
	}
	/* fx_buf_addc leaves the terminating NUL to its caller. */
	b.data[b.len] = '\0';
	p = &ps->p[ps->n];
	memset(p, 0, sizeof(*p));
	p->enc = enc;
	p->expr = b.data;
	p->flags = HS_FLAG_DOTALL;
	if (caseless && enc != FX_ENC_HEX)
		p->flags |= HS_FLAG_CASELESS;
	ps->n++;
	return 0;
}

int fx_patset_add_file(struct fx_patset *ps, const char *buf, size_t len,
		       int caseless, struct fx_err *err)
{
	const char *p = buf, *end = buf + len, *nl;
	unsigned long line = 0;
	size_t n, adv;
	int r;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* The whole line with its LF: a last line ending in a bare CR
		 * once advanced by n - 1 and looped forever (fuzz_scan). */
		adv = nl ? n + 1 : n;
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0 || p[0] == '#') {
			r = 0;
		} else if (n > 4 && memcmp(p, "hex:", 4) == 0) {
			r = fx_patset_add(ps, FX_ENC_HEX, p + 4, n - 4,
					  caseless, err);
		} else if (n > 3 && memcmp(p, "re:", 3) == 0) {
			r = fx_patset_add(ps, FX_ENC_REGEX, p + 3, n - 3,
					  caseless, err);
		} else if (n > 4 && memcmp(p, "lit:", 4) == 0) {
			r = fx_patset_add(ps, FX_ENC_LITERAL, p + 4, n - 4,
					  caseless, err);
		} else {
			r = fx_patset_add(ps, FX_ENC_LITERAL, p, n, caseless,
					  err);
		}
		if (r) {
			err->line = line;
			return r;
		}
		p += adv;
	}
	return 0;
}

int fx_patset_compile(struct fx_patset *ps, struct fx_err *err)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *ce = NULL;
	const char **exprs;
	unsigned int *flags, *ids, mode = HS_MODE_STREAM;
	size_t i;
	int r = 0;

	if (ps->db || ps->n == 0)
		return -EINVAL;
	if (fx_lazy_load(&hs_lazy)) {
		fx_err_set(err, 0, "%s", fx_lazy_why(&hs_lazy));
		return -ELIBACC;
	}
	exprs = calloc(ps->n, sizeof(*exprs));
	flags = calloc(ps->n, sizeof(*flags));
	ids = calloc(ps->n, sizeof(*ids));
	if (!exprs || !flags || !ids) {
		r = -ENOMEM;
		goto out;
	}
	ps->maxw = 0;
	for (i = 0; i < ps->n; i++) {
		struct pat *p = &ps->p[i];

		if (hs.hs_expression_info(p->expr, p->flags, &info, &ce) !=
		    HS_SUCCESS) {
			fx_err_set(err, 0, "pattern %zu: %s", i + 1,
				   ce ? ce->message : "refused");
			hs.hs_free_compile_error(ce);
			r = -EINVAL;
			goto out;
		}
		p->maxw = info->max_width == UINT32_MAX ? UINT64_MAX :
							  info->max_width;
		if (info->min_width == info->max_width) {
			p->width = info->max_width;
		} else {
			p->flags |= HS_FLAG_SOM_LEFTMOST;
			mode |= HS_MODE_SOM_HORIZON_LARGE;
		}
		if (p->maxw > ps->maxw)
			ps->maxw = p->maxw;
		free(info);
		exprs[i] = p->expr;
		flags[i] = p->flags;
		ids[i] = (unsigned int)i;
	}
	if (hs.hs_compile_multi(exprs, flags, ids, (unsigned int)ps->n, mode,
				NULL, &ps->db, &ce) != HS_SUCCESS) {
		if (ce && ce->expression >= 0)
			fx_err_set(err, 0, "pattern %d: %s", ce->expression + 1,
				   ce->message);
		else
			fx_err_set(err, 0, "%s", ce ? ce->message : "refused");
		hs.hs_free_compile_error(ce);
		ps->db = NULL;
		r = -EINVAL;
	}
out:
	free(exprs);
	free(flags);
	free(ids);
	return r;
}

/* ---- the scanner ---- */

/* A string in progress. */
struct run {
	int in;
	int multi;		/* utf8: holds a multi-byte character */
	uint64_t start;		/* address of its first byte */
	uint64_t nbytes;	/* bytes covered so far */
	uint64_t nchars;
	struct fx_buf text;	/* characters kept (owned runs only) */
};

/* A variable-width match not reported yet (it may grow). */
struct pend {
	int on;
	uint64_t start, end;
	struct fx_buf text;
};

struct fx_scanner {
	const struct fx_scan_conf *c;
	unsigned int enc;	/* strings asked for */
	int fast;		/* ascii through the block path */
	size_t nmin;
	uint64_t rstart, rend, lo, hi, pos;
	int fed;		/* bytes fed since begin or the last gap */
	fx_hit_fn fn;
	void *arg;
	int err;

	struct run a;		/* ascii */
	struct run w[2];	/* utf16le, one per byte alignment */
	int have_prev;
	unsigned char prev;
	struct run u;		/* utf8 */
	unsigned int need;	/* utf8 continuation bytes still to come */
	unsigned char seq[4], lo2, hi2;
	unsigned int seqlen;
	uint64_t seqstart;

	const struct fx_patset *ps;
	hs_scratch_t *scratch;
	hs_stream_t *stream;
	int stream_open;
	uint64_t sbase;		/* address of stream offset 0 */
	uint64_t *last_end;	/* per pattern: end of the last match */
	struct pend *pend;	/* per variable-width pattern */
	struct fx_buf hist;	/* bytes just before the current piece */
	uint64_t hist_addr;
	const unsigned char *cur;	/* the piece being fed */
	uint64_t cur_addr;
	size_t cur_len;
	struct fx_buf tmp;
};

static int graphic(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t';
}

struct fx_scanner *fx_scanner_new(const struct fx_scan_conf *conf)
{
	struct fx_scanner *s;

	if (conf->min_len == 0 || (conf->enc & ~FX_ENC_STRINGS) ||
	    (!conf->enc && !conf->pats) ||
	    (conf->pats && !conf->pats->db)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = conf;
	s->enc = conf->enc;
	s->nmin = conf->min_len;
	/* ascii and utf8 together go through the utf8 machine. */
	s->fast = (s->enc & FX_ENC_ASCII) && !(s->enc & FX_ENC_UTF8);
	s->ps = conf->pats;
	if (s->ps) {
		s->last_end = calloc(s->ps->n, sizeof(*s->last_end));
		s->pend = calloc(s->ps->n, sizeof(*s->pend));
		if (!s->last_end || !s->pend ||
		    hs.hs_alloc_scratch(s->ps->db, &s->scratch) != HS_SUCCESS ||
		    hs.hs_open_stream(s->ps->db, 0, &s->stream) != HS_SUCCESS) {
			fx_scanner_free(s);
			errno = ENOMEM;
			return NULL;
		}
	}
	return s;
}

void fx_scanner_free(struct fx_scanner *s)
{
	size_t i;

	if (!s)
		return;
	if (s->stream)
		hs.hs_close_stream(s->stream, s->scratch, NULL, NULL);
	if (s->scratch)
		hs.hs_free_scratch(s->scratch);
	if (s->pend)
		for (i = 0; i < s->ps->n; i++)
			fx_buf_release(&s->pend[i].text);
	free(s->pend);
	free(s->last_end);
	fx_buf_release(&s->a.text);
	fx_buf_release(&s->w[0].text);
	fx_buf_release(&s->w[1].text);
	fx_buf_release(&s->u.text);
	fx_buf_release(&s->hist);
	fx_buf_release(&s->tmp);
	free(s);
}

uint64_t fx_scanner_pre(const struct fx_scanner *s)
{
	if (!s->ps)
		return STR_PRE;
	if (s->ps->maxw > HIST_MAX)
		return UINT64_MAX;
	return s->ps->maxw > STR_PRE ? s->ps->maxw : STR_PRE;
}

static int owned(const struct fx_scanner *s, uint64_t addr)
{
	return addr >= s->lo && addr < s->hi;
}

/* Append what still fits under FX_TEXT_MAX of [p, p + n) to text. */
static int keep_text(struct fx_buf *text, const void *p, size_t n)
{
	if (text->len >= FX_TEXT_MAX)
		return 0;
	if (n > FX_TEXT_MAX - text->len)
		n = FX_TEXT_MAX - text->len;
	return fx_buf_add(text, p, n);
}

/* Report a hit that starts at addr (if the window owns it). */
static int emit(struct fx_scanner *s, unsigned int enc, unsigned int pattern,
		uint64_t addr, uint64_t len, const char *text, size_t tlen)
{
	struct fx_hit h;
	uint64_t ce, c = s->c->context;
	int r;

	if (s->err)
		return s->err;
	if (!owned(s, addr))
		return 0;
	memset(&h, 0, sizeof(h));
	h.pid = -1;
	h.addr = addr;
	h.region_start = s->rstart;
	h.len = len;
	h.enc = enc;
	h.pattern = pattern;
	h.text = text;
	h.text_len = tlen < FX_TEXT_MAX ? tlen : FX_TEXT_MAX;
	if (c && s->cur && addr >= s->cur_addr &&
	    addr <= s->cur_addr + s->cur_len) {
		uint64_t b = addr - s->cur_addr < c ? s->cur_addr : addr - c;

		h.before = (const char *)s->cur + (b - s->cur_addr);
		h.before_len = addr - b;
		ce = addr + len;
		if (ce < s->cur_addr + s->cur_len) {
			h.after = (const char *)s->cur + (ce - s->cur_addr);
			h.after_len = s->cur_addr + s->cur_len - ce;
			if (h.after_len > c)
				h.after_len = c;
		}
	}
	r = s->fn(s->arg, &h);
	if (r)
		s->err = r;
	return r;
}

/* ---- ascii, the block path ---- */

/* Bit j set when p[j] is graphic, for the 64 bytes at p. */
static inline uint64_t gmask64(const unsigned char *p)
{
#ifdef __SSE2__
	const __m128i off = _mm_set1_epi8((char)0x60);
	const __m128i lim = _mm_set1_epi8((char)(0x5f - 0x80));
	const __m128i tab = _mm_set1_epi8('\t');
	uint64_t m = 0;
	int k;

	/* c in 0x20..0x7e <=> (signed char)(c + 0x60) < -0x21 */
	for (k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i g = _mm_or_si128(
			_mm_cmplt_epi8(_mm_add_epi8(v, off), lim),
			_mm_cmpeq_epi8(v, tab));

		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(g) << (16 * k);
	}
	return m;
#else
	uint64_t m = 0;
	int j;

	for (j = 0; j < 64; j++)
		m |= (uint64_t)graphic(p[j]) << j;
	return m;
#endif
}

/* The mask of the bytes [o, o + 64) of b, bytes at or after t as 0. */
static inline uint64_t bmask(const unsigned char *b, size_t o, size_t t)
{
	unsigned char tmp[64];

	if (o >= t)
		return 0;
	if (o + 64 <= t)
		return gmask64(b + o);
	memset(tmp, 0, sizeof(tmp));
	memcpy(tmp, b + o, t - o);
	return gmask64(tmp);
}

/* Positions p of m (with nx the next 64 bits) where n bits are set. */
static inline uint64_t runs_n(uint64_t m, uint64_t nx, unsigned int n)
{
	unsigned __int128 x = (unsigned __int128)nx << 64 | m;
	unsigned int c = 1;

	while (2 * c <= n) {
		x &= x >> c;
		c *= 2;
	}
	if (n > c)
		x &= x >> (n - c);
	return (uint64_t)x;
}

/* Index of the first non-graphic byte of b[i..len), or len. */
static size_t skip_graphic(const unsigned char *b, size_t i, size_t len)
{
	uint64_t z;

	while (i + 64 <= len) {
		z = ~gmask64(b + i);
		if (z)
			return i + (size_t)__builtin_ctzll(z);
		i += 64;
	}
	while (i < len && graphic(b[i]))
		i++;
	return i;
}

/* Start a run at addr (text kept when the window may report it). */
static void run_start(struct run *r, uint64_t addr)
{
	r->in = 1;
	r->multi = 0;
	r->start = addr;
	r->nbytes = 0;
	r->nchars = 0;
	fx_buf_reset(&r->text);
}

static int ascii_piece(struct fx_scanner *s, const unsigned char *b,
		       size_t len, uint64_t addr)
{
	unsigned int n = s->nmin > 64 ? 64 : (unsigned int)s->nmin;
	size_t i = 0, t, o, rs = 0, e, p;
	uint64_t M, N, m, x, z;
	int inrun = 0;

	if (s->a.in) {
		/* A string carried from the previous piece. */
		i = skip_graphic(b, 0, len);
		if (owned(s, s->a.start) && keep_text(&s->a.text, b, i))
			return -ENOMEM;
		s->a.nbytes += i;
		if (i == len)
			return 0;
		s->a.in = 0;
		if (s->a.nbytes >= s->nmin &&
		    emit(s, FX_ENC_ASCII, 0, s->a.start, s->a.nbytes,
			 s->a.text.data, s->a.text.len))
			return s->err;
		i++;
	}
	/* The tail run may go on in the next piece: carried, not scanned. */
	t = len;
	while (t > i && graphic(b[t - 1]))
		t--;
	M = bmask(b, i, t);
	for (o = i; o < t; o += 64) {
		N = bmask(b, o + 64, t);
		m = M;
		M = N;
		if (inrun) {
			z = ~m;
			if (!z)
				continue;
			e = (size_t)__builtin_ctzll(z);
			if (o + e - rs >= s->nmin &&
			    emit(s, FX_ENC_ASCII, 0, addr + rs, o + e - rs,
				 (const char *)b + rs, o + e - rs))
				return s->err;
			inrun = 0;
			m &= ~0ULL << e;
		}
		x = runs_n(m, N, n);
		while (x) {
			p = (size_t)__builtin_ctzll(x);
			z = ~(m >> p);
			e = z ? p + (size_t)__builtin_ctzll(z) : 64;
			if (e >= 64) {
				inrun = 1;
				rs = o + p;
				break;
			}
			if (e - p >= s->nmin &&
			    emit(s, FX_ENC_ASCII, 0, addr + o + p, e - p,
				 (const char *)b + o + p, e - p))
				return s->err;
			x &= ~0ULL << e;
			m &= ~0ULL << e;
		}
	}
	if (t < len) {
		run_start(&s->a, addr + t);
		s->a.nbytes = len - t;
		if (owned(s, s->a.start) &&
		    keep_text(&s->a.text, b + t, len - t))
			return -ENOMEM;
	}
	return 0;
}

/* End the string of r (reported when long enough). */
static int run_end(struct fx_scanner *s, struct run *r, unsigned int enc)
{
	if (!r->in)
		return 0;
	r->in = 0;
	if (r->nchars < s->nmin)
		return 0;
	if (enc == FX_ENC_UTF8 && !r->multi && (s->enc & FX_ENC_ASCII))
		enc = FX_ENC_ASCII;
	return emit(s, enc, 0, r->start, r->nbytes, r->text.data,
		    r->text.len);
}

/* ---- utf16le ---- */

static int utf16_piece(struct fx_scanner *s, const unsigned char *b,
		       size_t len, uint64_t addr)
{
	size_t i = 0;
	uint64_t q;
	struct run *r;
	int r2;

	while (i < len) {
#ifdef __SSE2__
		/* No string going on and no graphic byte in the next 64
		 * bytes: no character starts there. */
		if (!s->w[0].in && !s->w[1].in && (i & 63) == 0 &&
		    (!s->have_prev || !graphic(s->prev)) && i + 64 <= len &&
		    !gmask64(b + i)) {
			s->have_prev = 0;
			i += 64;
			continue;
		}
#endif
		if (s->have_prev) {
			q = addr + i - 1;
			r = &s->w[q & 1];
			if (graphic(s->prev) && b[i] == 0) {
				if (!r->in)
					run_start(r, q);
				if (owned(s, r->start) &&
				    keep_text(&r->text, &s->prev, 1))
					return -ENOMEM;
				r->nbytes += 2;
				r->nchars++;
			} else if (r->in) {
				r2 = run_end(s, r, FX_ENC_UTF16LE);
				if (r2)
					return r2;
			}
		}
		s->prev = b[i];
		s->have_prev = 1;
		i++;
	}
	return 0;
}

/* ---- utf8 ---- */

static int utf8_char(struct fx_scanner *s, uint64_t addr,
		     const unsigned char *c, unsigned int n)
{
	struct run *r = &s->u;

	if (!r->in)
		run_start(r, addr);
	if (owned(s, r->start) && keep_text(&r->text, c, n))
		return -ENOMEM;
	r->nbytes += n;
	r->nchars++;
	if (n > 1)
		r->multi = 1;
	return 0;
}

static int utf8_piece(struct fx_scanner *s, const unsigned char *b,
		      size_t len, uint64_t addr)
{
	size_t i = 0;
	unsigned char c;
	int r;

	while (i < len) {
		c = b[i];
		if (s->need) {
			if (c >= s->lo2 && c <= s->hi2) {
				s->seq[s->seqlen++] = c;
				s->lo2 = 0x80;
				s->hi2 = 0xbf;
				i++;
				if (--s->need == 0 &&
				    (r = utf8_char(s, s->seqstart, s->seq,
						   s->seqlen)))
					return r;
				continue;
			}
			/* Not a continuation: the sequence is not a
			 * character; c is looked at afresh. */
			s->need = 0;
			if ((r = run_end(s, &s->u, FX_ENC_UTF8)))
				return r;
		}
#ifdef __SSE2__
		if (!s->u.in && (i & 63) == 0 && i + 64 <= len &&
		    !gmask64(b + i)) {
			/* No ascii character; a lead byte may still hide. */
			size_t j;

			for (j = 0; j < 64 && b[i + j] < 0xc2; j++)
				;
			if (j == 64) {
				i += 64;
				continue;
			}
		}
#endif
		if (graphic(c)) {
			if ((r = utf8_char(s, addr + i, &c, 1)))
				return r;
		} else if (c >= 0xc2 && c <= 0xf4) {
			s->need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
			s->seq[0] = c;
			s->seqlen = 1;
			s->seqstart = addr + i;
			/* No overlongs, surrogates, C1 controls or code
			 * points past U+10FFFF. */
			s->lo2 = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 :
				 c == 0xc2 ? 0xa0 : 0x80;
			s->hi2 = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
		} else if (s->u.in && (r = run_end(s, &s->u, FX_ENC_UTF8))) {
			return r;
		}
		i++;
	}
	return 0;
}

/* ---- patterns ---- */

/* Copy [a, a + n) from the history and the current piece into out,
 * as much of it as is still there (its end always is). */
static int get_bytes(struct fx_scanner *s, uint64_t a, uint64_t n,
		     struct fx_buf *out)
{
	uint64_t e, k;

	/* Only what a hit's text keeps (FX_TEXT_MAX). */
	if (out->len >= FX_TEXT_MAX)
		return 0;
	if (n > FX_TEXT_MAX - out->len)
		n = FX_TEXT_MAX - out->len;
	e = a + n;
	if (a < s->hist_addr)
		a = s->hist_addr;
	if (a < s->cur_addr) {
		k = (s->cur_addr < e ? s->cur_addr : e) - a;
		if (fx_buf_add(out, s->hist.data + (a - s->hist_addr), k))
			return -ENOMEM;
		a += k;
	}
	if (a < e && fx_buf_add(out, s->cur + (a - s->cur_addr), e - a))
		return -ENOMEM;
	return 0;
}

static int pend_flush(struct fx_scanner *s, unsigned int id)
{
	struct pend *p = &s->pend[id];

	if (!p->on)
		return 0;
	p->on = 0;
	return emit(s, s->ps->p[id].enc, id, p->start, p->end - p->start,
		    p->text.data, p->text.len);
}

static int on_match(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	struct fx_scanner *s = ctx;
	const struct pat *pt = &s->ps->p[id];
	struct pend *p = &s->pend[id];
	uint64_t end = s->sbase + to, start;

	(void)flags;
	if (pt->width) {
		/* Every occurrence, overlapping ones too: which of a run of
		 * overlapping occurrences ("AAAAA" in 100 'A's) a greedy
		 * left-to-right pass keeps depends on where the run began,
		 * arbitrarily far back, so a window could not know it: the
		 * hits would depend on the number of threads (fuzz_scan). */
		start = end - pt->width;
		if (!owned(s, start))
			return 0;
		fx_buf_reset(&s->tmp);
		if (get_bytes(s, start, pt->width, &s->tmp)) {
			s->err = -ENOMEM;
			return 1;
		}
		return emit(s, pt->enc, id, start, pt->width, s->tmp.data,
			    s->tmp.len) != 0;
	}
	start = s->sbase + from;
	if (p->on && start == p->start && end > p->end) {
		/* The same match, longer. */
		if (get_bytes(s, p->end, end - p->end, &p->text))
			goto nomem;
		p->end = end;
		s->last_end[id] = end;
		return 0;
	}
	if (p->on && start < p->end) {
		if (start >= p->start)
			return 0;
	} else if (p->on && pend_flush(s, id)) {
		return 1;
	}
	if (start < s->last_end[id])
		return 0;
	p->on = 1;
	p->start = start;
	p->end = end;
	s->last_end[id] = end;
	fx_buf_reset(&p->text);
	if (get_bytes(s, start, end - start, &p->text))
		goto nomem;
	return 0;
nomem:
	s->err = -ENOMEM;
	return 1;
}

static int pats_piece(struct fx_scanner *s, const unsigned char *b,
		      size_t len, uint64_t addr)
{
	size_t i, keep;
	hs_error_t e;

	if (!s->stream_open) {
		s->stream_open = 1;
		s->sbase = addr;
		fx_buf_reset(&s->hist);
		s->hist_addr = addr;
	}
	s->cur = b;
	s->cur_addr = addr;
	s->cur_len = len;
	e = hs.hs_scan_stream(s->stream, (const char *)b, (unsigned int)len, 0,
			      s->scratch, on_match, s);
	if (s->err)
		return s->err;
	if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
		return -EIO;
	/* Variable-width matches that cannot grow any more. */
	for (i = 0; i < s->ps->n; i++)
		if (s->pend[i].on && s->ps->p[i].maxw != UINT64_MAX &&
		    s->pend[i].start + s->ps->p[i].maxw <= addr + len &&
		    pend_flush(s, (unsigned int)i))
			return s->err;
	/* Keep the last bytes for matches that started before the next
	 * piece. */
	keep = s->ps->maxw > HIST_MAX ? HIST_MAX : (size_t)s->ps->maxw;
	if (len >= keep) {
		fx_buf_reset(&s->hist);
		if (fx_buf_add(&s->hist, b + len - keep, keep))
			return -ENOMEM;
		s->hist_addr = addr + len - keep;
	} else {
		if (fx_buf_add(&s->hist, b, len))
			return -ENOMEM;
		if (s->hist.len > keep) {
			memmove(s->hist.data,
				s->hist.data + s->hist.len - keep, keep);
			s->hist.len = keep;
		}
		s->hist_addr = addr + len - s->hist.len;
	}
	s->cur = NULL;
	return 0;
}

/* Close the pattern stream (end-anchored matches come now). */
static int pats_close(struct fx_scanner *s)
{
	size_t i;

	if (!s->ps || !s->stream_open)
		return 0;
	s->stream_open = 0;
	/* Matches reported at close refer to the bytes just fed. */
	s->cur = (const unsigned char *)s->hist.data;
	s->cur_addr = s->hist_addr;
	s->cur_len = s->hist.len;
	hs.hs_reset_stream(s->stream, 0, s->scratch, on_match, s);
	for (i = 0; i < s->ps->n && !s->err; i++)
		pend_flush(s, (unsigned int)i);
	memset(s->last_end, 0, s->ps->n * sizeof(*s->last_end));
	s->cur = NULL;
	return s->err;
}

/* ---- the window ---- */

static void strings_reset(struct fx_scanner *s)
{
	s->a.in = 0;
	s->w[0].in = 0;
	s->w[1].in = 0;
	s->have_prev = 0;
	s->u.in = 0;
	s->need = 0;
}

int fx_scanner_begin(struct fx_scanner *s, uint64_t region_start,
		     uint64_t region_end, uint64_t lo, uint64_t hi,
		     fx_hit_fn fn, void *arg)
{
	s->rstart = region_start;
	s->rend = region_end;
	s->lo = lo;
	s->hi = hi;
	s->pos = 0;
	s->fed = 0;
	s->fn = fn;
	s->arg = arg;
	s->err = 0;
	strings_reset(s);
	if (s->ps) {
		if (s->stream_open)
			hs.hs_reset_stream(s->stream, 0, s->scratch, NULL,
					   NULL);
		s->stream_open = 0;
		memset(s->last_end, 0, s->ps->n * sizeof(*s->last_end));
		for (size_t i = 0; i < s->ps->n; i++)
			s->pend[i].on = 0;
	}
	return 0;
}

/* Everything open ends here: strings end, the pattern stream closes. */
static int close_all(struct fx_scanner *s)
{
	int r = 0;

	if (s->a.in) {
		s->a.in = 0;
		if (s->a.nbytes >= s->nmin)
			r = emit(s, FX_ENC_ASCII, 0, s->a.start, s->a.nbytes,
				 s->a.text.data, s->a.text.len);
	}
	if (!r)
		r = run_end(s, &s->w[0], FX_ENC_UTF16LE);
	if (!r)
		r = run_end(s, &s->w[1], FX_ENC_UTF16LE);
	if (!r)
		r = run_end(s, &s->u, FX_ENC_UTF8);
	strings_reset(s);
	if (!r)
		r = pats_close(s);
	return r ? r : s->err;
}

int fx_scanner_feed(struct fx_scanner *s, uint64_t addr, const void *buf,
		    size_t len)
{
	const unsigned char *b = buf;
	size_t step;
	int r = 0;

	if (s->err)
		return s->err;
	if (len == 0)
		return 0;
	if (s->fed && addr != s->pos && (r = close_all(s)))
		return r;
	s->fed = 1;
	s->cur = b;
	s->cur_addr = addr;
	s->cur_len = len;
	/* Vectorscan takes at most 4 GiB a call. */
	while (len && !r) {
		step = len > (1u << 30) ? (1u << 30) : len;
		if (s->enc & FX_ENC_UTF8)
			r = utf8_piece(s, b, step, addr);
		else if (s->fast)
			r = ascii_piece(s, b, step, addr);
		if (!r && (s->enc & FX_ENC_UTF16LE))
			r = utf16_piece(s, b, step, addr);
		if (!r && s->ps)
			r = pats_piece(s, b, step, addr);
		b += step;
		addr += step;
		len -= step;
		s->pos = addr;
	}
	s->cur = NULL;
	if (r && !s->err)
		s->err = r;
	return r;
}

int fx_scanner_more(const struct fx_scanner *s, uint64_t pos)
{
	if (pos >= s->rend || s->err)
		return 0;
	if (pos < s->hi)
		return 1;
	/* A UTF-16LE character may start at the window's last byte: its
	 * run is not "in" until the second byte comes (fuzz_scan found the
	 * one-character string lost at a window edge). */
	if ((s->enc & FX_ENC_UTF16LE) && pos < s->hi + 1)
		return 1;
	if ((s->a.in && owned(s, s->a.start)) ||
	    (s->w[0].in && owned(s, s->w[0].start)) ||
	    (s->w[1].in && owned(s, s->w[1].start)) ||
	    (s->u.in && owned(s, s->u.start)) ||
	    (s->need && !s->u.in && owned(s, s->seqstart)))
		return 1;
	if (s->ps && s->ps->maxw != UINT64_MAX && pos < s->hi + s->ps->maxw)
		return 1;
	return 0;
}

int fx_scanner_end(struct fx_scanner *s)
{
	int r = close_all(s);

	s->fed = 0;
	return r;
}

int fx_scan_buffer(struct fx_scanner *s, uint64_t addr, const void *buf,
		   size_t len, fx_hit_fn fn, void *arg)
{
	int r;

	fx_scanner_begin(s, addr, addr + len, addr, addr + len, fn, arg);
	r = fx_scanner_feed(s, addr, buf, len);
	if (!r)
		r = fx_scanner_end(s);
	return r;
}

/* An address as fx_buf_add_addr writes it, then a TAB. */
static int add_addr_tab(struct fx_buf *out, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	int nd = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1, i;
	char *p;

	if (nd < 12)
		nd = 12;
	if (fx_buf_reserve(out, (size_t)nd + 3))
		return -ENOMEM;
	p = out->data + out->len;
	p[0] = '0';
	p[1] = 'x';
	for (i = nd + 1; i >= 2; i--, v >>= 4)
		p[i] = hex[v & 15];
	p[nd + 2] = '\t';
	out->len += (size_t)nd + 3;
	return 0;
}

int fx_hit_tsv(struct fx_buf *out, const struct fx_hit *h, int context)
{
	int r;

	r = h->pid < 0 ? fx_buf_addc(out, '-') :
			 fx_buf_add_u64(out, (uint64_t)h->pid);
	r |= fx_buf_addc(out, '\t');
	r |= add_addr_tab(out, h->addr);
	r |= add_addr_tab(out, h->region_start);
	r |= fx_buf_adds(out, fx_enc_name(h->enc));
	r |= fx_buf_addc(out, '\t');
	r |= fx_buf_add_u64(out, h->len);
	r |= fx_buf_addc(out, '\t');
	if (context) {
		r |= fx_escape(out, h->before, h->before_len);
		r |= fx_buf_addc(out, '\t');
		r |= fx_escape(out, h->after, h->after_len);
		r |= fx_buf_addc(out, '\t');
	}
	r |= h->starttime ? fx_buf_add_u64(out, h->starttime) :
			    fx_buf_addc(out, '-');
	r |= fx_buf_addc(out, '\t');
	r |= fx_escape(out, h->text, h->text_len);
	r |= fx_buf_addc(out, '\n');
	return r ? -ENOMEM : 0;
}

int fx_hit_write(struct fx_writer *w, const struct fx_hit *h, int context)
{
	const char *enc = fx_enc_name(h->enc);
	int r = h->pid < 0 ? fx_writer_missing(w) :
			     fx_writer_u64(w, (uint64_t)h->pid);

	r = r ? r : fx_writer_addr(w, h->addr);
	r = r ? r : fx_writer_addr(w, h->region_start);
	r = r ? r : fx_writer_field(w, enc, strlen(enc));
	r = r ? r : fx_writer_u64(w, h->len);
	if (context) {
		r = r ? r : fx_writer_text(w, h->before, h->before_len);
		r = r ? r : fx_writer_text(w, h->after, h->after_len);
	}
	r = r ? r : fx_writer_u64_known(w, h->starttime);
	r = r ? r : fx_writer_text(w, h->text, h->text_len);
	return r ? r : fx_writer_end(w);
}

/* ---- the histogram ---- */

struct top_ent {
	uint64_t count, bytes, hash;
	size_t off, len;
	unsigned int enc;
};

struct fx_top {
	uint32_t *slot;		/* entry index + 1, 0 empty */
	size_t nslot;		/* a power of two */
	struct top_ent *e;
	size_t n, cap;
	struct fx_buf arena;	/* the texts */
};

struct fx_top *fx_top_new(void)
{
	return calloc(1, sizeof(struct fx_top));
}

void fx_top_free(struct fx_top *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t->e);
	fx_buf_release(&t->arena);
	free(t);
}

size_t fx_top_count(const struct fx_top *t)
{
	return t->n;
}

static uint64_t hash_text(const char *p, size_t n, unsigned int enc)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n ^ (uint64_t)enc << 56, v;

	while (n >= 8) {
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	v = 0;
	memcpy(&v, p, n);
	h = (h ^ v) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ h >> 29;
}

static int top_grow(struct fx_top *t)
{
	return fx_slots_grow(&t->slot, &t->nslot, 1024, t->e, t->n,
			     sizeof(*t->e), offsetof(struct top_ent, hash));
}

static int top_count(struct fx_top *t, unsigned int enc, const char *text,
		     size_t len, uint64_t count, uint64_t bytes)
{
	uint64_t h = hash_text(text, len, enc);
	struct top_ent *e;
	size_t j;

	if ((t->n + 1) * 4 >= t->nslot * 3 && top_grow(t))
		return -ENOMEM;
	for (j = h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1)) {
		e = &t->e[t->slot[j] - 1];
		if (e->hash == h && e->len == len && e->enc == enc &&
		    memcmp(t->arena.data + e->off, text, len) == 0) {
			e->count += count;
			e->bytes += bytes;
			return 0;
		}
	}
	if (t->n >= UINT32_MAX - 1)
		return -ENOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct top_ent *ne = realloc(t->e, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		t->e = ne;
		t->cap = cap;
	}
	e = &t->e[t->n];
	e->count = count;
	e->bytes = bytes;
	e->hash = h;
	e->enc = enc;
	e->off = t->arena.len;
	e->len = len;
	if (fx_buf_add(&t->arena, text, len))
		return -ENOMEM;
	t->slot[j] = (uint32_t)++t->n;
	return 0;
}

int fx_top_add(struct fx_top *t, const struct fx_hit *h)
{
	return top_count(t, h->enc, h->text ? h->text : "", h->text_len, 1,
			 h->len);
}

int fx_top_merge(struct fx_top *dst, const struct fx_top *src)
{
	size_t i;
	int r;

	for (i = 0; i < src->n; i++) {
		const struct top_ent *e = &src->e[i];

		r = top_count(dst, e->enc, src->arena.data + e->off, e->len,
			      e->count, e->bytes);
		if (r)
			return r;
	}
	return 0;
}

/* Most frequent first, then most bytes, then enc, then text. */
static int ent_cmp(const struct fx_top_ent *a, const struct fx_top_ent *b)
{
	size_t n = a->text_len < b->text_len ? a->text_len : b->text_len;
	int c = fx_cmp_u64(b->count, a->count);

	c = c ? c : fx_cmp_u64(b->bytes, a->bytes);
	c = c ? c : fx_cmp_u64(a->enc, b->enc);
	c = c ? c : n ? memcmp(a->text, b->text, n) : 0;
	return c ? c : fx_cmp_u64(a->text_len, b->text_len);
}

static int ent_qcmp(const void *a, const void *b)
{
	return ent_cmp(a, b);
}

/* Sift the worst entry of a heap of the best (heap[0] the worst) down. */
static void heap_down(struct fx_top_ent *h, size_t n, size_t i)
{
	struct fx_top_ent t;
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && ent_cmp(&h[c + 1], &h[c]) > 0)
			c++;
		if (ent_cmp(&h[c], &h[i]) <= 0)
			return;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
		i = c;
	}
}

long fx_top_sorted(const struct fx_top *t, uint64_t min_count, size_t limit,
		   struct fx_top_ent **out)
{
	struct fx_top_ent *v, x;
	size_t i, n = 0, cap = limit && limit < t->n ? limit : t->n;

	v = malloc((cap ? cap : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		const struct top_ent *e = &t->e[i];

		if (e->count < min_count)
			continue;
		x.count = e->count;
		x.bytes = e->bytes;
		x.enc = e->enc;
		x.text = t->arena.data + e->off;
		x.text_len = e->len;
		if (n < cap) {
			v[n++] = x;
			if (n == cap && limit) {
				/* A heap whose root is the worst kept. */
				size_t k;

				for (k = n / 2; k-- > 0;)
					heap_down(v, n, k);
			}
		} else if (ent_cmp(&x, &v[0]) < 0) {
			v[0] = x;
			heap_down(v, n, 0);
		}
	}
	qsort(v, n, sizeof(*v), ent_qcmp);
	*out = v;
	return (long)n;
}

int fx_top_write(const struct fx_top *t, struct fx_writer *w,
		 uint64_t min_count, size_t limit)
{
	struct fx_top_ent *e;
	long n = fx_top_sorted(t, min_count, limit, &e), i;
	int r = 0;

	if (n < 0)
		return (int)n;
	for (i = 0; i < n && !r; i++) {
		const char *enc = fx_enc_name(e[i].enc);

		r = fx_writer_u64(w, e[i].count);
		r = r ? r : fx_writer_u64(w, e[i].bytes);
		r = r ? r : fx_writer_field(w, enc, strlen(enc));
		r = r ? r : fx_writer_text(w, e[i].text, e[i].text_len);
		r = r ? r : fx_writer_end(w);
	}
	free(e);
	return r;
}
