/*
 * fuzz_maps: fx_maps_parse and fx_stat_parse over hostile bytes.
 *
 * The input is cut at its first 0xff byte (if any) into pieces, each fed
 * to fx_maps_parse in turn so that several calls append to one fx_maps (the
 * pool moves under the regions). Every region must then be sane; the whole
 * input is also offered to fx_stat_parse.
 *
 * The streaming parser is checked against the one-shot one: the first
 * piece is fed to fx_maps_feed cut into chunks whose sizes come from the
 * bytes after the first 0xff (1 to 64 bytes each, 7 when there are none),
 * complete regions dropped as they come; it must give the same regions,
 * the same result and the same error line as fx_maps_parse of the piece.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forensic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct fx_maps *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct fx_region *r = &m->r[i];

		if (r->end <= r->start || r->name[r->name_len] != '\0' ||
		    r->perms[4] != '\0' || fx_kind_name(r->kind) == NULL)
			abort();
		if (r->vmflags_text && strlen(r->vmflags_text) > 1 << 20)
			abort();
	}
}

static void same(const struct fx_region *x, const struct fx_region *y)
{
	if (x->start != y->start || x->end != y->end ||
	    x->offset != y->offset || x->inode != y->inode ||
	    x->dev_major != y->dev_major || x->dev_minor != y->dev_minor ||
	    memcmp(x->perms, y->perms, 5) || x->kind != y->kind ||
	    x->have != y->have || memcmp(x->v, y->v, sizeof(x->v)) ||
	    x->vmflags != y->vmflags || x->name_len != y->name_len ||
	    memcmp(x->name, y->name, x->name_len + 1) ||
	    !x->vmflags_text != !y->vmflags_text ||
	    (x->vmflags_text && strcmp(x->vmflags_text, y->vmflags_text)))
		abort();
}

/* Feed text in chunks sized by sizes[]; compare with the whole parse. */
static void stream(const char *text, size_t len, const uint8_t *sizes,
		   size_t nsizes)
{
	struct fx_maps whole, m;
	struct fx_err werr, err;
	size_t pos = 0, seen = 0, i, k, c = 0;
	int wr, r = 0;

	memset(&werr, 0, sizeof(werr));
	memset(&err, 0, sizeof(err));
	fx_maps_init(&whole);
	wr = fx_maps_parse(&whole, text, len, &werr);
	fx_maps_init(&m);
	while (pos < len && r == 0) {
		size_t n = nsizes ? 1 + sizes[c++ % nsizes] % 64 : 7;

		if (n > len - pos)
			n = len - pos;
		r = fx_maps_feed(&m, text + pos, n, &err);
		pos += n;
		k = fx_maps_complete(&m);
		if (k > m.n || k + 1 < m.n)
			abort();
		for (i = 0; i < k; i++) {
			if (seen >= whole.n)
				abort();
			same(&m.r[i], &whole.r[seen++]);
		}
		fx_maps_drop(&m, k);
	}
	if (r == 0)
		r = fx_maps_feed_end(&m, &err);
	for (i = 0; i < m.n; i++) {
		if (seen >= whole.n)
			abort();
		same(&m.r[i], &whole.r[seen++]);
	}
	if (r != wr || seen != whole.n || m.overlaps != whole.overlaps ||
	    err.line != werr.line || strcmp(err.msg, werr.msg))
		abort();
	fx_maps_release(&whole);
	fx_maps_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *e = p + size, *cut;
	struct fx_maps m;
	struct fx_err err;
	unsigned long long st;
	char state;
	int r;

	fx_maps_init(&m);
	while (p <= e) {
		cut = memchr(p, 0xff, (size_t)(e - p));
		if (!cut)
			cut = e;
		memset(&err, 0, sizeof(err));
		r = fx_maps_parse(&m, p, (size_t)(cut - p), &err);
		if (r != 0 && r != -EBADMSG)
			abort();
		if (r == -EBADMSG && (err.line == 0 || !err.msg[0] ||
				      strlen(err.msg) >= sizeof(err.msg)))
			abort();
		check(&m);
		p = cut + 1;
	}
	fx_maps_release(&m);
	p = (const char *)data;
	cut = memchr(p, 0xff, size);
	if (cut)
		stream(p, (size_t)(cut - p), (const uint8_t *)cut + 1,
		       (size_t)(e - cut - 1));
	else
		stream(p, size, NULL, 0);
	r = fx_stat_parse((const char *)data, size, &state, &st);
	if (r != 0 && r != -EBADMSG)
		abort();
	return 0;
}
