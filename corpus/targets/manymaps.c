/*
 * manymaps: a process with many small mappings.
 *
 *   manymaps [COUNT]   (default 30000)
 *
 * Maps COUNT pages in one reservation with alternating protections
 * (r-- and rw-) so the kernel cannot merge neighbours: COUNT regions, each
 * page touched (resident). Reports: ready pid=N regions=COUNT base=0x...
 */
#include <sys/mman.h>

#include "target.h"

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 30000;
	long pg = sysconf(_SC_PAGESIZE);
	unsigned long i;
	char *base;

	base = mmap(NULL, n * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		target_die("mmap");
	for (i = 0; i < n; i++)
		base[i * pg] = (char)i;
	for (i = 0; i < n; i += 2)
		if (mprotect(base + i * pg, pg, PROT_READ))
			target_die("mprotect (raise vm.max_map_count?)");
	target_ready("regions=%lu base=%p", n, (void *)base);
	target_wait();
	return 0;
}
