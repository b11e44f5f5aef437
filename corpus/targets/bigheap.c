/*
 * bigheap: one big, fully resident anonymous region.
 *
 *   bigheap [MIB [BYTE]]   (defaults 4096, 0x5a)
 *
 * mmaps MIB MiB (anonymous, private) and writes every page with BYTE, so
 * the region is MIB MiB resident. BYTE 0 gives a region without strings
 * (a strings scan of it is quick; of 0x5a, 'Z', it is one long string).
 * Reports: ready pid=N start=0x... size=BYTES
 */
#include <string.h>
#include <sys/mman.h>

#include "target.h"

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 4096;
	int byte = argc > 2 ? (int)strtol(argv[2], NULL, 0) : 0x5a;
	size_t size = mib << 20;
	char *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		target_die("mmap");
	/* No transparent huge pages: the page-table walk is the point. */
	madvise(p, size, MADV_NOHUGEPAGE);
	memset(p, byte, size);
	target_ready("start=%p size=%zu", (void *)p, size);
	target_wait();
	return 0;
}
