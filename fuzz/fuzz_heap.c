/*
 * fuzz_heap: the glibc heap walker over a synthetic process image, and
 * classify's small parsers of target-controlled bytes.
 *
 * Input starting with 'P': the rest goes to fx_syscall_sp_parse,
 * fx_task_stat_parse, fx_type_name, fx_glibc_version and
 * fx_elf_loads.
 *
 * Otherwise a process image (all integers little-endian):
 *   u8  glibc minor version (taken modulo 14, plus 26)
 *   u64 heap_base  u64 heap_size     the [heap] region
 *   u64 arena                        main_arena, in libc's rw data
 *   u64 nm_base    u64 nm_size       an anonymous region (arena heap)
 *   u32 heap_len   u32 arena_len  u32 nm_len   bytes that follow
 *   heap bytes, arena bytes, nm bytes
 * Bytes of a region past what the input gives read as unreadable
 * (-EFAULT), like pages not present; libc's two rw pages read as zeros
 * around the arena bytes. Seeds (fuzz/seeds/heap/) are taken
 * from live targets (see corpus/README.md).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "elfseg.h"
#include "forensic.h"
#include "heap.h"
#include "threads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct part {
	uint64_t addr;		/* where the bytes sit */
	const uint8_t *p;
	size_t len;
};

struct image {
	struct part part[3];
};

static int img_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct image *im = ctx;
	size_t i;

	for (i = 0; i < 3; i++) {
		struct part *pt = &im->part[i];

		if (addr >= pt->addr && addr - pt->addr <= pt->len &&
		    len <= pt->len - (addr - pt->addr)) {
			memcpy(buf, pt->p + (addr - pt->addr), len);
			return 0;
		}
	}
	return -EFAULT;
}

static uint32_t type_fn(void *ctx, uint64_t w)
{
	(void)ctx;
	return (w & 0xff) == 0x40 ? 1 : 0;
}

static void parsers(const char *s, size_t n)
{
	struct fx_elf_load ld[8];
	char out[64], comm[16], name[1025];
	uint64_t v;
	size_t nl;
	int a, b;

	fx_syscall_sp_parse(s, n, &v);
	if (fx_task_stat_parse(s, n, comm, sizeof(comm), &v) == 0 &&
	    strlen(comm) >= sizeof(comm))
		abort();
	if (n < sizeof(name)) {
		memcpy(name, s, n);
		name[n] = '\0';
		if (fx_type_name(name, out, sizeof(out)) == 0 &&
		    strlen(out) >= sizeof(out))
			abort();
	}
	fx_glibc_version(s, n, &a, &b);
	if (fx_elf_loads(s, n, ld, 8, &nl) == 0 && nl > 8)
		abort();
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint8_t libdata[0x2000];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t hdr = 1 + 5 * 8 + 3 * 4;
	uint64_t hb, hs_, ar, nb, ns, lib, bytes;
	struct fx_heapscan hs;
	struct fx_heap_src src;
	struct fx_glibc g;
	struct fx_maps m;
	struct fx_err err;
	struct image im;
	uint32_t hl, al, nl;
	char text[512];
	size_t i;

	if (size && data[0] == 'P') {
		parsers((const char *)data + 1, size - 1);
		return 0;
	}
	if (size < hdr)
		return 0;
	hb = get64(data + 1) & ~0xfffULL;
	hs_ = (get64(data + 9) & 0xffffff000ULL) + 0x1000;
	ar = get64(data + 17) & ~7ULL;
	nb = get64(data + 25) & ~0xfffULL;
	ns = (get64(data + 33) & 0x3fff000ULL) + 0x1000;
	hl = get32(data + 41);
	al = get32(data + 45);
	nl = get32(data + 49);
	if ((uint64_t)hl + al + nl > size - hdr)
		return 0;
	lib = ar & ~0xfffULL;
	/* Regions sorted and apart, below the top of the address space. */
	if (hb >= 1ULL << 47 || nb >= 1ULL << 47 || lib >= 1ULL << 47 ||
	    !(hb + hs_ <= nb && nb + ns <= lib - 0x1000))
		return 0;
	snprintf(text, sizeof(text),
		 "%llx-%llx rw-p 00000000 00:00 0          [heap]\n"
		 "%llx-%llx rw-p 00000000 00:00 0 \n"
		 "%llx-%llx r--p 00000000 08:01 7          /lib/libc.so.6\n"
		 "%llx-%llx rw-p 00001000 08:01 7          /lib/libc.so.6\n",
		 (unsigned long long)hb, (unsigned long long)(hb + hs_),
		 (unsigned long long)nb, (unsigned long long)(nb + ns),
		 (unsigned long long)(lib - 0x1000), (unsigned long long)lib,
		 (unsigned long long)lib,
		 (unsigned long long)(lib + 0x2000));
	fx_maps_init(&m);
	memset(&err, 0, sizeof(err));
	if (fx_maps_parse(&m, text, strlen(text), &err)) {
		fx_maps_release(&m);
		return 0;
	}
	im.part[0] = (struct part){ hb, data + hdr, hl < hs_ ? hl : hs_ };
	/* libc's rw data: zeros around the arena bytes, whole pages. */
	memset(libdata, 0, sizeof(libdata));
	memcpy(libdata + (ar - lib), data + hdr + hl,
	       al < sizeof(libdata) - (ar - lib) ? al :
						   sizeof(libdata) - (ar - lib));
	im.part[1] = (struct part){ lib, libdata, sizeof(libdata) };
	im.part[2] = (struct part){ nb, data + hdr + hl + al,
				    nl < ns ? nl : ns };
	src.read = img_read;
	src.ctx = &im;
	if (fx_glibc_layout(&g, 2, 26 + data[0] % 14))
		abort();
	fx_heapscan_init(&hs, &g);
	hs.budget = 1 << 16;
	if (fx_heapscan_find(&hs, &m, &src, NULL) == 0 &&
	    fx_heapscan_chunks(&hs, &src, type_fn, NULL) == 0) {
		for (i = 0; i < hs.nhist; i++)
			if (hs.hist[i].inuse > 1ULL << 40 ||
			    hs.hist[i].free > 1ULL << 40)
				abort();
		for (i = 0; i < hs.nbad; i++)
			if (!hs.bad[i].why)
				abort();
	}
	fx_mmap_chunks(&src, nb, nb + ns, &bytes);
	if (bytes > ns)
		abort();
	fx_heapscan_release(&hs);
	fx_maps_release(&m);
	return 0;
}
