/*
 * jitcode: one page of anonymous executable memory holding known x86-64
 * code, as a JIT compiler leaves it: 4096 one-byte NOPs (0x90), mapped
 * read-write, filled, then made read-execute.
 *
 *   jitcode
 *
 * classify calls the region jit and decodes its first present page
 * (capstone): 4096 of 4096 bytes, 4096 instructions.
 * Reports: ready pid=N jit=0xADDR size=4096
 */
#include <string.h>
#include <sys/mman.h>

#include "target.h"

int main(void)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, ps, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		target_die("mmap");
	memset(p, 0x90, ps);
	if (mprotect(p, ps, PROT_READ | PROT_EXEC))
		target_die("mprotect");
	target_ready("jit=%p size=%zu", (void *)p, ps);
	target_wait();
}
