/*
 * forkfloor: how long the kernel's fork takes for a process of a given
 * size, from inside it: the floor of dump-region --mode snapshot's stop
 * (bench/snapshot.sh).
 *
 *   forkfloor MIB [thp]
 *
 * mmaps MIB MiB (anonymous, private; MADV_NOHUGEPAGE, or MADV_HUGEPAGE
 * with "thp"), writes every page, then forks 5 times (the child exits at
 * once and is reaped before the next), timing each fork() call in the
 * parent (CLOCK_MONOTONIC). Prints "fork_ms=MEDIAN" (milliseconds, one
 * decimal). Exit status 0, or 2 when it cannot map or fork.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	size_t size = (argc > 1 ? strtoul(argv[1], NULL, 0) : 1024) << 20;
	double ms[5], t;
	pid_t pid;
	char *p;
	int i;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	madvise(p, size, argc > 2 && !strcmp(argv[2], "thp") ?
				 MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(p, 0x5a, size);
	for (i = 0; i < 5; i++) {
		t = now_ms();
		pid = fork();
		if (pid == 0)
			_exit(0);
		ms[i] = now_ms() - t;
		if (pid < 0)
			return 2;
		waitpid(pid, NULL, 0);
	}
	qsort(ms, 5, sizeof(ms[0]), cmp);
	printf("fork_ms=%.1f\n", ms[2]);
	return 0;
}
