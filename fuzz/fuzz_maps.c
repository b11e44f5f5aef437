/*
 * fuzz_maps: fx_maps_parse and fx_stat_parse over hostile bytes.
 *
 * The input is cut at its first 0xff byte (if any) into pieces, each fed
 * to fx_maps_parse in turn so that several calls append to one fx_maps (the
 * pool moves under the regions). Every region must then be sane; the whole
 * input is also offered to fx_stat_parse.
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
	r = fx_stat_parse((const char *)data, size, &state, &st);
	if (r != 0 && r != -EBADMSG)
		abort();
	return 0;
}
