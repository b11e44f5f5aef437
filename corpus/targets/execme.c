/*
 * execme: a process that execs itself in the middle of a dump (RELIABILITY
 * T12), with memory at the same address before and after.
 *
 *   execme MIB
 *
 * Maps MIB MiB at the fixed address 0x200000000 and fills every byte with
 * 'A', prints "ready pid=N fixed=0x200000000 size=B", and on SIGUSR1
 * execs itself as "execme MIB after": the new image maps the same range
 * and fills it with 'B', then waits. A dump must never hold a 'B' in a
 * copy of the old image.
 */
#include <string.h>
#include <sys/mman.h>

#include "target.h"

#define FIXED ((void *)0x200000000ul)

static char **args;

static void reexec(int sig)
{
	char *argv[] = { args[0], args[1], "after", NULL };

	(void)sig;
	execv("/proc/self/exe", argv);
	_exit(2);
}

int main(int argc, char **argv)
{
	size_t size = (size_t)strtoul(argc > 1 ? argv[1] : "64", NULL, 0) << 20;
	int after = argc > 2;
	char *p;

	args = argv;
	p = mmap(FIXED, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != FIXED)
		target_die("mmap at 0x200000000");
	memset(p, after ? 'B' : 'A', size);
	if (after) {
		target_wait();
	}
	signal(SIGUSR1, reexec);
	target_ready("fixed=%p size=%zu", (void *)p, size);
	target_wait();
	return 0;
}
