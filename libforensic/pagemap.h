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
 * space), or a negative errno (-ESRCH: the process is gone).
 */
long fx_pagemap_read(int fd, uint64_t vaddr, size_t npages, uint64_t *out);

/* The system page size. */
size_t fx_page_size(void);

#endif
