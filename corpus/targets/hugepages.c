/*
 * hugepages: huge pages of both kinds for dump-region (RELIABILITY T25).
 *
 *   hugepages
 *
 * Maps 4 hugetlb pages (MAP_HUGETLB, 2 MiB each, from the pool: the test
 * sets vm.nr_hugepages) and writes the first two, the other two never
 * touched; and 8 MiB of anonymous memory with MADV_HUGEPAGE, written
 * whole (transparent huge pages when the kernel gives them). Every
 * written 4 KiB page starts with "hugepage-page-N" (N its index in its
 * mapping). Reports:
 *   ready pid=N hugetlb=0x.. hugetlb_size=B thp=0x.. thp_size=B
 * "hugetlb=-" when the pool gave nothing.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "target.h"

#define HUGE (2ul << 20)

static void fill(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len / 4096; i++)
		snprintf(p + i * 4096, 4096, "hugepage-page-%zu", i);
}

int main(void)
{
	size_t hsize = 4 * HUGE, tsize = 8ul << 20;
	char *h, *t;

	h = mmap(NULL, hsize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (h != MAP_FAILED)
		fill(h, 2 * HUGE);
	/* Aligned to 2 MiB so that the kernel can give huge pages. */
	t = mmap(NULL, tsize + HUGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		target_die("mmap");
	t = (char *)(((uintptr_t)t + HUGE - 1) & ~(HUGE - 1));
	madvise(t, tsize, MADV_HUGEPAGE);
	fill(t, tsize);
	if (h == MAP_FAILED)
		target_ready("hugetlb=- hugetlb_size=0 thp=%p thp_size=%zu",
			     (void *)t, tsize);
	else
		target_ready("hugetlb=%p hugetlb_size=%zu thp=%p thp_size=%zu",
			     (void *)h, hsize, (void *)t, tsize);
	target_wait();
	return 0;
}
