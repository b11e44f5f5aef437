/*
 * fuzz_pymalloc: the pymalloc pool finder (pymalloc.h) over hostile
 * memory: the input is the process's memory at IMG (image.h, 1 MiB
 * aligned), one anonymous read-write region in a process that maps a
 * python whose version comes from the input's first byte (0: a name
 * without one, so both pool sizes are tried); the pool headers are the
 * input's bytes at every 4 KiB. The python's data page, at OWN, holds the
 * input's last 4 KiB again (image.h's own block): a _Py_DebugOffsets
 * cookie and the pointer to CPython's arenas table may be there. Every
 * histogram line and arena found must be sane. Seeds:
 * fuzz/seeds/pymalloc/ (corpus/gen-walker-seeds.py); FUZZ_SHOW=1 prints
 * what was found.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensic.h"
#include "image.h"
#include "maps.h"
#include "pymalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OWN 0x40000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image im = { data + 1, size - 1, NULL, 0, 0 };
	struct fx_heap_src src = { image_read, &im };
	uint64_t span;
	struct fx_pymalloc pm;
	struct fx_maps m;
	struct fx_err err;
	unsigned sz, in, fr;
	char text[512], name[32];
	size_t i;

	if (size < 49)
		return 0;
	if (fx_pymalloc_pool(data + 1, IMG, data[0] & 1 ? 4096 : 16384, &sz,
			     &in, &fr) && (sz % 16 || sz > 512 || !sz ||
					   (uint64_t)(in + fr) * sz > 16384))
		abort();
	span = (size - 1 + 4095) & ~4095ull;
	if (size - 1 >= 4096) {
		im.own = data + size - 4096;
		im.ownlen = 4096;
		im.ownbase = OWN;
	}
	if (data[0] % 16)
		snprintf(name, sizeof(name), "python3.%d", data[0] % 16);
	else
		snprintf(name, sizeof(name), "python3");
	snprintf(text, sizeof(text),
		 "400000-401000 r-xp 00000000 08:01 99  /usr/bin/%s\n"
		 "%llx-%llx rw-p 00000000 00:00 0\n"
		 "%llx-%llx rw-p 00001000 08:01 99  /usr/bin/%s\n",
		 name, IMG, IMG + span, OWN, OWN + 4096, name);
	/* The own block is read only within [OWN, OWN + 4096). */
	fx_maps_init(&m);
	memset(&err, 0, sizeof(err));
	if (fx_maps_parse(&m, text, strlen(text), &err))
		abort();
	fx_pymalloc_init(&pm);
	pm.budget = 1u << 12;
	if (fx_pymalloc_walk(&pm, &m, &src) == 0) {
		for (i = 0; i < pm.nhist; i++) {
			const struct fx_chunk_hist *e = &pm.hist[i];

			if (!e->size || e->size % 16 || e->size > 512 ||
			    e->inuse_bytes != e->inuse * e->size ||
			    e->free_bytes != e->free * e->size)
				abort();
		}
		/* An arena's span: its pools seen (in the input), or
		 * exact from a table the input holds: one arena long. */
		for (i = 0; i < pm.narenas; i++)
			if (pm.arenas[i].end <= pm.arenas[i].start ||
			    pm.arenas[i].end - pm.arenas[i].start >
				    pm.arena_size ||
			    (!pm.table && (pm.arenas[i].start < IMG ||
					   pm.arenas[i].start >= IMG + span)))
				abort();
		if (getenv("FUZZ_SHOW")) {
			printf("%s\n", pm.note);
			for (i = 0; i < pm.nhist; i++)
				printf("size %llu inuse %llu free %llu\n",
				       (unsigned long long)pm.hist[i].size,
				       (unsigned long long)pm.hist[i].inuse,
				       (unsigned long long)pm.hist[i].free);
		}
	}
	fx_pymalloc_release(&pm);
	fx_maps_release(&m);
	return 0;
}
