/*
 * muslleak: a known leak for musl's mallocng (built with musl-gcc, static
 * and dynamic, as build/targets/muslleak-static and muslleak-dynamic; with
 * gcc too, as build/targets/muslleak, a glibc twin).
 *
 *   muslleak [COUNT] [SIZE] [corrupt]   (default 20000 chunks of 108 bytes)
 *
 * Keeps COUNT chunks of SIZE bytes (108: musl's 112-byte slot, exactly
 * filled, so that neighbours in one group lie one slot apart), and frees
 * one chunk in two of another COUNT/4 of 300 bytes (free slots). Reports
 * the slot size it sees, the smallest distance between two of its
 * chunks:
 *   ready pid=N count=COUNT size=SIZE stride=BYTES freed=F
 * With "corrupt" (musl only), the group holding the last chunk gets a
 * meta pointer that is not its meta's (musl keeps the distance back to
 * the group in the two bytes before a chunk), reported as group=0x...;
 * nothing is freed after that.
 */
#include <stdint.h>
#include <string.h>

#include "target.h"

static int cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	size_t size = argc > 2 ? strtoul(argv[2], NULL, 0) : 108;
	unsigned long i, m = n / 4, freed = 0;
	uintptr_t *keep = malloc(n * sizeof(*keep)), stride = UINTPTR_MAX;
	char **other = malloc(m * sizeof(*other));

	if (!keep || !other || n < 2)
		target_die("malloc");
	for (i = 0; i < n; i++) {
		char *p = malloc(size);

		if (!p)
			target_die("malloc");
		memset(p, 'L', size);
		keep[i] = (uintptr_t)p;
		if (i < m) {
			other[i] = malloc(300);
			if (!other[i])
				target_die("malloc");
			memset(other[i], 'F', 300);
		}
	}
	for (i = 0; i < m; i += 2, freed++)
		free(other[i]);
	qsort(keep, n, sizeof(*keep), cmp);
	for (i = 1; i < n; i++)
		if (keep[i] - keep[i - 1] < stride)
			stride = keep[i] - keep[i - 1];
	if (argc > 3 && strcmp(argv[3], "corrupt") == 0) {
		unsigned char *p = (unsigned char *)keep[n - 1];
		uintptr_t group = (uintptr_t)p - 16 * *(uint16_t *)(p - 2) - 16;

		*(uintptr_t *)group ^= 0x40;
		target_ready("count=%lu size=%zu stride=%lu freed=%lu "
			     "group=0x%lx", n, size, (unsigned long)stride,
			     freed, (unsigned long)group);
		target_wait();
	}
	target_ready("count=%lu size=%zu stride=%lu freed=%lu", n, size,
		     (unsigned long)stride, freed);
	target_wait();
	return 0;
}
