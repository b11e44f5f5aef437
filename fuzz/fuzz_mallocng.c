/*
 * fuzz_mallocng: the musl mallocng walker (mallocng.h) over hostile
 * memory: the input is the process's memory at IMG (image.h), mapped as
 * a dynamic musl's libc data (where the context is searched) followed by
 * anonymous memory; its meta areas, metas and groups are wherever the
 * input's pointers say. Meta areas must be 4096-aligned, so seeds lay the
 * context in the first page and areas and groups in the pages after
 * (fuzz/seeds/mallocng/, written by corpus/gen-walker-seeds.py). Every
 * histogram line and span found must be sane, and the walk must end;
 * FUZZ_SHOW=1 prints what was found.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensic.h"
#include "image.h"
#include "mallocng.h"
#include "maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image im = { data, size, NULL, 0, 0 };
	struct fx_heap_src src = { image_read, &im };
	uint64_t span = (size + 4095) & ~4095ull, half;
	struct fx_mallocng mg;
	struct fx_maps m;
	struct fx_err err;
	char text[512];
	size_t i;

	if (size < 4096)
		return 0;
	/* The first page (or half, rounded to pages) as libc's data, the
	 * rest as its bss and then anonymous memory. */
	half = (span / 2) & ~4095ull;
	half = half ? half : 4096;
	snprintf(text, sizeof(text),
		 "%llx-%llx rw-p 000ab000 08:01 77  /lib/ld-musl-x86_64.so.1\n"
		 "%llx-%llx rw-p 00000000 00:00 0\n",
		 IMG, IMG + half, IMG + half,
		 IMG + span + (span == half) * 4096);
	fx_maps_init(&m);
	memset(&err, 0, sizeof(err));
	if (fx_maps_parse(&m, text, strlen(text), &err))
		abort();
	fx_mallocng_init(&mg);
	mg.budget = 1u << 16;
	if (fx_mallocng_walk(&mg, &m, &src) == 0) {
		if (mg.ctx && (mg.ctx < IMG || mg.ctx >= IMG + span))
			abort();
		for (i = 0; i < mg.nhist; i++) {
			const struct fx_chunk_hist *e = &mg.hist[i];

			if (!e->size || e->inuse_bytes != e->inuse * e->size ||
			    e->free_bytes != e->free * e->size || e->type > 1 ||
			    (i && e->size < mg.hist[i - 1].size))
				abort();
		}
		for (i = 0; i < mg.nspans; i++)
			if (mg.spans[i].end <= mg.spans[i].start ||
			    (i && mg.spans[i].start < mg.spans[i - 1].start))
				abort();
		if (mg.nbad > 64 || mg.areas > mg.budget / 101 + 2)
			abort();
		if (getenv("FUZZ_SHOW")) {
			printf("%s\n", mg.note);
			for (i = 0; i < mg.nhist; i++)
				printf("size %llu type %u inuse %llu free "
				       "%llu\n",
				       (unsigned long long)mg.hist[i].size,
				       mg.hist[i].type,
				       (unsigned long long)mg.hist[i].inuse,
				       (unsigned long long)mg.hist[i].free);
			for (i = 0; i < mg.nbad; i++)
				printf("bad 0x%llx %s\n",
				       (unsigned long long)mg.bad[i].addr,
				       mg.bad[i].why);
		}
	}
	fx_mallocng_release(&mg);
	fx_maps_release(&m);
	return 0;
}
