/*
 * fuzz_alloc: alloc.c's readers of target bytes (alloc.h).
 *
 * The first byte chooses:
 *   'V'  the rest goes to the version readers (jemalloc's, gperftools',
 *        musl's strings; Go's buildinfo header);
 *   'E'  the rest is every mapped file of a small process (an executable,
 *        ld.so, libc, an allocator library) and also its memory at each
 *        file's address: fx_alloc_identify reads symbols, versions and
 *        the link map from it;
 *   else the rest is a process's memory at 0x2000000 (32 MiB aligned),
 *        a 32 MiB [heap], and again at 0x4000000, a 32 MiB anonymous
 *        mapping; each allocator's labelling runs over them
 *        (jemalloc's base blocks and extents, tcmalloc's spans,
 *        mimalloc's segments, musl's meta areas).
 * Reads past the input fail (-EFAULT), as pages not present do.
 * FUZZ_SHOW=1 build/fuzz/fuzz_alloc SEED says what was found.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "forensic.h"
#include "maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE 0x2000000ull

struct image {
	const uint8_t *p;
	size_t len;
	uint64_t base[4];	/* the input is at each of these */
	size_t nbase;
};

static int img_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	const struct image *im = ctx;
	size_t i;

	for (i = 0; i < im->nbase; i++)
		if (a >= im->base[i] && a - im->base[i] <= im->len &&
		    len <= im->len - (a - im->base[i])) {
			memcpy(buf, im->p + (a - im->base[i]), len);
			return 0;
		}
	return -EFAULT;
}

static long file_read(void *ctx, const struct fx_region *r, uint64_t off,
		      void *buf, size_t len)
{
	const struct image *im = ctx;

	(void)r;
	if (off >= im->len)
		return 0;
	if (len > im->len - off)
		len = im->len - off;
	memcpy(buf, im->p + off, len);
	return (long)len;
}

static void versions(const char *s, size_t n)
{
	static const enum fx_alloc_id ids[] = {
		FX_ALLOC_JEMALLOC, FX_ALLOC_TCMALLOC, FX_ALLOC_MUSL,
	};
	char out[48];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (fx_alloc_version_in(ids[i], s, n, out, sizeof(out)) == 0) {
			if (strlen(out) >= sizeof(out))
				abort();
			if (getenv("FUZZ_SHOW"))
				fprintf(stderr, "version %d: %s\n", ids[i], out);
		}
	if (fx_go_buildinfo(s, n, out, sizeof(out)) == 0) {
		if (strlen(out) >= sizeof(out))
			abort();
		if (getenv("FUZZ_SHOW"))
			fprintf(stderr, "go: %s\n", out);
	}
}

static void identify(struct image *im)
{
	static const char text[] =
		"00400000-00410000 r-xp 00000000 08:01 11 /usr/bin/app\n"
		"7f0000000000-7f0000010000 r--p 00000000 08:01 12 "
		"/usr/lib/libjemalloc.so.2\n"
		"7f0000100000-7f0000110000 r-xp 00000000 08:01 13 "
		"/usr/lib/x86_64-linux-gnu/libc.so.6\n"
		"7f0000200000-7f0000210000 r-xp 00000000 08:01 14 "
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n";
	struct fx_heap_src src = { img_read, im };
	struct fx_alloc a;
	struct fx_maps m;
	struct fx_err err;
	char msg[256];

	im->base[0] = 0x400000;
	im->base[1] = 0x7f0000000000ull;
	im->base[2] = 0x7f0000100000ull;
	im->base[3] = 0x7f0000200000ull;
	im->nbase = 4;
	fx_maps_init(&m);
	if (fx_maps_parse(&m, text, sizeof(text) - 1, &err) == 0 &&
	    fx_alloc_identify(&a, &m, &src, file_read, im) == 0) {
		if (!memchr(a.name, '\0', sizeof(a.name)) ||
		    !memchr(a.how, '\0', sizeof(a.how)))
			abort();
		fx_alloc_unwalkable(&a, msg, sizeof(msg));
		if (getenv("FUZZ_SHOW"))
			fprintf(stderr, "%s (%s)\n%s\n", a.name, a.how, msg);
	}
	fx_maps_release(&m);
}

static void label(struct image *im)
{
	static const enum fx_alloc_id ids[] = {
		FX_ALLOC_JEMALLOC, FX_ALLOC_TCMALLOC, FX_ALLOC_MIMALLOC,
		FX_ALLOC_MUSL_NG,
	};
	static const char text[] =
		"2000000-4000000 rw-p 00000000 00:00 0 [heap]\n"
		"4000000-6000000 rw-p 00000000 00:00 0\n";
	struct fx_heap_src src = { img_read, im };
	struct fx_alloc_label out[4];
	unsigned char cand[4] = { 1, 1, 1, 1 };
	struct fx_alloc a;
	struct fx_maps m;
	struct fx_err err;
	size_t i, k;

	im->base[0] = BASE;
	im->base[1] = 2 * BASE;
	im->nbase = 2;
	fx_maps_init(&m);
	if (fx_maps_parse(&m, text, sizeof(text) - 1, &err) == 0 &&
	    m.n == 2) {
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			memset(&a, 0, sizeof(a));
			a.id = ids[i];
			if (fx_alloc_label(&a, &m, &src, cand, out) < 0)
				continue;
			for (k = 0; k < m.n; k++) {
				if (out[k].bytes > m.r[k].end - m.r[k].start)
					abort();
				if (getenv("FUZZ_SHOW") && out[k].bytes)
					fprintf(stderr, "%s: region %zu: %llu "
						"bytes, %u %s, %u meta\n",
						fx_alloc_class(&a), k,
						(unsigned long long)out[k].bytes,
						out[k].items,
						fx_alloc_items(&a), out[k].meta);
			}
		}
	}
	fx_maps_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image im = { data + 1, size ? size - 1 : 0, { 0 }, 0 };

	if (!size)
		return 0;
	if (data[0] == 'V')
		versions((const char *)data + 1, size - 1);
	else if (data[0] == 'E')
		identify(&im);
	else
		label(&im);
	return 0;
}
