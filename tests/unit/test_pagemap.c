/*
 * Unit tests of pagemap: the decoding of /proc/PID/pagemap entries into
 * runs of present, swapped and zero-page pages, over entry bytes laid
 * out in a memfd at the offsets the kernel's file has them (vaddr / page
 * size * 8), also after a PAGEMAP_SCAN that is refused; and both
 * readers on this very process, against pages whose state it set.
 */
#include "kerndat.h"
#include "pagemap.h"
#include "proc.h"
#include "unit.h"

#define BASE 0x7f0000000000ULL	/* the first page of the fixtures */
#define PFN(x) ((uint64_t)(x))
#define ZERO_PFN 0x1234ULL
#define SOFT_DIRTY (1ULL << 55)
#define EXCLUSIVE (1ULL << 56)
/* A swap entry: type in bits 0-4, offset in bits 5-54. */
#define SWAP(type, off) (FX_PM_SWAPPED | (type) | ((uint64_t)(off) << 5))

/* Ten pages of every kind an entry can say (runs expected below). */
static const uint64_t ten[10] = {
	FX_PM_PRESENT | PFN(0x100),			/* 0 present */
	FX_PM_PRESENT | EXCLUSIVE | PFN(0x101),		/* 1 present */
	0,						/* 2 absent */
	SWAP(1, 0x77),					/* 3 swapped */
	SWAP(0, 0x78) | SOFT_DIRTY,			/* 4 swapped */
	FX_PM_PRESENT | ZERO_PFN,			/* 5 zero page */
	FX_PM_PRESENT | FX_PM_FILE | PFN(0x300),	/* 6 file page */
	FX_PM_PRESENT | SOFT_DIRTY | PFN(0x200),	/* 7 present */
	FX_PM_FILE,					/* 8 absent */
	FX_PM_PRESENT,					/* 9 PFN hidden */
};

static uint64_t pg(size_t i)
{
	return BASE + i * fx_page_size();
}

/* A memfd holding n entries for the pages from BASE on. */
static int entries_fd(const uint64_t *e, size_t n)
{
	int fd = unit_memfd();
	off_t off = (off_t)(BASE / fx_page_size() * 8);

	ck_assert(pwrite(fd, e, n * 8, off) == (ssize_t)(n * 8));
	return fd;
}

static void pm_on(struct fx_pagemap *pm, int fd, int scan, uint64_t zero)
{
	pm->fd = fd;
	pm->scan = scan;
	pm->ent = NULL;
	pm->zero_pfn = zero;
}

static void run_is(const struct fx_page_run *r, size_t from, size_t to,
		   unsigned int flags)
{
	ck_assert_msg(r->start == pg(from) && r->end == pg(to) &&
			      r->flags == flags,
		      "run [0x%llx, 0x%llx) flags %u, want pages [%zu, %zu) "
		      "flags %u", (unsigned long long)r->start,
		      (unsigned long long)r->end, r->flags, from, to, flags);
}

START_TEST(test_read_entries)
{
	uint64_t out[12];
	int fd = entries_fd(ten, 10);

	/* Entry i of page i, and fewer at the end of the file. */
	ck_assert_int_eq(fx_pagemap_read(fd, pg(0), 10, out), 10);
	ck_assert_mem_eq(out, ten, sizeof(ten));
	ck_assert_int_eq(fx_pagemap_read(fd, pg(3), 2, out), 2);
	ck_assert_uint_eq(out[0], ten[3]);
	ck_assert_uint_eq(out[1], ten[4]);
	ck_assert_int_eq(fx_pagemap_read(fd, pg(8), 4, out), 2);
	ck_assert_int_eq(fx_pagemap_read(fd, pg(10), 4, out), 0);
	close(fd);
	/* An error is an errno, not a count. */
	ck_assert_int_eq(fx_pagemap_read(fd, pg(0), 1, out), -EBADF);
}
END_TEST

/* Both ways: entries read, and a PAGEMAP_SCAN refused first (a file
 * that is no pagemap says ENOTTY): the reader goes on with entries, for
 * good. */
static void runs_decoding(int scan)
{
	struct fx_pagemap pm;
	struct fx_page_run r[8];
	uint64_t next;
	int fd = entries_fd(ten, 10);

	pm_on(&pm, fd, scan, ZERO_PFN);
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(0), pg(10), r, 8, &next), 5);
	ck_assert_int_eq(pm.scan, 0);
	run_is(&r[0], 0, 2, FX_RUN_PRESENT);	/* flags bits ignored */
	run_is(&r[1], 3, 5, FX_RUN_SWAPPED);	/* any swap entry */
	run_is(&r[2], 5, 6, FX_RUN_ZERO);	/* the zero page's PFN */
	run_is(&r[3], 6, 8, FX_RUN_PRESENT);	/* file or anon alike */
	run_is(&r[4], 9, 10, FX_RUN_PRESENT);	/* a hidden PFN: not zero */
	ck_assert_uint_eq(next, pg(10));

	/* The zero page unknown (PFNs hidden): a present page like any. */
	pm.zero_pfn = 0;
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(0), pg(10), r, 8, &next), 4);
	run_is(&r[2], 5, 8, FX_RUN_PRESENT);

	/* A range inside: runs clipped to it. */
	pm.zero_pfn = ZERO_PFN;
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(4), pg(7), r, 8, &next), 3);
	run_is(&r[0], 4, 5, FX_RUN_SWAPPED);
	run_is(&r[1], 5, 6, FX_RUN_ZERO);
	run_is(&r[2], 6, 7, FX_RUN_PRESENT);

	/* Empty range, no room: nothing, and done. */
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(3), pg(3), r, 8, &next), 0);
	ck_assert_uint_eq(next, pg(3));
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(0), pg(10), r, 0, &next), 0);
	ck_assert_uint_eq(next, pg(10));
	fx_pagemap_release(&pm);
	ck_assert_int_eq(pm.fd, -1);
	ck_assert_ptr_null(pm.ent);
}

START_TEST(test_runs_decoding)
{
	runs_decoding(0);
	runs_decoding(1);
}
END_TEST

START_TEST(test_runs_resume)
{
	struct fx_pagemap pm;
	struct fx_page_run r[2];
	uint64_t next, at;
	size_t total = 0;
	long n;
	int fd = entries_fd(ten, 10), calls = 0;

	pm_on(&pm, fd, 0, ZERO_PFN);
	/* Two runs at a time: the call stops where the third begins. */
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(0), pg(10), r, 2, &next), 2);
	run_is(&r[1], 3, 5, FX_RUN_SWAPPED);
	ck_assert_uint_eq(next, pg(5));
	/* Called again from next until it reaches the end: every run once. */
	for (at = pg(0); at < pg(10); at = next, calls++) {
		n = fx_pagemap_runs(&pm, at, pg(10), r, 2, &next);
		ck_assert_int_ge(n, 0);
		ck_assert_uint_gt(next, at);
		total += (size_t)n;
	}
	ck_assert_uint_eq(total, 5);
	ck_assert_int_eq(calls, 3);

	/* Past the end of the file (the top of the address space): no
	 * runs, and done; partly past it: stops where the entries end. */
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(10), pg(20), r, 2, &next), 0);
	ck_assert_uint_eq(next, pg(20));
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(9), pg(20), r, 2, &next), 1);
	ck_assert_uint_eq(next, pg(10));
	fx_pagemap_release(&pm);
}
END_TEST

START_TEST(test_runs_window)
{
	enum { N = 5000 };
	static uint64_t e[N];
	struct fx_pagemap pm;
	struct fx_page_run r[4];
	uint64_t next;
	size_t i;
	int fd;

	for (i = 0; i < N; i++)
		e[i] = FX_PM_PRESENT | PFN(0x100000 + i);
	fd = entries_fd(e, N);
	pm_on(&pm, fd, 0, ZERO_PFN);
	/* 4096 entries read at a time: one run, cut at the window. */
	ck_assert_int_eq(fx_pagemap_runs(&pm, pg(0), pg(N), r, 4, &next), 1);
	run_is(&r[0], 0, 4096, FX_RUN_PRESENT);
	ck_assert_uint_eq(next, pg(4096));
	ck_assert_int_eq(fx_pagemap_runs(&pm, next, pg(N), r, 4, &next), 1);
	run_is(&r[0], 4096, N, FX_RUN_PRESENT);
	ck_assert_uint_eq(next, pg(N));
	fx_pagemap_release(&pm);
}
END_TEST

/* Runs of [a, a + 4 pages) of this process, read one way. */
static long self_runs(struct fx_proc *p, int scan, uint64_t a,
		      struct fx_page_run *r, size_t max)
{
	struct fx_pagemap pm;
	uint64_t next;
	long n;

	ck_assert_int_eq(fx_pagemap_init(&pm, p, scan), 0);
	n = fx_pagemap_runs(&pm, a, a + 4 * fx_page_size(), r, max, &next);
	ck_assert_uint_eq(next, a + 4 * fx_page_size());
	fx_pagemap_release(&pm);
	return n;
}

START_TEST(test_self)
{
	const struct fx_kerndat *kd = fx_kerndat();
	size_t ps = fx_page_size();
	struct fx_page_run r[4];
	struct fx_proc p;
	volatile char *m;
	uint64_t a;
	long n;
	int scan;

	m = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(m != MAP_FAILED);
	a = (uint64_t)(uintptr_t)m;
	m[0] = 1;		/* page 0 present */
	m[2 * ps] = 1;		/* page 2 present, page 1 never touched */
	(void)m[3 * ps];	/* page 3 read only: the zero page */
	ck_assert_int_eq(fx_proc_open(&p, getpid()), 0);
	for (scan = 0; scan <= 1; scan++) {
		/* Zero pages are told by PFN (hidden without CAP_SYS_ADMIN)
		 * or by PAGEMAP_SCAN (Linux 6.7). */
		int zero_known = scan ? kd->pagemap_scan : kd->zero_pfn != 0;

		n = self_runs(&p, scan, a, r, 4);
		ck_assert_msg(r[0].start == a && r[0].end == a + ps &&
				      r[0].flags == FX_RUN_PRESENT,
			      "scan %d: page 0 not a present run", scan);
		ck_assert_uint_eq(r[1].start, a + 2 * ps);
		ck_assert_uint_eq(r[1].flags, FX_RUN_PRESENT);
		if (zero_known) {
			ck_assert_int_eq(n, 3);
			ck_assert_uint_eq(r[1].end, a + 3 * ps);
			ck_assert_uint_eq(r[2].start, a + 3 * ps);
			ck_assert_uint_eq(r[2].flags, FX_RUN_ZERO);
		} else {
			/* Pages 2 and 3 alike present: one run. */
			ck_assert_int_eq(n, 2);
			ck_assert_uint_eq(r[1].end, a + 4 * ps);
		}
	}
	fx_proc_release(&p);
	munmap((void *)m, 4 * ps);
}
END_TEST

UNIT_MAIN("pagemap", test_read_entries, test_runs_decoding, test_runs_resume,
	  test_runs_window, test_self)
