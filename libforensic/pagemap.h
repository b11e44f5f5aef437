/*
 * pagemap: which pages of a process are present, before any is read.
 *
 * /proc/PID/pagemap holds one 64-bit entry per virtual page, at file
 * offset (vaddr / page_size) * 8 (Documentation/admin-guide/mm/pagemap.rst):
 *   bit 63  page present in RAM
 *   bit 62  page swapped
 *   bit 61  file page or shared anonymous
 *   bit 56  exclusively mapped
 *   bit 55  soft-dirty
 *   bits 0-54 the PFN (zero without CAP_SYS_ADMIN, Linux 4.2+)
 * Reading it walks page tables but never faults a page in: it is how a
 * reader learns which pages it may touch without raising the target's RSS.
 */
#ifndef FX_PAGEMAP_H
#define FX_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

#define FX_PM_PRESENT (1ULL << 63)
#define FX_PM_SWAPPED (1ULL << 62)
#define FX_PM_FILE (1ULL << 61)

struct fx_proc;

/* Open /proc/PID/pagemap of p; an fd, or a negative errno. */
int fx_pagemap_open(struct fx_proc *p);

/*
 * Read the entries of npages pages from vaddr (page aligned) into out.
 * Returns the number of entries read (fewer at the end of the address
 * space), or a negative errno (-ESRCH: the process is gone: it exited
 * or ran execve since fd was opened).
 */
long fx_pagemap_read(int fd, uint64_t vaddr, size_t npages, uint64_t *out);

/* A run of pages of one state, [start, end), page aligned. */
struct fx_page_run {
	uint64_t start, end;
	unsigned int flags;	/* FX_RUN_* */
};

#define FX_RUN_PRESENT 1u	/* in RAM: may be read without faulting */
#define FX_RUN_SWAPPED 2u	/* swapped out: reading would swap it in */
#define FX_RUN_ZERO 4u		/* present, but the shared zero page: a
				 * read of never-written memory mapped it;
				 * its bytes are known zeros, and it is not
				 * in the RSS */

/*
 * A pagemap reader that finds runs of present and swapped pages. On
 * Linux 6.7+ it asks the PAGEMAP_SCAN ioctl, which skips unpopulated page
 * tables in the kernel (a 1 TiB untouched region costs microseconds);
 * otherwise it reads 8-byte entries, 4096 pages at a time.
 */
struct fx_pagemap {
	int fd;
	int scan;		/* 1 try PAGEMAP_SCAN, 0 entries only */
	uint64_t *ent;		/* entries buffer of the fallback */
	uint64_t zero_pfn;	/* the zero page's PFN, 0 when unknown
				 * (PFNs need CAP_SYS_ADMIN) */
};

/*
 * Open p's pagemap. use_scan 0 forces the entry-reading fallback (tests
 * run both paths). 0 or a negative errno (-ESRCH: gone, -EACCES).
 */
int fx_pagemap_init(struct fx_pagemap *pm, struct fx_proc *p, int use_scan);

void fx_pagemap_release(struct fx_pagemap *pm);

/*
 * Probes for kerndat.c (use fx_kerndat()): does the PAGEMAP_SCAN ioctl
 * answer here (1 or 0); the zero page's PFN (0 when PFNs are hidden).
 */
int fx_pagemap_probe_scan(void);
uint64_t fx_pagemap_probe_zero_pfn(void);

/*
 * Fill runs (at most max) with the present or swapped runs found in
 * [start, end), in address order; pages in no run are absent (never
 * touched, or discarded). *next receives the address where this call
 * stopped looking: call again from there until it equals end. Returns the
 * number of runs, or a negative errno (-ESRCH: the process is gone).
 */
long fx_pagemap_runs(struct fx_pagemap *pm, uint64_t start, uint64_t end,
		     struct fx_page_run *runs, size_t max, uint64_t *next);

/* The system page size. */
size_t fx_page_size(void);

#endif
