/*
 * pagemap: reading /proc/PID/pagemap entries (format in pagemap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "mem.h"
#include "kerndat.h"
#include "pagemap.h"
#include "proc.h"

size_t fx_page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

int fx_pagemap_open(struct fx_proc *p)
{
	/* The leader's, or a live thread's when the leader has exited. */
	return fx_mem_openat(p, "pagemap");
}

long fx_pagemap_read(int fd, uint64_t vaddr, size_t npages, uint64_t *out)
{
	/* 64-bit offset arithmetic: addresses above 2^47 (LA57) included. */
	uint64_t off = vaddr / fx_page_size() * 8;
	int err;
	size_t got = fx_read_full(fd, out, npages * 8, off, &err);

	if (err)
		return err;
	/*
	 * Nothing at all: vaddr is past the end of the address space
	 * ([vsyscall]), or the mm is gone. The fd holds the mm it was
	 * opened on and reads nothing once the process has exited or run
	 * execve; page 0, below the end of any address space, tells which
	 * (PAGEMAP_SCAN says -ESRCH itself).
	 */
	if (got == 0 && npages)
		return vaddr == 0 || fx_pagemap_read(fd, 0, 1, out) == -ESRCH ?
			       -ESRCH :
			       0;
	return (long)(got / 8);
}

/*
 * The PAGEMAP_SCAN ioctl (Linux 6.7, include/uapi/linux/fs.h). Defined
 * here because Debian 12's headers (6.1) lack it; the ABI is fixed. The
 * kernel walks page tables and returns runs of pages whose categories
 * match, skipping empty page-table levels whole.
 */
#include <sys/ioctl.h>

#define FX_PAGE_IS_PRESENT (1ULL << 3)
#define FX_PAGE_IS_SWAPPED (1ULL << 4)
#define FX_PAGE_IS_PFNZERO (1ULL << 5)

struct fx_scan_region {
	uint64_t start, end, categories;
};

struct fx_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};

#define FX_PAGEMAP_SCAN _IOWR('f', 16, struct fx_scan_arg)

#define FX_PM_WINDOW 4096	/* entries read at a time by the fallback */

/*
 * The zero page's PFN, learnt from our own pagemap: a read of fresh
 * anonymous memory maps it. 0 when PFNs are hidden (no CAP_SYS_ADMIN).
 */
uint64_t fx_pagemap_probe_zero_pfn(void)
{
	volatile char *page;
	uint64_t e = 0;
	long n;
	int fd;

	page = mmap(NULL, fx_page_size(), PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 0;
	(void)page[0];
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = fx_pagemap_read(fd, (uint64_t)(uintptr_t)page, 1, &e);
		close(fd);
		if (n != 1 || !(e & FX_PM_PRESENT))
			e = 0;
	}
	munmap((void *)page, fx_page_size());
	return e & ((1ULL << 55) - 1);
}

int fx_pagemap_init(struct fx_pagemap *pm, struct fx_proc *p, int use_scan)
{
	const struct fx_kerndat *kd = fx_kerndat();

	pm->ent = NULL;
	pm->scan = use_scan && kd->pagemap_scan;
	pm->zero_pfn = kd->zero_pfn;
	pm->fd = fx_pagemap_open(p);
	return pm->fd < 0 ? pm->fd : 0;
}

void fx_pagemap_release(struct fx_pagemap *pm)
{
	fx_close(&pm->fd);
	free(pm->ent);
	pm->ent = NULL;
}

static long runs_scan(struct fx_pagemap *pm, uint64_t start, uint64_t end,
		      struct fx_page_run *runs, size_t max, uint64_t *next)
{
	struct fx_scan_region vec[256];
	struct fx_scan_arg a;
	long n, i;

	if (max > FX_ARRAY_SIZE(vec))
		max = FX_ARRAY_SIZE(vec);
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = start;
	a.end = end;
	a.vec = (uint64_t)(uintptr_t)vec;
	a.vec_len = max;
	a.category_anyof_mask = FX_PAGE_IS_PRESENT | FX_PAGE_IS_SWAPPED;
	a.return_mask = FX_PAGE_IS_PRESENT | FX_PAGE_IS_SWAPPED |
			FX_PAGE_IS_PFNZERO;
	do
		n = ioctl(pm->fd, FX_PAGEMAP_SCAN, &a);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		runs[i].start = vec[i].start;
		runs[i].end = vec[i].end;
		runs[i].flags = (vec[i].categories & FX_PAGE_IS_PFNZERO) ?
					FX_RUN_ZERO :
				(vec[i].categories & FX_PAGE_IS_PRESENT) ?
					FX_RUN_PRESENT :
					FX_RUN_SWAPPED;
	}
	/* walk_end is where the kernel stopped (vec full, or end). */
	*next = a.walk_end > start && a.walk_end <= end ? a.walk_end : end;
	if (n == 0 && a.walk_end <= start)
		*next = end;
	return n;
}

int fx_pagemap_probe_scan(void)
{
	static char page[4096] __attribute__((aligned(4096)));
	struct fx_pagemap pm = { -1, 1, NULL, 0 };
	struct fx_page_run run;
	uint64_t start = (uint64_t)(uintptr_t)page, next;
	long n;

	page[0] = 1;	/* present */
	pm.fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm.fd < 0)
		return 0;
	n = runs_scan(&pm, start, start + sizeof(page), &run, 1, &next);
	close(pm.fd);
	return n == 1 && (run.flags & FX_RUN_PRESENT);
}

static long runs_entries(struct fx_pagemap *pm, uint64_t start, uint64_t end,
			 struct fx_page_run *runs, size_t max, uint64_t *next)
{
	size_t ps = fx_page_size(), npages, i, n = 0;
	unsigned int f;
	long got;

	if (!pm->ent) {
		pm->ent = malloc(FX_PM_WINDOW * sizeof(*pm->ent));
		if (!pm->ent)
			return -ENOMEM;
	}
	npages = (end - start) / ps;
	if (npages > FX_PM_WINDOW)
		npages = FX_PM_WINDOW;
	got = fx_pagemap_read(pm->fd, start, npages, pm->ent);
	if (got < 0)
		return got;
	if (got == 0) {
		/* Past the end of the address space (vsyscall): absent. */
		*next = end;
		return 0;
	}
	for (i = 0; i < (size_t)got; i++) {
		uint64_t a = start + i * ps;

		f = !(pm->ent[i] & FX_PM_PRESENT) ?
			    ((pm->ent[i] & FX_PM_SWAPPED) ? FX_RUN_SWAPPED : 0) :
		    pm->zero_pfn &&
				    (pm->ent[i] & ((1ULL << 55) - 1)) ==
					    pm->zero_pfn ?
			    FX_RUN_ZERO :
			    FX_RUN_PRESENT;
		if (!f)
			continue;
		if (n && runs[n - 1].end == a && runs[n - 1].flags == f) {
			runs[n - 1].end = a + ps;
			continue;
		}
		if (n == max) {
			*next = a;
			return (long)n;
		}
		runs[n].start = a;
		runs[n].end = a + ps;
		runs[n].flags = f;
		n++;
	}
	*next = start + (uint64_t)got * ps;
	return (long)n;
}

long fx_pagemap_runs(struct fx_pagemap *pm, uint64_t start, uint64_t end,
		     struct fx_page_run *runs, size_t max, uint64_t *next)
{
	long n;

	if (start >= end || !max) {
		*next = end;
		return 0;
	}
	if (pm->scan) {
		n = runs_scan(pm, start, end, runs, max, next);
		if (n >= 0 || n == -ESRCH)
			return n;
		/* Refused although the probe passed: entries from now
		 * on. */
		pm->scan = 0;
	}
	return runs_entries(pm, start, end, runs, max, next);
}
